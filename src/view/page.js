"use strict";
(function () {
  const blocks = Array.from(document.querySelectorAll(".block"));
  const turns = Array.from(document.querySelectorAll(".turn"));
  const search = document.getElementById("search");
  const kinds = Array.from(document.querySelectorAll("input.kind"));
  function apply() {
    const wanted = new Set(kinds.filter((k) => k.checked).map((k) => k.value));
    const text = search.value.trim().toLowerCase();
    for (const block of blocks) {
      const kindOk = wanted.has(block.dataset.kind) || !kinds.some((k) => k.value === block.dataset.kind);
      const textOk = text === "" || block.textContent.toLowerCase().includes(text);
      block.classList.toggle("hidden", !(kindOk && textOk));
    }
    for (const turn of turns) {
      const shown = turn.querySelectorAll(".block:not(.hidden)").length > 0;
      turn.classList.toggle("hidden", !shown);
      if (text !== "" && shown) turn.open = true;
    }
  }
  // A small session opens whole; a large one opens turn by turn.
  if (turns.length <= 40) for (const t of turns) t.open = true;
  search.addEventListener("input", apply);
  // `page.html#search=word` opens the page already searched (shareable, and what the browser
  // test drives).
  const wanted = new URLSearchParams(location.hash.slice(1)).get("search");
  if (wanted) {
    search.value = wanted;
    apply();
  }
  for (const k of kinds) k.addEventListener("change", apply);
  document.getElementById("expand").addEventListener("click", () => {
    const open = !turns.every((t) => t.open);
    for (const t of turns) t.open = open;
  });
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.line");
    if (link) document.querySelector("details.raw").open = true;
  });
})();
