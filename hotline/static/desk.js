// The desks that are lists (the dispatcher's, the text threads) follow their topics live
// (live.js): told that orders or threads changed, the page redraws its lists in place from
// the server, at most once a second, leaving alone a list the user is working in. The text
// threads' page puts the number of threads waiting for an agent in the window's title.
(function () {
  "use strict";
  if (!window.hotlineLive) { return; }
  var desks = [
    {topics: ["dispatch", "queue"],
     parts: ["#agents", "#queues", "#awaiting-callback", "#awaiting-dispatch", "#disputes",
             "#extensions", "#provisional", "#overdue"]},
    {topics: ["texts"], parts: ["#conversations-list"]}
  ];
  var title = document.title;

  function showWaiting() {
    var list = document.getElementById("conversations-list");
    if (!list) { return; }
    var waiting = Number(list.dataset.waiting || 0);
    document.title = (waiting ? "(" + waiting + ") " : "") + title;
  }

  desks.forEach(function (desk) {
    var here = desk.parts.filter(function (part) { return document.querySelector(part); });
    if (!here.length) { return; }
    window.hotlineLive.follow(desk.topics, function () {
      window.hotlineLive.refresh(here).then(showWaiting);
    }, {atMostEveryMs: 1000});
  });
  showWaiting();
})();
