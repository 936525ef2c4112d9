// An open thread reloads when a message arrives, a status changes or someone takes it
// over, unless the agent is in the middle of typing a reply.
(function () {
  "use strict";
  var thread = document.getElementById("thread");
  if (!thread) { return; }
  function poll() {
    fetch(thread.dataset.versionUrl, {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var typing = document.activeElement && document.activeElement.id === "body" &&
                     document.activeElement.value;
        var changed = String(data.last_message || "") !== thread.dataset.last ||
                      String(data.status || "") !== thread.dataset.status ||
                      String(data.agent || "") !== thread.dataset.agent;
        if (changed && !typing) { window.location.reload(); }
      })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 2000);
})();
