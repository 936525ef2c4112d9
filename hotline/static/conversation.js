// An open thread follows the text threads live (live.js): when a message arrives, a status
// changes or someone takes the thread over, the thread and its actions are redrawn in
// place. A reply being typed is never lost: its part is left as it is until the agent
// leaves it, and the draft is kept across a reload (drafts.js).
(function () {
  "use strict";
  var thread = document.getElementById("thread");
  if (!thread || !window.hotlineLive) { return; }
  var url = thread.dataset.versionUrl;
  var seen = null;

  function check() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var version = [data.last_message || "", data.status || "", data.agent || ""].join("|");
        var shown = document.getElementById("thread");
        if (seen === null) {
          seen = [shown.dataset.last, shown.dataset.status, shown.dataset.agent].join("|");
        }
        if (version !== seen) {
          seen = version;
          window.hotlineLive.refresh(["#thread", "#thread-orders", "#thread-actions"]);
        }
      })
      .catch(function () {});
  }

  window.hotlineLive.follow(["texts"], check);
})();

// The reply's length against the most one text may carry, as it is typed, inserted from the
// knowledge base or put back from a draft; a reply too long is not sent.
(function () {
  "use strict";
  function count() {
    var field = document.getElementById("body");
    var counter = document.getElementById("body-count");
    if (!field || !counter) { return; }
    var limit = Number(counter.dataset.limit);
    var length = Array.from(field.value.trim()).length;
    counter.textContent = counter.dataset.format.replace("{count}", length).replace("{limit}", limit);
    counter.classList.toggle("overdue", length > limit);
    field.setCustomValidity(length > limit ? counter.dataset.tooLong : "");
  }
  document.addEventListener("input", function (event) {
    if (event.target && event.target.id === "body") { count(); }
  });
  document.addEventListener("hotline:redrawn", count);
  document.addEventListener("DOMContentLoaded", count);
  count();
})();
