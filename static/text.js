/* Larger text, chosen on this phone (Settings or the "A+" button): set before the page is drawn,
   so nothing jumps. The one script that does not wait for the page. */
try {
  if (localStorage.getItem("cfText") === "large") document.documentElement.classList.add("large-text");
} catch (e) {}
