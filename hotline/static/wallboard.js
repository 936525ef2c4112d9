// Fills the wallboard from /api/v1/wallboard whenever the calls or agents change. Text only (textContent),
// so nothing the data holds is ever interpreted as HTML.
(function () {
  "use strict";
  var root = document.getElementById("wallboard");
  if (!root) { return; }
  var states = JSON.parse(root.dataset.states || "{}");

  function state(code) { return states[code] || code; }

  function text(id, value) {
    var element = document.getElementById(id);
    if (element) { element.textContent = value === null || value === undefined ? "—" : value; }
  }

  function percent(value) {
    return value === null || value === undefined ? "—" : (value * 100).toFixed(1) + "%";
  }

  function rows(tbody, records, cells) {
    tbody.textContent = "";
    records.forEach(function (record) {
      var row = document.createElement("tr");
      cells(record).forEach(function (value) {
        var cell = document.createElement("td");
        cell.textContent = value;
        row.appendChild(cell);
      });
      tbody.appendChild(row);
    });
  }

  function render(data) {
    var today = data.today || {};
    text("service-level", percent(today.service_level));
    text("offered", today.offered || 0);
    text("answered", today.answered || 0);
    text("abandoned", today.abandoned || 0);
    text("asa", today.asa_seconds);
    text("aht", today.aht_seconds);
    ["1", "2", "3"].forEach(function (k) { text("rating-" + k, data.ratings_today[k]); });
    text("waiting", data.waiting);
    text("longest", data.longest_wait_seconds);
    rows(document.querySelector("#queues tbody"), data.queues.filter(function (q) { return q.waiting; }),
         function (q) { return [q.name, q.waiting, q.callbacks, q.longest_wait_seconds + "s"]; });
    rows(document.querySelector("#agents tbody"), data.agents,
         function (a) {
           var r = a.ratings_today;
           return [a.name, state(a.state) + (a.reason ? " (" + a.reason + ")" : ""), a.seconds_in_state + "s",
                   "★ " + r["1"] + " / " + r["2"] + " / " + r["3"]];
         });
    text("by-state", Object.keys(data.agents_by_state).map(function (s) {
      return state(s) + ": " + data.agents_by_state[s];
    }).join(" · "));
    text("needed", data.staffing.agents_needed);
    text("logged-in", data.staffing.agents_logged_in);
    text("staffing-basis", data.staffing.calls_per_interval + " calls / 15 min, AHT " +
         data.staffing.aht_seconds + " s → SL " + percent(data.staffing.expected_service_level));
    text("updated", new Date(data.at).toLocaleTimeString());
    root.dataset.loaded = "true";
  }

  function poll() {
    fetch(root.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { render(data); } })
      .catch(function () {});
  }

  poll();
  // Told by the live stream that calls or agents changed (at most once a second), or
  // polling while the stream is away (live.js).
  window.hotlineLive.follow(["wallboard"], poll, {atMostEveryMs: 1000});
})();
