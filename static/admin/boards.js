// The boards page: fetches the PDF of an area's boards and shows how many pages have arrived
// (the server streams it a page at a time, each page followed by the comment "%board N").
// Without this script the link opens the PDF as any link does.
(() => {
  "use strict";
  const box = document.querySelector("[data-boards]");
  if (!box || !window.fetch || !window.TextDecoder) return;
  const start = box.querySelector("[data-boards-start]");
  const status = box.querySelector("[data-boards-status]");
  const bar = status.querySelector("progress");
  const words = status.querySelector("[role=status]");
  const save = box.querySelector("[data-boards-save]");
  const total = Number(box.dataset.pages);
  const MARK = /%board (\d+)\n/g;

  const show = (page) => {
    bar.value = page;
    words.textContent = box.dataset.progress.replace("{page}", page).replace("{total}", total);
  };

  start.addEventListener("click", async (event) => {
    event.preventDefault();
    start.setAttribute("aria-disabled", "true");
    start.hidden = true;
    save.hidden = true;
    status.hidden = false;
    show(0);
    try {
      const response = await fetch(start.href, { credentials: "same-origin" });
      if (!response.ok || !response.body) throw new Error(String(response.status));
      const reader = response.body.getReader();
      // Latin-1 keeps one character per byte: a mark split between two chunks is still found.
      const decoder = new TextDecoder("latin1");
      const chunks = [];
      let tail = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        const text = tail + decoder.decode(value, { stream: true });
        let page = null;
        for (const match of text.matchAll(MARK)) page = Number(match[1]);
        if (page !== null) show(page);
        tail = text.slice(-16);
      }
      const blob = new Blob(chunks, { type: "application/pdf" });
      const link = save.querySelector("a");
      const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
      link.href = URL.createObjectURL(blob);
      link.download = name ? name[1] : "boards.pdf";
      bar.value = total;
      words.textContent = box.dataset.done.replace("{num}", total);
      save.hidden = false;
      link.click();
    } catch (error) {
      words.textContent = box.dataset.failed;
    } finally {
      start.hidden = false;
      start.removeAttribute("aria-disabled");
    }
  });
})();
