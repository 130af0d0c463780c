/* The app on top of the plain pages (which work without it): the service worker, turning on
   notifications, photos made small before upload, and the offline outbox. Every word shown
   comes from the page (translated on the server). */
(() => {
  const $ = (s, root = document) => root.querySelector(s);
  const local = (k, v) => {
    try {
      if (v === undefined) return localStorage.getItem(k);
      localStorage.setItem(k, v);
    } catch (e) {}
  };
  const SW = "serviceWorker" in navigator;
  const PUSH = SW && "PushManager" in self && "Notification" in self;
  const O = self.indexedDB && self.CFOutbox;
  const member = document.body.hasAttribute("data-member");
  const here = location.pathname;

  // --- Service worker: offline pages, push, Background Sync -----------------------------------
  if (SW) {
    navigator.serviceWorker.register("/sw.js").catch(() => {});
    navigator.serviceWorker.addEventListener("message", (e) => {
      if (e.data && e.data.type === "outbox") showOutbox(e.data.sent);
    });
    // The worker keeps the offline page (and a notification's fallback words) in our language.
    const lang = document.documentElement.lang;
    const before = local("cfLang");
    local("cfLang", lang);
    if (before && before !== lang) {
      navigator.serviceWorker.ready.then((r) => r.active && r.active.postMessage("refresh"));
    }
  }

  // --- Notifications --------------------------------------------------------------------------
  const bytes = (b64) =>
    Uint8Array.from(atob(b64.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

  async function subscription() {
    const reg = await navigator.serviceWorker.ready;
    const old = await reg.pushManager.getSubscription();
    if (old) return old;
    const key = (await (await fetch("/api/v1/push/key")).json()).public_key;
    return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes(key) });
  }

  // The subscription last told to the server from this phone: page views that find it unchanged
  // post nothing (a write each time otherwise).
  const TOLD = "cfPushTold";
  async function tell(sub) {
    const json = JSON.stringify(sub);
    const r = await fetch("/api/v1/push/subscriptions", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: json,
    });
    if (!r.ok) throw new Error(r.status);
    local(TOLD, json);
  }

  // Subscribing waits on the browser's push service, which may never answer (unreachable,
  // blocked): after 15 s the person is told what to try instead of a button greyed forever.
  const WAIT = 15000;
  const inTime = (p) =>
    Promise.race([p, new Promise((ok, fail) => setTimeout(() => fail(new Error("stuck")), WAIT))]);

  const box = $("#notify");
  // The server says (on the pages with the invitation) whether it holds this phone's subscription.
  const held = !box || box.dataset.push === "on";
  let synced = Promise.resolve(held);
  if (PUSH && member && Notification.permission === "granted") {
    // Told again only when the subscription changed, or the server no longer has it.
    synced = inTime(
      subscription().then(async (sub) => {
        if (!held || local(TOLD) !== JSON.stringify(sub)) await tell(sub);
        return true;
      })
    ).catch(() => false);
  }

  if (box) {
    const always = box.hasAttribute("data-always");
    const state = $("#push-state");
    const say = (k) => (state.textContent = k ? box.dataset[k] : "");
    const step = (name) => {
      for (const el of box.querySelectorAll("[data-step]")) el.hidden = el.dataset.step !== name;
    };
    const ua = navigator.userAgent;
    const iphone = /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
    const home = navigator.standalone || matchMedia("(display-mode: standalone)").matches;
    const later = Date.now() - (Number(local("cfLater")) || 0) < 7 * 864e5;
    // Just joined, or just asked: the moments the offer makes sense, even after "not now".
    const joined = /[?&](joined|asked)=1/.test(location.search);
    const granted = PUSH && Notification.permission === "granted";
    // In Zalo's or Facebook's browser there is no push at all: say so, and how to get out.
    // iOS delivers web push only to Home Screen apps: first the guide, there the invitation.
    const mode = box.hasAttribute("data-in-app")
      ? "in-app"
      : iphone && !home
        ? "ios"
        : PUSH && Notification.permission === "default"
          ? "ask"
          : "";
    const no = $("#push-later");
    const on = $("#push-on");
    if (always || (mode && (joined || !later))) {
      box.hidden = false;
      step(mode);
      if (!mode) say(!PUSH ? "unsupported" : granted ? "" : "blocked");
    }
    // "On" only once the server holds the subscription; if it cannot be told, the button again.
    if (!mode && granted) {
      synced.then((ok) => {
        if (ok) return void (always && say("on"));
        box.hidden = false;
        step("ask");
        say("failed");
      });
    }
    on.addEventListener("click", () => {
      on.disabled = true;
      say("");
      // Permission is asked here, from the tap, and never on page load.
      Notification.requestPermission()
        .then(async (p) => {
          if (p === "granted") {
            await inTime(subscription().then(tell));
            step("");
            say("on");
            if (no) no.hidden = true;
          } else {
            if (p === "denied") say("blocked");
            on.disabled = false;
          }
        })
        .catch((e) => {
          say(e.message === "stuck" ? "stuck" : "failed");
          on.disabled = false;
        });
    });
    if (no) {
      no.addEventListener("click", () => {
        local("cfLater", Date.now());
        box.hidden = true;
      });
    }
  }

  // --- In-app browsers: copy the link, to paste into Chrome or Safari ------------------------
  for (const button of document.querySelectorAll("[data-copy]")) {
    const link = $("[data-copy-text]", button.parentNode);
    const said = button.parentNode.nextElementSibling;
    button.hidden = false;
    button.addEventListener("click", async () => {
      let done = false;
      try {
        await navigator.clipboard.writeText(link.value);
        done = true;
      } catch (e) {
        // No clipboard API (an old WebView, or no permission): the old way, from a selection.
        link.focus();
        link.setSelectionRange(0, link.value.length);
        try {
          done = document.execCommand("copy");
        } catch (x) {}
      }
      said.textContent = done ? said.dataset.copied : said.dataset.copyFailed;
    });
  }

  // --- Photos: long side at most 1600 px, JPEG, before they go over a slow network ------------
  async function shrink(file) {
    try {
      let img;
      if (self.createImageBitmap) img = await createImageBitmap(file);
      else {
        img = new Image();
        img.src = URL.createObjectURL(file);
        await img.decode();
        URL.revokeObjectURL(img.src);
      }
      const k = Math.min(1, 1600 / Math.max(img.width, img.height));
      const c = document.createElement("canvas");
      c.width = Math.round(img.width * k);
      c.height = Math.round(img.height * k);
      c.getContext("2d").drawImage(img, 0, 0, c.width, c.height);
      const blob = await new Promise((ok) => c.toBlob(ok, "image/jpeg", 0.8));
      if (blob) return blob;
    } catch (e) {}
    return file; // undecodable here (e.g. HEIC): the server reads it or says why not
  }

  // --- Refusals: shown where the eye is ------------------------------------------------------
  // A field is described by the refusal about it (if any) and by its count of characters.
  const describe = (el, error) => {
    const ids = [error && error.id, el.dataset.max && el.id + "-count"].filter(Boolean).join(" ");
    if (ids) el.setAttribute("aria-describedby", ids);
    else el.removeAttribute("aria-describedby");
    if (error) el.setAttribute("aria-invalid", "true");
    else el.removeAttribute("aria-invalid");
  };
  const clear = (f) => {
    for (const el of f.querySelectorAll("[aria-invalid]")) describe(el, null);
  };

  // The message above the form (role=alert: read out), the field it is about marked invalid
  // and described by it, and the cursor there; else on the message itself.
  function refuse(f, message, name) {
    const error = $("[data-error]", f);
    clear(f);
    error.textContent = message;
    error.hidden = false;
    if (name === "latitude" || name === "longitude") name = "address";
    const el = name && f.elements[name];
    const target = el && el.focus && el.type !== "hidden" ? el : error;
    if (target !== error) describe(target, error);
    const d = f.closest("details");
    if (d) d.open = true;
    // To the top, less the message's scroll-margin (app.css): flush with the edge, the layout's
    // fractions of a pixel could leave its first line a little above it.
    error.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
    if (target.getBoundingClientRect().bottom > innerHeight) target.scrollIntoView({ block: "nearest" });
  }

  // --- Long texts: the count as they type, and a clear refusal instead of a silent cut -----
  const size = (el) => el.value.normalize("NFC").trim().length; // as the server counts
  for (const el of document.querySelectorAll("textarea[data-max]")) {
    const count = document.getElementById(el.id + "-count");
    const show = () => {
      const n = size(el);
      count.textContent = count.dataset.of.replace("{n}", n);
      count.classList.toggle("over", n > Number(el.dataset.max));
    };
    count.hidden = false;
    describe(el, el.hasAttribute("aria-invalid") ? $("[data-error]", el.form) : null);
    show();
    el.addEventListener("input", show);
  }
  // Before anything is sent (or queued): a text over its limit is refused in the server's words.
  document.addEventListener(
    "submit",
    (e) => {
      for (const el of e.target.querySelectorAll("textarea[data-max]")) {
        if (size(el) > Number(el.dataset.max)) {
          e.preventDefault();
          e.stopImmediatePropagation();
          refuse(e.target, document.getElementById(el.id + "-count").dataset.tooLong, el.name);
          return;
        }
      }
    },
    true
  );

  // A page the server sent back with a refusal: the same, once it is shown.
  for (const f of document.forms) {
    const error = $("[data-error]", f);
    if (error && !error.hidden && error.textContent.trim()) {
      const bad = $("[aria-invalid=true]", f);
      refuse(f, error.textContent, bad && bad.name);
    }
  }

  // --- Sending: the button says so ("Đang gửi…") and the form is busy until the answer ------
  function busy(f, on) {
    const button = f.querySelector("[type=submit]");
    if (!f.dataset.busy || !button) return;
    if (on) {
      button.dataset.idle = button.dataset.idle || button.textContent;
      button.textContent = f.dataset.busy;
      f.setAttribute("aria-busy", "true");
    } else {
      if (button.dataset.idle) button.textContent = button.dataset.idle;
      f.removeAttribute("aria-busy");
    }
    button.disabled = on;
  }
  // A plain form (no outbox) goes by itself: busy until the next page comes.
  document.addEventListener("submit", (e) => {
    if (!e.defaultPrevented) busy(e.target, true);
  });
  // Back to a page kept by the browser: not busy any more.
  addEventListener("pageshow", (e) => {
    if (e.persisted) for (const f of document.forms) busy(f, false);
  });

  // --- A photo's preview before sending: the chosen file itself (nothing fetched), removable --
  for (const input of document.querySelectorAll("input[type=file][data-preview]")) {
    const box = document.createElement("div");
    const img = document.createElement("img");
    const remove = document.createElement("button");
    box.className = "preview";
    box.hidden = true;
    img.alt = input.dataset.preview;
    remove.type = "button";
    remove.className = "quiet";
    remove.textContent = input.dataset.remove;
    box.append(img, remove);
    input.after(box);
    const show = () => {
      if (img.src) URL.revokeObjectURL(img.src);
      img.removeAttribute("src");
      const file = input.files && input.files[0];
      box.hidden = !file;
      if (file) img.src = URL.createObjectURL(file);
    };
    input.addEventListener("change", show);
    remove.addEventListener("click", () => {
      input.value = "";
      show();
      input.focus();
    });
    // After a reset (sent, or kept to send later) the form is empty again.
    input.form.addEventListener("reset", () => setTimeout(show));
  }

  // --- The outbox: kept on the phone first, then sent; never lost -----------------------------
  let timer = 0;
  const sentHere = [];

  function wake() {
    if (SW) {
      navigator.serviceWorker.ready
        .then((r) => r.sync && r.sync.register("outbox"))
        .catch(() => {});
    }
    clearTimeout(timer);
    timer = setTimeout(flush, 30000);
  }

  async function flush() {
    if (!O) return;
    try {
      const r = await O.flush();
      showOutbox(r.sent);
      if (r.retry) wake();
    } catch (e) {}
  }

  async function showOutbox(sent) {
    const list = $("#outbox");
    if (!list || !O) return;
    for (const s of sent || []) if (s.page === here) sentHere.push(s);
    let items = [];
    try {
      items = (await O.all()).filter((i) => i.page === here);
    } catch (e) {}
    const tpl = $("#outbox-item").content.firstElementChild;
    list.textContent = "";
    for (const it of items) {
      const li = tpl.cloneNode(true);
      const [text, badge, , error, edit] = li.children;
      text.textContent = it.fields.title || it.fields.body || list.dataset.voiceItem;
      if (it.error) {
        badge.hidden = true;
        error.textContent = it.error;
        error.hidden = edit.hidden = false;
        edit.addEventListener("click", () => putBack(it));
      }
      list.append(li);
    }
    for (const s of sentHere) {
      const li = tpl.cloneNode(true);
      const [text, badge, link] = li.children;
      li.className = "";
      text.textContent = s.data.title || s.data.body || list.dataset.voiceItem;
      badge.textContent = list.dataset.sent;
      badge.className = "badge status-resolved";
      link.href = "/t/" + (s.data.thread_id || s.data.id);
      link.hidden = false;
      list.append(li);
    }
    list.hidden = !list.children.length;
  }

  // A refused item goes back into its form, to be corrected and sent again.
  async function putBack(it) {
    const f = [...document.forms].find((x) => x.dataset.outbox === it.url);
    if (!f) return;
    for (const k in it.fields) if (f.elements[k]) f.elements[k].value = it.fields[k];
    if (it.photo && f.elements.photo) {
      try {
        const dt = new DataTransfer();
        dt.items.add(new File([it.photo], "photo.jpg", { type: it.photo.type }));
        f.elements.photo.files = dt.files;
        f.elements.photo.dispatchEvent(new Event("change"));
      } catch (e) {}
    }
    if (it.voice && f.elements.voice) {
      try {
        const dt = new DataTransfer();
        dt.items.add(it.voice);
        f.elements.voice.files = dt.files;
        f.elements.voice.dispatchEvent(new Event("change"));
        // No recorder loaded on this page yet: the plain file input shows it.
        if (!f.querySelector("[data-voice][data-ready]")) f.elements.voice.hidden = false;
      } catch (e) {}
    }
    await O.drop(it.id);
    showOutbox();
    refuse(f, it.error, it.field || "body");
  }

  document.addEventListener("submit", async (e) => {
    const f = e.target;
    if (!O || !f.dataset.outbox) return;
    e.preventDefault();
    const error = $("[data-error]", f);
    const saved = $("[data-saved]", f);
    busy(f, true);
    error.hidden = saved.hidden = true;
    clear(f);
    const fields = {};
    let photo = null;
    let voice = null;
    for (const [k, v] of new FormData(f)) {
      // The plain form's one-time key stays with the page; the outbox makes one per item.
      if (k === "idempotency_key") continue;
      if (typeof v === "string") fields[k] = v;
      else if (v.size && k === "voice") voice = v;
      else if (v.size) photo = await shrink(v);
    }
    let id;
    try {
      id = await O.add({ url: f.dataset.outbox, page: here, fields, photo, voice, at: Date.now() });
    } catch (x) {
      f.submit(); // no storage on this phone: the plain form still works
      return;
    }
    const mine = await O.claim(id);
    const r = mine ? await O.deliver(mine) : { state: "later" };
    if (r.state === "sent") {
      // As the plain form does: on to the new thread, told it is sent (after a reply, the
      // same thread again). Busy until that page comes.
      f.reset();
      const to = "/t/" + (r.data.thread_id || r.data.id);
      if (here === to) location.reload();
      else location.assign(to + "?asked=1");
      return;
    }
    busy(f, false);
    if (r.state === "refused") {
      // The server said why: everything typed is still in the form, to correct.
      await O.drop(id);
      refuse(f, r.error, r.field);
    } else {
      // No network (or the server is unwell): it waits on the phone and goes by itself.
      f.reset();
      saved.hidden = false;
      showOutbox();
      wake();
    }
  });

  // Similar questions while typing: following one may be better than asking again.
  const asked = $("[data-similar]");
  const hints = $("[data-similar-box]");
  let typing;
  if (asked && hints) {
    asked.addEventListener("input", () => {
      clearTimeout(typing);
      typing = setTimeout(async () => {
        const q = asked.value.trim();
        if (q.length < 12 || !navigator.onLine) return void (hints.hidden = true);
        try {
          const r = await fetch(asked.dataset.similar + "?q=" + encodeURIComponent(q));
          const items = r.ok ? (await r.json()).items.slice(0, 3) : [];
          const list = $("ul", hints);
          list.replaceChildren(...items.map((t) => {
            const li = document.createElement("li");
            const a = document.createElement("a");
            a.href = "/t/" + t.id;
            a.textContent = t.title || t.body.slice(0, 80);
            li.append(a);
            return li;
          }));
          hints.hidden = !items.length;
        } catch (x) {
          hints.hidden = true;
        }
      }, 600);
    });
  }

  // A personal category (its option says so): "only the officials" until the person chooses.
  const category = $("select[name=category]");
  if (category) {
    const f = category.form;
    let chosen = false;
    for (const r of f.querySelectorAll("input[name=visibility]")) r.addEventListener("change", () => (chosen = true));
    category.addEventListener("change", () => {
      if (chosen) return;
      const personal = category.selectedOptions[0] && category.selectedOptions[0].hasAttribute("data-personal");
      const r = f.querySelector(`input[name=visibility][value=${personal ? "officials" : "public"}]`);
      if (r) r.checked = true;
    });
  }

  // "Use my location": asked only from this tap, never sent without it.
  const locate = $("[data-locate]");
  if (locate && "geolocation" in navigator) {
    locate.hidden = false;
    const say = $("[role=status]", locate);
    $("button", locate).addEventListener("click", () => {
      navigator.geolocation.getCurrentPosition(
        (p) => {
          const f = locate.closest("form");
          f.elements.latitude.value = p.coords.latitude.toFixed(6);
          f.elements.longitude.value = p.coords.longitude.toFixed(6);
          say.textContent = say.dataset.located;
        },
        () => (say.textContent = say.dataset.unlocated),
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  // --- "Nói": a voice note. The recorder (static/recorder.js) is fetched once someone starts on
  // the form (so it is on the phone, even offline, by the tap), or at the first tap ----------
  for (const box of document.querySelectorAll("[data-voice]")) {
    // The text is required unless a voice note is attached. The page leaves the check to the
    // server (so a phone without scripts can send a recording alone); with scripts the browser
    // checks it at once, and a chosen or recorded file lifts it.
    const body = box.closest("form").elements.body;
    const file = $("input[type=file]", box);
    if (body && "required" in body.dataset) {
      const need = () => (body.required = !file.files.length);
      need();
      file.addEventListener("change", need);
    }
    // No MediaRecorder (an old phone): the file input stays, and its sound recorder.
    if (!self.MediaRecorder || !navigator.mediaDevices || !self.DataTransfer) continue;
    const start = $("[data-voice-start]", box);
    start.hidden = $("[data-voice-hint]", box).hidden = false;
    $("input[type=file]", box).hidden = true;
    let loading = null;
    const ready = () =>
      loading ||
      (loading = new Promise((ok, fail) => {
        if (self.CFRecorder) return ok(self.CFRecorder(box));
        const s = document.createElement("script");
        s.src = box.dataset.voice;
        s.onload = () => ok(self.CFRecorder(box));
        s.onerror = () => {
          loading = null;
          s.remove();
          fail();
        };
        document.head.append(s);
      }));
    box.closest("form").addEventListener("focusin", () => ready().catch(() => {}), { once: true });
    start.addEventListener("click", () => {
      if (box.dataset.ready) return; // the recorder listens itself from now on
      ready().then(
        (r) => r.toggle(),
        () => ($("[data-voice-state]", box).textContent = box.dataset.unavailable)
      );
    });
  }

  // --- Larger text: "A+" in the bar and the choice in Settings, kept on this phone ----------
  // (static/text.js applies it before the page is drawn; here it is changed.)
  const root = document.documentElement;
  const aPlus = $("[data-text-size]");
  const choice = $("[data-text-choice]");
  const textSize = (large) => {
    root.classList.toggle("large-text", large);
    local("cfText", large ? "large" : "normal");
    if (aPlus) aPlus.setAttribute("aria-pressed", large);
    if (choice) choice.querySelector(`[value=${large ? "large" : "normal"}]`).checked = true;
  };
  if (aPlus) {
    aPlus.hidden = false;
    aPlus.addEventListener("click", () => textSize(!root.classList.contains("large-text")));
  }
  if (choice) {
    choice.hidden = false;
    choice.addEventListener("change", (e) => textSize(e.target.value === "large"));
  }
  textSize(root.classList.contains("large-text"));

  // --- "Nghe": answers and announcements read aloud in the page's language, when the phone has
  // a voice for it (the list of voices may come later: voiceschanged) -----------------------
  const S = self.speechSynthesis;
  const words = $("main").dataset;
  const speakable = document.querySelectorAll("[data-speak]");
  if (S && self.SpeechSynthesisUtterance && speakable.length) {
    const lang = root.lang.toLowerCase().slice(0, 2);
    let voice = null;
    let playing = null;
    const label = (b, on) => (b.textContent = on ? words.listenStop : words.listen);
    const stop = () => {
      if (playing) label(playing, false);
      playing = null;
      S.cancel();
    };
    const buttons = [...speakable].map((el) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "quiet listen";
      b.hidden = true;
      label(b, false);
      b.addEventListener("click", () => {
        const again = playing === b;
        stop();
        if (again || !voice) return; // pressed again: silence
        const text = [...el.querySelectorAll(":scope>h1,:scope>h3,:scope>.text")]
          .map((x) => x.textContent.trim())
          .filter(Boolean)
          .join(". ");
        const u = new SpeechSynthesisUtterance(text);
        u.voice = voice;
        u.lang = voice.lang;
        u.rate = 0.9; // a little slower than the default: easier to follow
        u.onend = u.onerror = () => {
          if (playing === b) stop();
        };
        playing = b;
        label(b, true);
        S.speak(u);
      });
      el.append(b);
      return b;
    });
    const find = () => {
      const mine = S.getVoices().filter((v) => v.lang.toLowerCase().slice(0, 2) === lang);
      voice = mine.find((v) => v.localService) || mine[0] || null;
      for (const b of buttons) b.hidden = !voice;
    };
    find();
    S.addEventListener("voiceschanged", find);
    addEventListener("pagehide", stop);
  }

  addEventListener("online", flush);
  showOutbox().then(() => navigator.onLine && flush());
})();
