// The agent console follows the call router in place. Told by the live stream (live.js)
// that the agent or the queue changed, or polling while the stream is away, it asks the
// agent's status (the JSON agent API) and redraws the parts that changed: the state and its buttons, the offered
// call, the current call, the queue. The agent's own actions (a state, ready, accept,
// decline, finish) are the page's forms, sent as JSON to the agent API instead of posted,
// and their answer is drawn at once. The page is never reloaded in a call's cycle, so the
// browser phone (voice.js) stays registered from going available to the next call; without
// scripts the forms post as before.
//
// Text from callers is only ever set with textContent; the labels come from the page, in
// its language (#console-config, rendered with the same words as the page).
(function () {
  "use strict";
  var root = document.getElementById("console");
  var configElement = document.getElementById("console-config");
  if (!root || !configElement) { return; }
  var config = JSON.parse(configElement.textContent);
  var urls = config.urls;
  var words = config.words;
  var BUSY_STATES = ["wrap_up", "reserved", "on_call"];
  var message = document.getElementById("console-message");
  var stateCard = document.getElementById("state");
  var offer = document.getElementById("reservation");
  var current = document.getElementById("current-call");
  var queue = document.getElementById("queue");
  var workOrder = document.querySelector("#new-work-order form");
  var drawn = new WeakMap();  // what each list shows now, to redraw it only when it changes
  var latest = null;          // the status last drawn
  var generation = 0;         // one more for each action: a poll sent before it is stale
  var polling = false;
  var pollAgain = false;

  // What the agent picks is theirs: no proposal (the call's category, the place the
  // address names) replaces it.
  if (workOrder) {
    ["category", "district", "street"].forEach(function (name) {
      workOrder.elements[name].addEventListener("change", function (event) {
        delete event.target.dataset.proposed;
      });
    });
  }

  // Sets a select of the work order to a proposed value (or back to none), unless the
  // agent chose its value; a value the select does not offer is none.
  function propose(select, value) {
    if (select.value && select.value !== (select.dataset.proposed || "")) { return; }
    if (value && !select.querySelector("option[value='" + CSS.escape(value) + "']")) { value = ""; }
    select.value = value || "";
    if (value) { select.dataset.proposed = value; } else { delete select.dataset.proposed; }
  }

  function perCall(template, id) {
    return template.replace("{call}", encodeURIComponent(String(id)));
  }

  function setText(element, text) {
    if (element && element.textContent !== text) { element.textContent = text; }
  }

  function show(element, visible) {
    if (element) { element.hidden = !visible; }
  }

  function fact(section, name) { return section.querySelector("[data-fact='" + name + "']"); }
  function factRow(section, name) { return section.querySelector("[data-fact-row='" + name + "']"); }

  // Redraws a list (its children made by `item` for each entry, " · " between them) only
  // when its entries changed, so that a poll does not disturb what the agent points at.
  function drawList(element, entries, item) {
    var key = JSON.stringify(entries || []);
    if (drawn.get(element) === key) { return; }
    drawn.set(element, key);
    element.replaceChildren();
    (entries || []).forEach(function (entry, index) {
      if (index > 0) { element.appendChild(document.createTextNode(" · ")); }
      item(entry).forEach(function (node) { element.appendChild(node); });
    });
  }

  // A moment of the API (ISO, UTC) as the pages write it: local time, to the minute.
  var minuteFormat = new Intl.DateTimeFormat("sv-SE", {
    timeZone: words.timeZone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hour12: false
  });

  function localMinute(iso) { return minuteFormat.format(new Date(iso)); }

  function span(className, text) {
    var element = document.createElement("span");
    element.className = className;
    element.textContent = text;
    return element;
  }

  // call_facts.html: the facts of the offered or current call.
  function drawFacts(section, data, status) {
    var line = data.line;
    var lineCell = fact(section, "line");
    show(factRow(section, "line"), Boolean(line));
    setText(lineCell, line ? line.number + " " + line.name : "");
    if (line) { lineCell.dataset.line = line.number; } else { delete lineCell.dataset.line; }
    setText(fact(section, "skill"), words.skills[data.skill] || data.skill_name || "");
    setText(fact(section, "language"), words.languages[data.language] || data.language || "");
    show(factRow(section, "transfer-note"), Boolean(data.transfer_note));
    setText(fact(section, "transfer-note"), data.transfer_note || "");
    show(factRow(section, "speech"), Boolean(data.speech_result));
    setText(fact(section, "speech"), data.speech_result ? "“" + data.speech_result + "”" : "");
    // Twilio's recording URLs are https; nothing else becomes a link.
    var recording = fact(section, "recording");
    var listenable = /^https:\/\//i.test(data.recording_url || "");
    show(factRow(section, "recording"), listenable);
    if (listenable) { recording.href = data.recording_url; } else { recording.removeAttribute("href"); }
    show(factRow(section, "history"), status.history.length > 0);
    drawList(fact(section, "history"), status.history, function (past) {
      var label = words.callStatuses[past.status] || past.status;
      return [span("muted", localMinute(past.at) + " " + label)];
    });
    show(factRow(section, "orders"), status.open_work_orders.length > 0);
    drawList(fact(section, "orders"), status.open_work_orders, function (order) {
      var link = document.createElement("a");
      link.href = urls.order.replace("{number}", encodeURIComponent(order.number));
      link.textContent = order.number;
      return [link, document.createTextNode(" " + (words.orderStatuses[order.status] || order.status))];
    });
  }

  function drawState(status) {
    var badge = stateCard.querySelector("[data-state]");
    badge.className = "state " + status.state;
    badge.dataset.state = status.state;
    setText(badge, words.states[status.state] || status.state);
    stateCard.querySelector("h2 [data-since]").dataset.since = status.state_since;
    var busy = BUSY_STATES.indexOf(status.state) >= 0;
    stateCard.querySelectorAll("form[data-console='state']").forEach(function (form) { show(form, !busy); });
    show(stateCard.querySelector("form[data-console='ready']"), status.state === "wrap_up");
    var limit = document.getElementById("wrap-up-limit");
    limit.dataset.ends = status.wrap_up_ends_at || "";
    show(limit, Boolean(status.wrap_up_ends_at));
    if (status.state !== "wrap_up" && latest && latest.state === "wrap_up") {
      var reason = stateCard.querySelector("#wrap-up");
      if (reason) { reason.value = ""; }  // the next call's wrap-up starts unchosen
    }
    show(document.getElementById("missed"), status.state_reason === "missed");
    ["1", "2", "3"].forEach(function (rating) {
      setText(stateCard.querySelector("[data-rating-count='" + rating + "']"),
              String(status.ratings_today[rating] || 0));
    });
  }

  // A card now about another call (or none): its buttons are the new call's, and the
  // browser phone's ringing mark (voice.js) was the old one's.
  function follow(section, data) {
    var id = data ? String(data.id) : "";
    show(section, Boolean(data));
    if (section.dataset.callId === id) { return false; }
    section.dataset.callId = id;
    section.classList.remove("ringing");
    section.querySelectorAll("form button").forEach(function (button) { button.disabled = false; });
    return true;
  }

  function drawOffer(status) {
    var data = status.reservation;
    if (follow(offer, data) && data) {
      announce(data);
      offer.querySelector("form[data-console='accept']").action = perCall(urls.acceptForm, data.id);
      offer.querySelector("form[data-console='decline']").action = perCall(urls.declineForm, data.id);
    }
    if (!data) { return; }
    offer.dataset.expires = data.reservation_expires_at || "";
    setText(fact(offer, "from"), data.from || "");
    show(fact(offer, "callback"), data.kind === "callback");
    drawFacts(offer, data, status);
  }

  function drawCall(status) {
    var data = status.call;
    follow(current, data);
    if (!data) { return; }
    var timer = current.querySelector("[data-call-timer]");
    if (data.answered_at) { timer.dataset.since = data.answered_at; } else { delete timer.dataset.since; setText(timer, ""); }
    setText(fact(current, "from"), data.from || "");
    drawFacts(current, data, status);
    var rating = fact(current, "rating");
    show(factRow(current, "rating"), Boolean(data.rating));
    if (data.rating) { rating.dataset.rating = String(data.rating); } else { delete rating.dataset.rating; }
    setText(rating, data.rating ? words.ratings[String(data.rating)] || "" : "");
    show(current.querySelector("form[data-console='finish']"), status.state === "on_call");
    show(document.getElementById("transfer"), status.state === "on_call");
    var held = status.state === "on_call" && Boolean(data.held_at);
    show(current.querySelector("form[data-console='hold']"), status.state === "on_call" && !held);
    show(current.querySelector("form[data-console='resume']"), held);
    show(document.getElementById("on-hold"), held);
    var holdSince = current.querySelector("[data-hold-since]");
    var consult = status.state === "on_call" ? data.consult : null;
    show(document.getElementById("consulting"), Boolean(consult));
    if (consult) {
      setText(fact(current, "consult-party"), consult.party || "");
      setText(fact(current, "consult-state"), consult.answered ? words.consultAnswered : words.consultRinging);
      show(current.querySelector("form[data-console='resume']"), false);
      show(document.getElementById("transfer"), false);
    }
    if (held) { holdSince.dataset.since = data.held_at; } else { delete holdSince.dataset.since; setText(holdSince, ""); }
  }

  // A colleague consulting this agent about their caller: who, the caller, the note.
  function drawConsulted(status) {
    var card = document.getElementById("consulted");
    if (!card) { return; }
    var asked = status.consulted;
    show(card, Boolean(asked));
    if (!asked) { return; }
    setText(fact(card, "consulted-by"), asked.by || "");
    setText(fact(card, "consulted-from"), asked.from || "");
    setText(fact(card, "consulted-note"), asked.note || "");
  }

  function drawQueue(status) {
    if (!status.waiting) { return; }  // only the poll asks for the queue
    setText(document.getElementById("queue-count"), String(status.waiting.length));
    show(document.getElementById("queue-calls"), status.waiting.length > 0);
    show(document.getElementById("queue-empty"), status.waiting.length === 0);
    var body = queue.querySelector("#queue-calls tbody");
    var key = JSON.stringify(status.waiting);
    if (drawn.get(body) === key) { return; }
    drawn.set(body, key);
    body.replaceChildren();
    status.waiting.forEach(function (waiting) {
      var row = document.createElement("tr");
      row.dataset.callId = String(waiting.id);
      var caller = document.createElement("td");
      caller.textContent = (waiting.from || "") + (waiting.kind === "callback" ? " (" + words.callback + ")" : "");
      var skill = document.createElement("td");
      skill.textContent = words.skills[waiting.skill] || waiting.skill_name || "";
      var since = document.createElement("td");
      if (waiting.enqueued_at) { since.dataset.since = waiting.enqueued_at; }
      row.append(caller, skill, since);
      body.appendChild(row);
    });
  }

  // The new work order is filed for the current call: its id, and the caller's number and
  // the category proposed for the call (the line's, or what the caller said) as the
  // starting point, never over what the agent typed or chose.
  function drawWorkOrder(status) {
    if (!workOrder) { return; }
    var data = status.call;
    var field = workOrder.elements.call_id;
    var id = data ? String(data.id) : "";
    if (field.value === id) { return; }
    var before = latest && latest.call;
    field.value = id;
    if (!data) { return; }
    var phone = workOrder.elements.citizen_phone;
    if (!phone.value || (before && phone.value === before.from)) { phone.value = data.from || ""; }
    propose(workOrder.elements.category, data.category_hint);
  }

  // An address that names a district or a street (石牌街道, 天河区…) fills them in, as the
  // server finds them in the units' names; a street only within the district chosen.
  var placeTimer = null;
  var placeAsked = 0;
  function findPlace() {
    var asked = ++placeAsked;
    var address = workOrder.elements.address.value.trim();
    fetch(urls.place + "?address=" + encodeURIComponent(address),
          {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (place) {
        if (!place || asked !== placeAsked) { return; }
        var district = workOrder.elements.district;
        propose(district, place.district);
        propose(workOrder.elements.street, district.value === place.district ? place.street : "");
      })
      .catch(function () {});
  }
  if (workOrder) {
    workOrder.elements.address.addEventListener("input", function () {
      window.clearTimeout(placeTimer);
      placeTimer = window.setTimeout(findPlace, 300);
    });
  }

  // A new offer rings (three short tones) and, when the agent allowed it, shows a desktop
  // notification, so that it is not missed in another window.
  function announce(data) {
    try {
      var Audio = window.AudioContext || window.webkitAudioContext;
      if (Audio) {
        var audio = announce.audio || (announce.audio = new Audio());
        [0, 0.35, 0.7].forEach(function (start) {
          var tone = audio.createOscillator();
          var gain = audio.createGain();
          tone.frequency.value = 880;
          gain.gain.value = 0.15;
          tone.connect(gain).connect(audio.destination);
          tone.start(audio.currentTime + start);
          tone.stop(audio.currentTime + start + 0.2);
        });
      }
    } catch (error) { /* no sound: the card and the countdown still show */ }
    offer.dataset.rang = String(data.id);
    if (window.Notification && Notification.permission === "granted" && document.hidden) {
      new Notification(words.newOffer, {body: data.from || "", tag: "hotline-offer"});
    }
  }

  // The first key or click on the page may ask for desktop notifications (browsers allow
  // the question only after the user did something).
  function askForNotifications() {
    if (window.Notification && Notification.permission === "default") {
      Notification.requestPermission().catch(function () {});
    }
    document.removeEventListener("click", askForNotifications);
  }
  document.addEventListener("click", askForNotifications);

  // A field, or a control Enter works itself: a link, a button, a details' summary.
  function onControl(element) {
    return element && (/^(INPUT|TEXTAREA|SELECT|A|BUTTON|SUMMARY)$/.test(element.tagName)
      || element.isContentEditable);
  }

  // Alt+A accepts and Alt+D declines the offer, wherever the focus is; Enter and Escape do
  // the same when the focus is on no control (Enter on the skip link or on 拒接 does what
  // they say, not take the call).
  document.addEventListener("keydown", function (event) {
    if (offer.hidden) { return; }
    var key = event.key.toLowerCase();
    var accept = (event.altKey && key === "a") || (key === "enter" && !onControl(event.target));
    var decline = (event.altKey && key === "d") || (key === "escape" && !onControl(event.target));
    if (!accept && !decline) { return; }
    event.preventDefault();
    var form = offer.querySelector("form[data-console='" + (accept ? "accept" : "decline") + "']");
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  });

  function tick() {
    var now = Date.now();
    var countdown = offer.querySelector("[data-countdown]");
    if (!offer.hidden && offer.dataset.expires) {
      var left = Math.max(0, Math.ceil((Date.parse(offer.dataset.expires) - now) / 1000));
      setText(countdown, String(left));
      offer.classList.toggle("hurry", left <= 5);
      // The reservation is over: the router is asked, and moves the call on.
      if (left === 0 && offer.dataset.expiredAsked !== offer.dataset.callId) {
        offer.dataset.expiredAsked = offer.dataset.callId;
        window.setTimeout(poll, 300);
      }
    }
    // The wrap-up limit: when it is over, the router is asked, and offers the next call.
    var limit = document.getElementById("wrap-up-limit");
    if (limit && !limit.hidden && limit.dataset.ends) {
      var rest = Math.max(0, Math.ceil((Date.parse(limit.dataset.ends) - now) / 1000));
      setText(limit.querySelector("[data-wrap-up-left]"), String(rest));
      if (rest === 0 && limit.dataset.asked !== limit.dataset.ends) {
        limit.dataset.asked = limit.dataset.ends;
        window.setTimeout(poll, 300);
      }
    }
    document.querySelectorAll("[data-since]").forEach(function (element) {
      var seconds = Math.max(0, Math.round((now - Date.parse(element.dataset.since)) / 1000));
      element.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    });
  }

  // Draws a status of the agent API (the poll's, or an action's answer) and tells the
  // other parts of the page (voice.js, kb_panel.js) with a `hotline:status` event.
  function apply(status) {
    drawState(status);
    drawOffer(status);
    drawCall(status);
    drawConsulted(status);
    drawQueue(status);
    drawWorkOrder(status);
    var previous = latest;
    latest = status;
    tick();
    document.dispatchEvent(new CustomEvent("hotline:status", {detail: {status: status, previous: previous}}));
  }

  function say(sentence) {
    message.textContent = sentence;
    message.hidden = !sentence;
  }

  // Logged out (or the session expired): the login page, unless a call is on in the
  // browser phone, which a reload would cut.
  function reloadWhenIdle() {
    if (!(window.hotlineVoice && window.hotlineVoice.busy())) { window.location.reload(); }
  }

  function poll() {
    if (polling) { pollAgain = true; return; }
    polling = true;
    var sent = generation;
    fetch(urls.status, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (response.status === 401) { reloadWhenIdle(); }
        return response.ok ? response.json() : null;
      })
      .then(function (status) { if (status && sent === generation) { apply(status); } })
      .catch(function () {})
      .then(function () {
        polling = false;
        if (pollAgain) { pollAgain = false; poll(); }
      });
  }

  // POSTs JSON to the agent API (its CSRF protection: a form on another site cannot send
  // JSON; the session cookie is same-site) and draws the status it answers. A refusal is
  // said as the form's would be flashed; then the router is asked again.
  function send(url, body) {
    generation += 1;
    say("");
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        generation += 1;  // a poll sent meanwhile may have been answered before the action
        if (response.ok && data) {
          apply(data);
          return data;
        }
        if (response.status === 401) { reloadWhenIdle(); }
        var sentence = (data && data.error) || String(response.status);
        say(response.status === 409 ? words.conflict + ": " + sentence : sentence);
        poll();
        throw new Error(sentence);
      });
    }, function (error) {
      say(words.unreachable);
      poll();
      throw error;
    });
  }

  function request(form) {
    var kind = form.dataset.console;
    if (kind === "state") { return [urls.state, {state: form.elements.state.value}]; }
    if (kind === "ready") {
      var reason = form.elements.wrap_up;
      return [urls.state, {state: "available", wrap_up: reason ? reason.value : ""}];
    }
    if (kind === "finish") { return [urls.finish, {}]; }
    if (kind === "complete-consult" || kind === "cancel-consult") {
      var which = kind === "complete-consult" ? urls.completeConsult : urls.cancelConsult;
      return [perCall(which, form.closest("[data-call-id]").dataset.callId), {}];
    }
    if (kind === "hold" || kind === "resume") {
      return [perCall(urls[kind], form.closest("[data-call-id]").dataset.callId), {}];
    }
    if (kind === "transfer") {
      var chosen = form.elements.target.value.split(":");
      return [perCall(urls.transfer, form.closest("[data-call-id]").dataset.callId),
              {kind: chosen[0], target: chosen.slice(1).join(":"), note: form.elements.note.value,
               warm: Boolean(form.elements.warm && form.elements.warm.checked)}];
    }
    var id = form.closest("[data-call-id]").dataset.callId;
    return [perCall(kind === "accept" ? urls.accept : urls.decline, id), {}];
  }

  root.parentNode.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-console]");
    if (!form) { return; }
    event.preventDefault();
    var buttons = form.querySelectorAll("button");
    if (buttons.length && buttons[0].disabled) { return; }  // already on its way
    var asked = request(form);
    // Taking calls first proves the browser phone can ring (voice.js says why not).
    var takingCalls = asked[0] === urls.state && asked[1].state === "available";
    var voice = takingCalls && window.hotlineVoice;
    buttons.forEach(function (button) { button.disabled = true; });
    // Ending the call ends it in the browser phone too.
    if (form.dataset.console === "finish" && window.hotlineVoice) { window.hotlineVoice.hangUp(); }
    (voice ? voice.ready() : Promise.resolve())
      .then(function () { return send(asked[0], asked[1]); })
      .then(function () {
        if (form.dataset.console === "transfer") {
          form.reset();
          var panel = form.closest("details");
          if (panel) { panel.open = false; }
        }
      })
      .catch(function () {})
      .then(function () { buttons.forEach(function (button) { button.disabled = false; }); });
  });

  window.hotlineConsole = {
    apply: apply,      // draw a status the agent API answered
    refresh: poll,     // ask the router now (a browser call just ended)
    send: send,        // POST to the agent API and draw its answer
    status: function () { return latest; }
  };

  // The agent's own changes are asked at once. A change of the queue is told to every
  // console at the same moment: each asks a little later, spread over a second, so that
  // twenty consoles do not all ask together with the one being offered a call.
  window.hotlineLive.follow(["agent", "queue"], function (topics) {
    if (topics.indexOf("agent") >= 0) { poll(); } else { window.setTimeout(poll, 250 + Math.random() * 1000); }
  });
  tick();
  window.setInterval(tick, 1000);
})();
