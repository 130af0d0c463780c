/* The "Nói" (speak) recorder, fetched by app.js only when someone starts on a form with a voice
   box ([data-voice]). Up to 60 s of the microphone with MediaRecorder, in what the phone makes
   (Opus in WebM or Ogg on Android, AAC in MP4 on an iPhone). The recording goes into the form's
   file input "voice", so the plain form, the outbox and FormData all send it like a photo.
   Hold the button while speaking (letting go stops), or tap to start and tap to stop.
   Every word shown comes from the box's data attributes (translated on the server). */
self.CFRecorder = (() => {
  const TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4;codecs=mp4a.40.2", "audio/mp4"];
  const LIMIT = 59.5; // seconds: the server takes at most 60, and stopping takes a moment
  const HOLD = 700; // ms: a press longer than this is "hold to speak"
  const ext = (type) => (/ogg/.test(type) ? "ogg" : /mp4|aac|m4a/.test(type) ? "m4a" : "webm");
  const clock = (s) => Math.floor(s / 60) + ":" + String(Math.floor(s % 60)).padStart(2, "0");

  return (box) => {
    const $ = (s) => box.querySelector(s);
    const w = box.dataset;
    const input = $("input[type=file]");
    const start = $("[data-voice-start]");
    const cancel = $("[data-voice-cancel]");
    const timer = $("[data-voice-timer]");
    const state = $("[data-voice-state]");
    const review = $("[data-voice-review]");
    const audio = $("audio");
    const body = input.form.elements.body;
    const needed = !!(body && body.required);
    let rec = null;
    let chunks = [];
    let began = 0;
    let tick = 0;
    let discard = false;
    let opening = false;
    let pressAt = 0;
    let fromIdle = false;
    box.dataset.ready = "1";

    const say = (t) => (state.textContent = t || "");
    const recording = () => !!rec && rec.state === "recording";
    const show = (on) => {
      start.textContent = on ? w.stop : w.speak;
      start.classList.toggle("recording", on);
      cancel.hidden = timer.hidden = !on;
    };

    // The recording (or none) as if chosen in the file input, with its replay.
    function keep(file) {
      const dt = new DataTransfer();
      if (file) dt.items.add(file);
      input.files = dt.files;
      shown(file);
    }
    function shown(file) {
      if (audio.src) URL.revokeObjectURL(audio.src);
      audio.removeAttribute("src");
      if (file) audio.src = URL.createObjectURL(file);
      review.hidden = !file;
      start.hidden = !!file;
      // A voice alone is a whole question or reply: no text needed then.
      if (body) body.required = needed && !file;
    }

    async function begin() {
      if (opening || recording()) return;
      opening = true;
      say("");
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      } catch (e) {
        opening = false;
        say(e.name === "NotAllowedError" || e.name === "SecurityError" ? w.denied : w.noMic);
        return;
      }
      const type = TYPES.find((t) => MediaRecorder.isTypeSupported(t));
      try {
        // 32 kb/s: a clear voice, a minute in about 240 KB over a slow network.
        rec = new MediaRecorder(stream, type ? { mimeType: type, audioBitsPerSecond: 32000 } : {});
      } catch (e) {
        rec = new MediaRecorder(stream);
      }
      chunks = [];
      discard = false;
      rec.ondataavailable = (e) => e.data.size && chunks.push(e.data);
      rec.onstop = () => {
        for (const t of stream.getTracks()) t.stop();
        clearInterval(tick);
        show(false);
        const secs = (Date.now() - began) / 1000;
        if (discard || !chunks.length) {
          say(discard ? w.cancelled : "");
          start.focus();
          return;
        }
        const mime = (rec.mimeType || type || "audio/webm").split(";")[0];
        keep(new File(chunks, "voice." + ext(mime), { type: mime }));
        say(w.recorded.replace("{time}", clock(secs)));
        audio.focus();
      };
      rec.start(1000);
      opening = false;
      began = Date.now();
      timer.textContent = "0:00 / 1:00";
      show(true);
      say(w.recording);
      tick = setInterval(() => {
        const s = (Date.now() - began) / 1000;
        timer.textContent = clock(Math.min(s, 60)) + " / 1:00";
        if (s >= LIMIT) finish();
      }, 250);
    }
    const finish = () => recording() && rec.stop();
    const toggle = () => (recording() ? finish() : begin());

    // Hold: pressed while idle and let go after HOLD ms stops. Tap: start, tap again: stop.
    start.addEventListener("pointerdown", () => {
      pressAt = Date.now();
      fromIdle = !recording();
      if (fromIdle) begin();
    });
    start.addEventListener("pointerup", () => {
      if (fromIdle && recording() && Date.now() - pressAt > HOLD) finish();
    });
    start.addEventListener("click", (e) => {
      if (e.detail === 0 || !pressAt) toggle(); // the keyboard (no pointer)
      else if (!fromIdle) finish();
      pressAt = 0;
    });
    start.addEventListener("contextmenu", (e) => e.preventDefault()); // a long press is not a menu
    cancel.addEventListener("click", () => {
      discard = true;
      finish();
    });
    $("[data-voice-again]").addEventListener("click", () => {
      keep(null);
      begin();
    });
    $("[data-voice-remove]").addEventListener("click", () => {
      keep(null);
      say(w.removed);
      start.focus();
    });
    // Sent or kept for later (the form is reset), or put back from the outbox (change).
    input.form.addEventListener("reset", () => setTimeout(() => (shown(null), say(""))));
    input.addEventListener("change", () => shown(input.files[0]));
    addEventListener("pagehide", () => {
      discard = true;
      finish();
    });
    return { toggle };
  };
})();
