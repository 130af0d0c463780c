/* Service worker: the app shell and last-seen pages offline, notifications, the outbox.
   Served at /sw.js (root scope, no-cache). Words come from the cached offline page. */
importScripts("/static/outbox.js");

const SHELL = "cf-shell"; // the offline page and the hashed assets it names (one version each)
const PAGES = "cf-pages"; // the last-seen copy of each page
const PHOTOS = "cf-photos";
const SEEN = "cf-push-seen"; // ids of the last pushes shown: a repeated delivery stays silent
const KEEP = { [PAGES]: 60, [PHOTOS]: 40, [SEEN]: 100 };
const origin = self.location.origin;
const FORGET = /^\/(logout|c\/[^/]+\/leave|api\/v1\/(me|auth\/logout|communes\/[^/]+\/membership))$/;

// "/assets/<digest>/icons/x.png" -> "icons/x.png": one cached version per file.
const assetName = (url) => new URL(url, origin).pathname.split("/").slice(3).join("/");

async function putAsset(cache, url, response) {
  const name = assetName(url);
  for (const k of await cache.keys()) {
    if (k.url !== new URL(url, origin).href && assetName(k.url) === name) await cache.delete(k);
  }
  await cache.put(url, response);
}

// Precache the offline page and every asset it links (CSS, JS, icons), under today's hashes.
async function precache() {
  const cache = await caches.open(SHELL);
  const page = await fetch("/offline", { cache: "no-store" });
  if (!page.ok) throw new Error("offline page: " + page.status);
  const html = await page.clone().text();
  const urls = new Set(html.match(/\/assets\/[0-9a-f]+\/[\w./-]+/g) || []);
  await Promise.all(
    [...urls].map(async (url) => {
      if (await cache.match(url)) return;
      const r = await fetch(url);
      if (r.ok) await putAsset(cache, url, r);
    })
  );
  await cache.put("/offline", page);
}

self.addEventListener("install", (e) => {
  self.skipWaiting();
  e.waitUntil(precache());
});

self.addEventListener("activate", (e) => {
  e.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (!(name in KEEP) && name !== SHELL) await caches.delete(name);
      if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
      await self.clients.claim();
      // The page that brought us here (the feed, just after joining) opens offline too.
      const wins = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const pages = wins.filter((w) => !new URL(w.url).pathname.startsWith("/j/"));
      await Promise.all(pages.map((w) => keep(w.url).catch(() => {})));
    })()
  );
});

self.addEventListener("message", (e) => {
  if (e.data === "refresh") e.waitUntil(precache());
});

async function trim(name) {
  const cache = await caches.open(name);
  const keys = await cache.keys();
  for (const k of keys.slice(0, Math.max(0, keys.length - KEEP[name]))) await cache.delete(k);
}

const pageKey = (url) => url.replace(/[?&]joined=1$/, "");

async function keep(url, response) {
  const r = response || (await fetch(url));
  // A page marked no-store (a second-factor secret, recovery codes) is never kept.
  const stored = !/no-store/.test(r.headers.get("Cache-Control") || "");
  if (r.ok && stored && !r.redirected && r.type === "basic" && new URL(r.url).origin === origin) {
    const cache = await caches.open(PAGES);
    await cache.put(pageKey(url), r);
    await trim(PAGES);
  }
}

function kept(e, r) {
  e.waitUntil(keep(e.request.url, r.clone()).catch(() => {}));
  return r;
}

// Pages: the network first; without it (or after 6 s of a network that hardly answers, or
// from a server that is down) the last-seen copy; else the offline page.
async function page(e) {
  const key = pageKey(e.request.url);
  const copy = async () => {
    const cache = await caches.open(PAGES);
    return (await cache.match(key)) || cache.match(key, { ignoreSearch: true });
  };
  const network = (async () => {
    const preloaded = await e.preloadResponse;
    // A preload goes through the browser's HTTP cache, which revalidates with the ETag itself.
    if (preloaded) return kept(e, preloaded);
    // Else ask with the kept copy's ETag: an unchanged page is a 304 of a few hundred bytes.
    const held = await (await caches.open(PAGES)).match(key);
    const tag = held && held.headers.get("ETag");
    if (!tag) return kept(e, await fetch(e.request));
    const headers = new Headers(e.request.headers);
    headers.set("If-None-Match", tag);
    const r = await fetch(new Request(e.request, { headers }));
    return r.status === 304 ? held : kept(e, r);
  })();
  e.waitUntil(network.catch(() => {}));
  try {
    const slow = new Promise((ok) => setTimeout(ok, 6000, null));
    const r = await Promise.race([network, slow]);
    if (r && r.status < 500) return r;
    return (await copy()) || r || (await network);
  } catch (err) {
    return (await copy()) || (await caches.match("/offline", { cacheName: SHELL })) || Response.error();
  }
}

// Hashed assets never change: the cache first; an unknown hash is fetched and replaces the old.
async function asset(request) {
  const cache = await caches.open(SHELL);
  const hit = await cache.match(request, { ignoreVary: true });
  if (hit) return hit;
  try {
    const r = await fetch(request);
    // Only today's version is kept (an old page's old hash gets today's file, not for keeping).
    if (r.ok && /immutable/.test(r.headers.get("Cache-Control"))) {
      await putAsset(cache, request.url, r.clone());
    }
    return r;
  } catch (err) {
    const name = assetName(request.url);
    for (const k of await cache.keys()) if (assetName(k.url) === name) return cache.match(k);
    throw err;
  }
}

