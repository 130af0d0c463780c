/* Service worker: filled in by the PWA work (offline shell, push, sync). */
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
