// A long list to choose from (a hundred units, 113 categories) gets a box that narrows it
// as one types: by the names, and by pinyin and its initials where the page gives them.
// Progressive: without script the plain <select> still works.
(function () {
  "use strict";
  function searchable(select) {
    const box = document.createElement("input");
    box.type = "search";
    box.className = "picker-filter";
    box.placeholder = select.dataset.search;
    box.setAttribute("aria-label", select.dataset.search);
    const options = Array.from(select.options);
    box.addEventListener("input", function () {
      const wanted = box.value.trim().toLowerCase();
      let first = null;
      for (const option of options) {
        const keys = (option.dataset.keys || "").toLowerCase();
        const shown = !wanted || !option.value
          || option.text.toLowerCase().includes(wanted)
          || keys.split(" ").some(function (key) { return key.startsWith(wanted); })
          || (option.parentNode.label || "").toLowerCase().includes(wanted);
        option.hidden = !shown;
        option.disabled = !shown && option.value !== "";
        if (shown && option.value && first === null) first = option;
      }
      select.querySelectorAll("optgroup").forEach(function (group) {
        group.hidden = !Array.from(group.children).some(function (o) { return !o.hidden; });
      });
      const current = select.selectedOptions[0];
      if (first && (!current || current.hidden || !current.value)) select.value = first.value;
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); select.focus(); }
    });
    select.parentNode.insertBefore(box, select);
  }
  document.querySelectorAll("select[data-search]").forEach(searchable);
  // A part of the page redrawn live (live.js) brings its own pickers.
  document.addEventListener("hotline:redrawn", function (event) {
    event.detail.element.querySelectorAll("select[data-search]").forEach(searchable);
  });
})();
