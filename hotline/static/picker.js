// A long list to choose from (a hundred units) gets a box that narrows it as one types.
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
        const shown = !wanted || !option.value
          || option.text.toLowerCase().includes(wanted)
          || option.value.toLowerCase().includes(wanted);
        option.hidden = !shown;
        option.disabled = !shown && option.value !== "";
        if (shown && option.value && first === null) first = option;
      }
      const current = select.selectedOptions[0];
      if (first && (!current || current.hidden || !current.value)) select.value = first.value;
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); select.focus(); }
    });
    select.parentNode.insertBefore(box, select);
  }
  document.querySelectorAll("select[data-search]").forEach(searchable);
})();
