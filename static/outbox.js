/* The outbox: questions and replies written without a network, kept in IndexedDB until the
   server has them. Shared by the pages (app.js) and the service worker (sw.js, for Background
   Sync). An item: {id, key (its Idempotency-Key), url (API endpoint), page (where it was
   written), fields, photo (Blob), voice (File: a recording), at, sending (lease time), error (the server's refusal, kept for
   the person to edit) and field (the one it is about)}. The key is made when the item is queued and sent with every attempt: if
   an attempt reached the server but its answer was lost, the next one gets the same thread
   back instead of posting it twice. */
self.CFOutbox = (() => {
  const STORE = "outbox";
  const LEASE = 60000; // a page or worker that died mid-send gives the item back after a minute
  let opening = null;
  const db = () =>
    opening ||
    (opening = new Promise((ok, fail) => {
      const r = indexedDB.open("cf-outbox", 1);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
      r.onsuccess = () => ok(r.result);
      r.onerror = () => {
        opening = null;
        fail(r.error);
      };
    }));
  // One transaction; resolves when it is committed (with the value fn reported, if any).
  const tx = (mode, fn) =>
    db().then(
      (d) =>
        new Promise((ok, fail) => {
          const t = d.transaction(STORE, mode);
          let out;
          const r = fn(t.objectStore(STORE), (v) => (out = v));
          if (r) r.onsuccess = () => (out = r.result);
          t.oncomplete = () => ok(out);
          t.onerror = t.onabort = () => fail(t.error);
        })
    );
  // 16 random bytes as 32 hex digits (crypto.randomUUID needs https; this works on http too).
  const newKey = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  const all = () => tx("readonly", (s) => s.getAll());
  const add = (item) => tx("readwrite", (s) => s.add({ ...item, key: newKey() }));
  const put = (item) => tx("readwrite", (s) => s.put(item));
  const drop = (id) => tx("readwrite", (s) => s.delete(id));
  // Take an item for sending, unless someone else (another tab, the worker) is sending it.
  const claim = (id) =>
    tx("readwrite", (s, give) => {
      s.get(id).onsuccess = (e) => {
        const item = e.target.result;
        if (item && !item.error && !(item.sending > Date.now() - LEASE)) {
          item.sending = Date.now();
          item.key = item.key || newKey(); // an item queued before keys existed: one from now on
          s.put(item);
          give(item);
        }
      };
    });

  async function send(item) {
    let body;
    const headers = { Accept: "application/json", "Idempotency-Key": item.key };
    if (item.photo || item.voice) {
      body = new FormData();
      for (const k in item.fields) body.append(k, item.fields[k]);
      if (item.photo) body.append("photo", item.photo, "photo.jpg");
      if (item.voice) body.append("voice", item.voice, item.voice.name || "voice.webm");
    } else {
      body = JSON.stringify(item.fields);
      headers["Content-Type"] = "application/json";
    }
    const r = await fetch(item.url, { method: "POST", body, headers, credentials: "same-origin" });
    let data = {};
    try {
      data = await r.json();
    } catch (e) {}
    return { status: r.status, data };
  }

  // Send one claimed item; "sent", "refused" (kept with the server's message) or "later".
  async function deliver(item) {
    let r = null;
    try {
      r = await send(item);
    } catch (e) {}
    delete item.sending;
    if (r && r.status < 300) {
      await drop(item.id);
      return { state: "sent", data: r.data };
    }
    if (r && r.status < 500 && r.status !== 408 && r.status !== 429) {
      item.error = (r.data.error && r.data.error.message) || String(r.status);
      item.field = (r.data.error && r.data.error.field) || null; // where to put the cursor
      await put(item);
      return { state: "refused", error: item.error, field: item.field };
    }
    await put(item);
    return { state: "later" };
  }

  let running = null;
  async function flushAll() {
    const out = { sent: [], retry: false };
    for (const item of await all()) {
      const mine = await claim(item.id);
      if (!mine) continue;
      const r = await deliver(mine);
      if (r.state === "sent") out.sent.push({ id: item.id, page: item.page, data: r.data });
      if (r.state === "later") out.retry = true;
    }
    return out;
  }
  const flush = () => running || (running = flushAll().finally(() => (running = null)));

  return { all, add, put, drop, claim, deliver, flush };
})();
