// Live pages: one server-sent-event stream (/events) says which of a page's topics changed,
// and the page asks its own JSON or HTML again. Where the stream cannot be had (no
// EventSource, the server's limit of streams, a broker that cannot deliver, a network that
// drops it), the page polls instead until the stream is back, so it is never left behind.
//
//   hotlineLive.follow(["agent", "queue"], function (topics) { ... }, {atMostEveryMs: 1000})
//   hotlineLive.refresh(["#awaiting-dispatch"])  // redraw parts of this page from the server
//
// The stream carries names of topics only, never data: what a page shows still comes from
// the requests it always made, with the user's own rights.
(function () {
  "use strict";
  var eventsUrl = document.body.dataset.eventsUrl;
  var POLL_MS = 2000;        // while the stream is down
  var SAFETY_MS = 30000;     // while it is up: one look now and then, for what it cannot say
  var REOPEN_MS = 15000;     // after the server refused a stream

  function Follower(topics, onChange, options) {
    this.topics = topics;
    this.onChange = onChange;
    this.spacing = (options && options.atMostEveryMs) || 0;  // a burst of changes is one call
    this.last = 0;
    this.trailing = null;
    this.owed = {};
    this.mode = "starting";
    this.timer = null;
    this.source = null;
    this.open();
  }

  Follower.prototype.call = function (topics) {
    var self = this;
    topics.forEach(function (topic) { self.owed[topic] = true; });
    var wait = this.last + this.spacing - Date.now();
    if (wait > 0) {
      if (!this.trailing) {
        this.trailing = window.setTimeout(function () { self.trailing = null; self.call([]); }, wait);
      }
      return;
    }
    var owed = Object.keys(this.owed);
    this.owed = {};
    if (!owed.length) { return; }
    this.last = Date.now();
    try { this.onChange(owed); } catch (error) { window.console && console.error(error); }
  };

  Follower.prototype.schedule = function () {
    var self = this;
    window.clearTimeout(this.timer);
    var every = this.mode === "live" ? SAFETY_MS : POLL_MS;
    this.timer = window.setTimeout(function () {
      self.call(self.topics);
      self.schedule();
    }, every);
  };

  Follower.prototype.setMode = function (mode) {
    this.mode = mode;
    document.documentElement.dataset.live = mode;
    this.schedule();
  };

  Follower.prototype.open = function () {
    var self = this;
    if (!window.EventSource || !eventsUrl) { this.setMode("polling"); return; }
    var query = this.topics.map(function (topic) { return "topic=" + encodeURIComponent(topic); });
    var source = new EventSource(eventsUrl + "?" + query.join("&"));
    this.source = source;
    source.addEventListener("change", function (event) { self.call(JSON.parse(event.data)); });
    source.addEventListener("fresh", function () {
      self.setMode("live");
      self.call(self.topics);  // what changed while the stream was away
    });
    source.addEventListener("stale", function () { self.setMode("polling"); });
    source.onerror = function () {
      if (self.mode !== "polling") { self.setMode("polling"); }
      // A refused stream (503, 401) is not retried by the browser: open again later.
      if (source.readyState === EventSource.CLOSED) {
        window.setTimeout(function () { if (self.source === source) { self.open(); } }, REOPEN_MS);
      }
    };
    this.schedule();
  };

  Follower.prototype.close = function () {
    window.clearTimeout(this.timer);
    if (this.source) { this.source.close(); this.source = null; }
  };

  // Redraws the parts of the page (by id) from a fresh copy of it, except a part the user
  // is working in (the focus is inside, or a field was changed): that one is marked, and
  // redrawn once the user leaves it.
  function refresh(selectors) {
    return fetch(window.location.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        selectors.forEach(function (selector) {
          var now = document.querySelector(selector);
          var next = fresh.querySelector(selector);
          if (!now || !next || now.innerHTML === next.innerHTML) { return; }
          if (busy(now)) { now.dataset.stale = selector; return; }
          now.replaceWith(next);
          document.dispatchEvent(new CustomEvent("hotline:redrawn", {detail: {element: next}}));
        });
      })
      .catch(function () {});
  }

  function busy(element) {
    if (element.contains(document.activeElement) && document.activeElement !== document.body) {
      return true;
    }
    return Array.prototype.some.call(element.querySelectorAll("input, select, textarea"), function (field) {
      if (field.type === "hidden") { return false; }
      if (field.type === "checkbox" || field.type === "radio") { return field.checked !== field.defaultChecked; }
      if (field.tagName === "SELECT") {
        return Array.prototype.some.call(field.options, function (option) { return option.selected !== option.defaultSelected; })
          && field.selectedIndex > 0;
      }
      return field.value !== field.defaultValue;
    });
  }

  // A part left stale while the user worked in it is redrawn once they have left it.
  document.addEventListener("focusout", function () {
    window.setTimeout(function () {
      var waiting = Array.prototype.filter.call(document.querySelectorAll("[data-stale]"), function (element) {
        return !busy(element);
      }).map(function (element) { return element.dataset.stale; });
      if (waiting.length) { refresh(waiting); }
    }, 0);
  });

  window.hotlineLive = {
    follow: function (topics, onChange, options) { return new Follower(topics, onChange, options); },
    refresh: refresh
  };
})();