// Photos have random, never reused names: kept once seen, so old threads show them offline.
async function photo(e) {
  const cache = await caches.open(PHOTOS);
  const hit = await cache.match(e.request);
  if (hit) return hit;
  const r = await fetch(e.request);
  if (r.ok) {
    const copy = r.clone();
    e.waitUntil(cache.put(e.request, copy).then(() => trim(PHOTOS)));
  }
  return r;
}

self.addEventListener("fetch", (e) => {
  const req = e.request;
  const url = new URL(req.url);
  if (url.origin !== origin) return;
  if (req.method !== "GET") {
    // Signing out, leaving, deleting the account: the pages and photos kept here go too.
    if (FORGET.test(url.pathname)) e.waitUntil(caches.delete(PAGES).then(() => caches.delete(PHOTOS)));
    return;
  }
  if (req.mode === "navigate") e.respondWith(page(e));
  else if (url.pathname.startsWith("/assets/")) e.respondWith(asset(req));
  else if (url.pathname.startsWith("/photos/")) e.respondWith(photo(e));
});

// --- Push: always show something (a silent push gets the subscription revoked) ---------------
async function words() {
  const unescape = (s) =>
    s.replace(/&(#39|quot|lt|gt|amp);/g, (m, c) => ({ "#39": "'", quot: '"', lt: "<", gt: ">", amp: "&" })[c]);
  const out = { title: self.location.host, body: "", icon: undefined };
  try {
    const r = (await caches.match("/offline", { cacheName: SHELL })) || (await fetch("/offline"));
    const html = await r.text();
    const pick = (re) => (html.match(re) || [])[1];
    out.title = unescape(pick(/data-push-title="([^"]*)"/) || out.title);
    out.body = unescape(pick(/data-push-body="([^"]*)"/) || "");
    out.icon = pick(/"(\/assets\/[0-9a-f]+\/icons\/icon-192\.png)"/);
  } catch (e) {}
  return out;
}

// Only this site's pages may be opened from a notification.
function target(url) {
  try {
    const u = new URL(url, origin);
    if (u.origin === origin) return u.href;
  } catch (e) {}
  return origin + "/";
}

async function firstTime(id) {
  if (!id) return true;
  const cache = await caches.open(SEEN);
  const key = `/push-seen/${encodeURIComponent(id)}`;
  if (await cache.match(key)) return false;
  await cache.put(key, new Response(""));
  await trim(SEEN);
  return true;
}

// A Declarative Web Push message (app/push/payloads.py). Safari 18.4+ may show it by itself;
// here it is shown the same way for every browser that fires a push event.
async function notify(data) {
  let d = {};
  try {
    d = (data && data.json()) || {};
  } catch (e) {}
  const declared = d && d.web_push === 8030 && d.notification;
  const n = declared && typeof declared === "object" ? declared : {};
  const text = (v) => (typeof v === "string" ? v.trim() : "");
  const w = await words();
  const title = text(n.title);
  const tag = text(n.tag);
  const url = target(text(n.navigate) || "/");
  const id = text((n.data && n.data.id) || "");
  // Delivery is at least once: the same message twice replaces itself without a second alert.
  const again = await firstTime(id).then((first) => !first, () => false);
  const quiet = again || n.silent === true;
  return self.registration.showNotification(title || w.title, {
    body: title ? text(n.body) : w.body,
    lang: text(n.lang) || undefined,
    icon: w.icon,
    tag: tag || undefined,
    renotify: !!tag && !quiet,
    silent: quiet,
    navigate: url,
    data: { url, id },
  });
}

self.addEventListener("push", (e) => e.waitUntil(notify(e.data)));

// A tap: an open window of the app goes to the page and comes forward; else a new window.
async function open(url) {
  const wins = await self.clients.matchAll({ type: "window" });
  for (const w of wins) {
    try {
      const moved = await w.navigate(url);
      if (moved) return moved.focus();
    } catch (e) {}
  }
  return self.clients.openWindow(url);
}

self.addEventListener("notificationclick", (e) => {
  e.notification.close();
  e.waitUntil(open(target((e.notification.data || {}).url)));
});

// The push service replaced the subscription: subscribe again with the server's key, tell it.
async function resubscribe(e) {
  let sub = e.newSubscription;
  if (!sub) {
    const r = await fetch("/api/v1/push/key");
    const key = (await r.json()).public_key.replace(/-/g, "+").replace(/_/g, "/");
    sub = await self.registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: Uint8Array.from(atob(key), (c) => c.charCodeAt(0)),
    });
  }
  const headers = { "Content-Type": "application/json" };
  await fetch("/api/v1/push/subscriptions", { method: "POST", headers, body: JSON.stringify(sub) });
  if (e.oldSubscription && e.oldSubscription.endpoint !== sub.endpoint) {
    const body = JSON.stringify({ endpoint: e.oldSubscription.endpoint });
    await fetch("/api/v1/push/subscriptions", { method: "DELETE", headers, body }).catch(() => {});
  }
}

self.addEventListener("pushsubscriptionchange", (e) => e.waitUntil(resubscribe(e)));

// --- Background Sync: send what waited in the outbox; tell open pages -------------------------
async function flush() {
  const r = await self.CFOutbox.flush();
  for (const c of await self.clients.matchAll({ type: "window" })) c.postMessage({ type: "outbox", sent: r.sent });
  if (r.retry) throw new Error("the outbox waits for the network"); // the browser tries again later
}

self.addEventListener("sync", (e) => {
  if (e.tag === "outbox") e.waitUntil(flush());
});
