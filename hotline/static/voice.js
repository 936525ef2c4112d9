// The browser phone: while the agent takes calls, a Twilio Voice Device is registered with
// the agent's identity, so the bridge's <Dial><Client> rings here. The page loads this only
// when the server can make Voice tokens and the agent has no phone of their own.
//
// The Device is made and registered once for the page, when the agent first goes available
// (or the page opens with them taking calls), and stays registered through every call's
// cycle: the console (console.js) follows the router in place and never reloads, so the
// Device is there when the bridge rings it right after the agent accepts.
(function () {
  "use strict";
  var panel = document.getElementById("voice");
  if (!panel || !window.Twilio || !window.Twilio.Device) { return; }
  var text = panel.dataset;
  var TAKING_CALLS = ["available", "reserved", "on_call"];
  var message = document.getElementById("voice-message");
  var status = document.getElementById("voice-status");
  var ringing = document.getElementById("voice-call");
  var caller = document.getElementById("voice-caller");
  var answerButton = document.getElementById("voice-answer");
  var muteButton = document.getElementById("voice-mute");
  var hangUpButton = document.getElementById("voice-hangup");
  var agentState = text.state;  // followed from the console's updates
  var device = null;
  var starting = null;  // the registration under way or done: made once, until taken out
  var current = null;
  var answered = false;

  function show(words) {
    message.textContent = words;
    message.hidden = false;
  }

  function failure(kind) {
    var error = new Error(kind);
    error.kind = kind;
    return error;
  }

  function microphone() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return Promise.reject(failure("microphone"));  // not a secure (https) page
    }
    return navigator.mediaDevices.getUserMedia({audio: true}).then(function (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
    }, function () { throw failure("microphone"); });
  }

  function token() {
    return fetch(text.tokenUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (response.status === 503) { throw failure("unconfigured"); }
        if (!response.ok) { throw failure("failed"); }
        return response.json();
      })
      .then(function (body) { return body.token; });
  }

  function register(first) {
    return new Promise(function (resolve, reject) {
      var registered = false;
      var made = new window.Twilio.Device(first, {closeProtection: false, codecPreferences: ["opus", "pcmu"]});
      device = made;
      made.on("registered", function () {
        registered = true;
        status.textContent = text.textConnected;
        resolve();
      });
      made.on("error", function (error, call) {
        if (made !== device) { return; }  // one taken out already
        if (!registered) { reject(failure("failed")); return; }
        // An error of one call ends that call; one of the Device (its token, its
        // connection) means calls can no longer ring here.
        if (!call) { takeOut(failure("failed")); }
      });
      made.on("tokenWillExpire", function () {
        token().then(function (fresh) { if (made === device) { made.updateToken(fresh); } }, takeOut);
      });
      made.on("incoming", ring);
      made.register();
    });
  }

  // Resolves once the Device is registered (at once when it is); rejects with the reason it
  // cannot be. Asked again after a failure, it starts over.
  function start() {
    if (!starting) {
      starting = microphone().then(token).then(register);
      starting.catch(function () { stop(); });
    }
    return starting;
  }

  function stop() {
    var gone = device;
    device = null;
    starting = null;
    if (gone) { gone.destroy(); }
    status.textContent = text.textDisconnected;
  }

  // The Device cannot take calls: say why, and keep the agent out of the available state.
  function takeOut(error) {
    var kind = (error && error.kind) || "failed";
    var words = text["text" + kind.charAt(0).toUpperCase() + kind.slice(1)] || text.textFailed;
    stop();
    show(words);
    if (agentState !== "available") { return; }
    var desk = window.hotlineConsole;
    if (desk) {
      desk.send(text.stateUrl, {state: "offline"}).catch(function () {});
      return;
    }
    fetch(text.stateUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify({state: "offline"})
    });
  }

  function ring(call) {
    if (current) { call.reject(); return; }
    current = call;
    answered = false;
    var parameters = call.customParameters || new Map();
    caller.textContent = parameters.get("caller") || (call.parameters && call.parameters.From) || "";
    var card = mark();
    if (card) { card.scrollIntoView({block: "nearest"}); }
    ringing.hidden = false;
    answerButton.disabled = false;
    muteButton.disabled = true;
    muteButton.textContent = text.textMute;
    call.on("accept", function () {
      answered = true;
      answerButton.disabled = true;
      muteButton.disabled = false;
    });
    call.on("mute", function (muted) { muteButton.textContent = muted ? text.textUnmute : text.textMute; });
    ["disconnect", "cancel", "reject"].forEach(function (name) {
      call.on(name, function () { ended(call); });
    });
    if (resumed(parameters.get("call_id"))) { call.accept(); }
  }

  // The bridge rings again for the call the agent is already on (back from hold): they
  // asked for it with the resume button, so it is answered at once.
  function resumed(callId) {
    var desk = window.hotlineConsole;
    var latest = desk && desk.status();
    var onCall = latest && latest.state === "on_call" && latest.call;
    return Boolean(onCall && callId && String(onCall.id) === callId && onCall.answered_at);
  }

  // Marks the card of the call on the browser phone (the offer, or the current call once
  // the console draws the accepted call there); returns it.
  function mark() {
    if (!current) { return null; }
    var id = (current.customParameters || new Map()).get("call_id") || "";
    var card = document.querySelector("section[data-call-id='" + CSS.escape(id) + "']:not([hidden])");
    if (card) { card.classList.add("ringing"); }
    return card;
  }

  // The call ended in the browser (either side hung up, or it was turned down): the router
  // hears it from Twilio and moves the agent on (wrap-up), which the console shows.
  function ended(call) {
    if (call !== current) { return; }
    current = null;
    answered = false;
    ringing.hidden = true;
    document.querySelectorAll("section.ringing").forEach(function (card) { card.classList.remove("ringing"); });
    if (window.hotlineConsole) { window.hotlineConsole.refresh(); }
  }

  function hangUp() {
    if (!current) { return; }
    if (answered) { current.disconnect(); } else { current.reject(); }
  }

  answerButton.addEventListener("click", function () { if (current) { current.accept(); } });
  muteButton.addEventListener("click", function () { if (current) { current.mute(!current.isMuted()); } });
  hangUpButton.addEventListener("click", hangUp);

  function takingCalls(state) { return TAKING_CALLS.indexOf(state) >= 0; }

  // The agent's state as the console draws it: when they start taking calls other than
  // from this page's buttons (another tab, a supervisor), the Device is started if it is
  // not yet. It is not stopped when they stop: the router rings only agents it reserved.
  document.addEventListener("hotline:status", function (event) {
    var before = agentState;
    agentState = event.detail.status.state;
    if (takingCalls(agentState) && !takingCalls(before) && !starting) { start().catch(takeOut); }
    mark();
  });

  window.hotlineVoice = {
    // Whether a call is on (ringing or answered) in the browser phone.
    busy: function () { return current !== null; },
    // Before the agent goes available (or ready after wrap-up): the microphone and the
    // Device work, or the promise rejects once the reason is shown.
    ready: function () {
      message.hidden = true;
      return start().catch(function (error) {
        takeOut(error);
        throw error;
      });
    },
    hangUp: hangUp
  };

  if (takingCalls(agentState)) { start().catch(takeOut); }
})();
