// The invitation's commune picker: a box that narrows the list of checkboxes as the admin
// types (accents and case ignored, so "u minh" finds "U Minh Thượng"), and how many are
// chosen. Without this script the list of checkboxes works on its own.
(() => {
  "use strict";
  const fold = (text) =>
    text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D")
      .toLowerCase().replace(/\s+/g, " ").trim();

  for (const picker of document.querySelectorAll("[data-picker]")) {
    const search = picker.querySelector("[data-picker-search]");
    const count = picker.querySelector("[data-picker-count]");
    const none = picker.querySelector("[data-picker-none]");
    const items = [...picker.querySelectorAll("li")].filter((li) => li.querySelector("input"));
    const names = new Map(items.map((li) => [li, fold(li.textContent)]));
    picker.querySelector("[data-picker-find]").hidden = false;

    const chosen = () => {
      const n = items.filter((li) => li.querySelector("input").checked).length;
      count.textContent = picker.dataset.chosen.replace("{num}", n);
    };
    const narrow = () => {
      const words = fold(search.value).split(" ").filter(Boolean);
      let matched = 0;
      for (const li of items) {
        const fits = words.every((word) => names.get(li).includes(word));
        // A chosen commune stays in sight, so a narrower search never hides a choice.
        li.hidden = !fits && !li.querySelector("input").checked;
        matched += fits;
      }
      none.hidden = matched > 0;
    };
    search.addEventListener("input", narrow);
    // Enter in the box must not send the form half-filled.
    search.addEventListener("keydown", (e) => e.key === "Enter" && e.preventDefault());
    picker.addEventListener("change", chosen);
    chosen();
  }
})();
