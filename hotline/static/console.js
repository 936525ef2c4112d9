// The agent console follows the router without reloads by hand: it polls the agent's
// status and reloads when something the agent must see has changed (an offered call, a
// state change, a call ending). Timers show how long states and waits have lasted.
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root) { return; }

  function version(status) {
    return [status.state,
            status.reservation ? status.reservation.id : "",
            status.call ? status.call.id : "",
            status.call ? status.call.status : ""].join("|");
  }

  function poll() {
    fetch(root.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        var onCall = window.hotlineVoice && window.hotlineVoice.busy();  // voice.js
        if (status && version(status) !== root.dataset.version && !onCall) { window.location.reload(); }
      })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, 2000); });
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-since]").forEach(function (element) {
      var seconds = Math.max(0, Math.round((now - Date.parse(element.dataset.since)) / 1000));
      element.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    });
  }

  window.setTimeout(poll, 2000);
  tick();
  window.setInterval(tick, 1000);
})();
