// The invitation's commune picker at national scale (3,321 communes): as the admin types
// (accents and case ignored: "u minh" finds "U Minh Thượng", a code works too) or picks a
// province, the server's search answers in place of the list of results, and a ticked commune
// moves to the chosen ones, so a later search never loses it. Without this script the form's
// "Search" and "Next communes" buttons send the form back with the same results.
(() => {
  "use strict";
  const WAIT_MS = 250;

  for (const picker of document.querySelectorAll("[data-picker]")) {
    const form = picker.closest("form");
    const search = picker.querySelector("[data-picker-search]");
    const province = picker.querySelector("[data-picker-province]");
    const chosenList = picker.querySelector("[data-picker-chosen]");
    const results = picker.querySelector("[data-picker-results]");
    const found = picker.querySelector("[data-picker-found]");
    const count = picker.querySelector("[data-picker-count]");
    let timer = 0;
    let asked = 0;

    const chosen = () => {
      const n = chosenList.querySelectorAll("input:checked").length;
      count.textContent = picker.dataset.chosen.replace("{num}", n);
    };

    // One search: the page's own answer to ?find=&find_province=, of which only the results
    // are used (the server renders them the same with or without script).
    const find = async (after) => {
      const params = new URLSearchParams({ find: search.value });
      if (province) params.set("find_province", province.value);
      if (after) params.set("after", after);
      for (const box of chosenList.querySelectorAll("input:checked")) {
        params.append("commune", box.value);
      }
      const mine = ++asked;
      picker.setAttribute("aria-busy", "true");
      try {
        const response = await fetch(`${picker.dataset.pickerUrl}?${params}`, {
          credentials: "same-origin",
          headers: { Accept: "text/html" },
        });
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = page.querySelector("[data-picker-results]");
        const said = page.querySelector("[data-picker-found]");
        if (mine !== asked || !fresh || !said) return; // a later search answers instead
        results.replaceChildren(...fresh.childNodes);
        found.textContent = said.textContent;
      } catch (error) {
        // The network failed: the results stay as they were, the buttons still work.
      } finally {
        if (mine === asked) picker.removeAttribute("aria-busy");
      }
    };

    const soon = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => find(), WAIT_MS);
    };
    search.addEventListener("input", soon);
    province?.addEventListener("change", () => find());
    // Enter in the box searches now, without sending the form.
    search.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      window.clearTimeout(timer);
      find();
    });
    form.addEventListener("click", (event) => {
      const button = event.target.closest("[data-picker-go], [data-picker-more]");
      if (!button) return;
      event.preventDefault();
      find(button.matches("[data-picker-more]") ? button.value : undefined);
    });
    picker.addEventListener("change", (event) => {
      const box = event.target;
      if (box.name === "communes" && box.checked && results.contains(box)) {
        chosenList.append(box.closest("li"));
        chosenList.hidden = false;
      }
      chosen();
    });
  }
})();
