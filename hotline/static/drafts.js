// Drafts: what a user types into a form marked data-draft="name" is kept in the browser
// (localStorage, per login) as they type, and put back when the page is opened again (a
// reload, a crash, a redraw), into the fields they had not filled since. Sending the form
// discards its draft; so does logging out (a shared desk keeps nothing of its last user);
// a draft older than a day is dropped. Hidden fields, passwords and files are never kept.
(function () {
  "use strict";
  var body = document.body;
  var user = body.dataset.user;
  if (!user || !window.localStorage) { return; }
  var PREFIX = "hotline-draft:" + user + ":";
  var MAX_AGE_MS = 24 * 3600 * 1000;

  function kept(field) {
    return field.name && field.name !== "csrf_token" &&
      !/^(hidden|password|file|submit|button)$/.test(field.type);
  }

  function read(key) {
    try {
      var draft = JSON.parse(window.localStorage.getItem(key) || "null");
      if (draft && Date.now() - draft.at < MAX_AGE_MS) { return draft; }
    } catch (error) { /* a damaged draft is dropped */ }
    window.localStorage.removeItem(key);
    return null;
  }

  function save(form) {
    if (form.dataset.draftSent) { return; }  // sent: the page that answers has it now
    var fields = {};
    var any = false;
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!kept(field)) { return; }
      var value = field.type === "checkbox" || field.type === "radio" ? field.checked : field.value;
      var initial = field.type === "checkbox" || field.type === "radio" ? field.defaultChecked : field.defaultValue;
      if (field.tagName === "SELECT") {
        initial = (Array.prototype.find.call(field.options, function (o) { return o.defaultSelected; }) || field.options[0] || {}).value;
      }
      fields[field.name + (field.type === "radio" ? "=" + field.value : "")] = value;
      if (value !== initial) { any = true; }
    });
    var key = PREFIX + form.dataset.draft;
    try {
      if (any) { window.localStorage.setItem(key, JSON.stringify({at: Date.now(), fields: fields})); }
      else { window.localStorage.removeItem(key); }
    } catch (error) { /* storage full or refused: the form still works */ }
  }

  function restore(form) {
    var draft = read(PREFIX + form.dataset.draft);
    if (!draft) { return; }
    var restored = false;
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!kept(field)) { return; }
      var name = field.name + (field.type === "radio" ? "=" + field.value : "");
      if (!(name in draft.fields)) { return; }
      var value = draft.fields[name];
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked === field.defaultChecked && field.checked !== value) { field.checked = value; restored = true; }
      } else if (field.tagName === "SELECT") {
        var option = Array.prototype.find.call(field.options, function (o) { return o.value === value; });
        if (option && !field.value && value) { field.value = value; restored = true; }
      } else if (!field.value || field.value === field.defaultValue) {
        if (field.value !== value) { field.value = value; restored = true; }
      }
    });
    if (restored) { note(form); }
  }

  // Says that a draft was put back, with a way to throw it away.
  function note(form) {
    var line = document.createElement("p");
    line.className = "muted draft-note";
    line.setAttribute("role", "status");
    line.textContent = body.dataset.textDraftRestored + " ";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "secondary";
    discard.textContent = body.dataset.textDraftDiscard;
    discard.addEventListener("click", function () {
      window.localStorage.removeItem(PREFIX + form.dataset.draft);
      form.reset();
      line.remove();
    });
    line.appendChild(discard);
    form.insertBefore(line, form.firstChild);
  }

  function follow(form) {
    if (form.dataset.draftFollowed) { return; }
    form.dataset.draftFollowed = "1";
    restore(form);
    var timer = null;
    function later() { window.clearTimeout(timer); timer = window.setTimeout(function () { save(form); }, 200); }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("submit", function (event) {
      window.clearTimeout(timer);
      // Sent as a page (not taken over by a script, which keeps the page): nothing to keep.
      if (event.defaultPrevented) { return; }
      form.dataset.draftSent = "1";
      window.localStorage.removeItem(PREFIX + form.dataset.draft);
    });
  }

  document.querySelectorAll("form[data-draft]").forEach(follow);
  document.addEventListener("hotline:redrawn", function (event) {
    event.detail.element.querySelectorAll("form[data-draft]").forEach(follow);
  });
  // Before the page goes (a reload, a link): what was typed in the last moment too.
  window.addEventListener("pagehide", function () {
    document.querySelectorAll("form[data-draft]").forEach(save);
  });
  document.querySelectorAll("form[data-logout]").forEach(function (form) {
    form.addEventListener("submit", function () {
      Object.keys(window.localStorage).forEach(function (key) {
        if (key.indexOf(PREFIX) === 0) { window.localStorage.removeItem(key); }
      });
    });
  });
})();
