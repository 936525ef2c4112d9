// The browser phone: while the agent takes calls, a Twilio Voice Device is registered with
// the agent's identity, so the bridge's <Dial><Client> rings here. The page loads this only
// when the server can make Voice tokens and the agent has no phone of their own.
(function () {
  "use strict";
  var panel = document.getElementById("voice");
  if (!panel || !window.Twilio || !window.Twilio.Device) { return; }
  var text = panel.dataset;
  var TAKING_CALLS = ["available", "reserved", "on_call"];
  // A message shown after the page reloads (putting the agent offline reloads it).
  var NOTICE = "hotline-voice-notice";
  var message = document.getElementById("voice-message");
  var status = document.getElementById("voice-status");
  var ringing = document.getElementById("voice-call");
  var caller = document.getElementById("voice-caller");
  var answerButton = document.getElementById("voice-answer");
  var muteButton = document.getElementById("voice-mute");
  var hangUpButton = document.getElementById("voice-hangup");
  var device = null;
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

  // Resolves once the Device is registered; rejects with the reason it cannot be.
  function start() {
    return microphone().then(token).then(function (first) {
      return new Promise(function (resolve, reject) {
        var registered = false;
        device = new window.Twilio.Device(first, {closeProtection: false, codecPreferences: ["opus", "pcmu"]});
        device.on("registered", function () {
          registered = true;
          status.textContent = text.textConnected;
          resolve();
        });
        device.on("error", function (error, call) {
          if (!registered) { reject(failure("failed")); return; }
          // An error of one call ends that call; one of the Device (its token, its
          // connection) means calls can no longer ring here.
          if (!call) { takeOut(failure("failed")); }
        });
        device.on("tokenWillExpire", function () {
          token().then(function (fresh) { device.updateToken(fresh); }, takeOut);
        });
        device.on("incoming", ring);
        device.register();
      });
    });
  }

  function stop() {
    if (device) { device.destroy(); }
    device = null;
  }

  // The Device cannot take calls: say why, and keep the agent out of the available state.
  function takeOut(error) {
    var words = text["text" + error.kind.charAt(0).toUpperCase() + error.kind.slice(1)] || text.textFailed;
    stop();
    show(words);
    if (text.state !== "available") { return; }
    fetch(text.stateUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify({state: "offline"})
    }).then(function () {
      window.sessionStorage.setItem(NOTICE, words);
      window.location.reload();
    });
  }

  function ring(call) {
    if (current) { call.reject(); return; }
    current = call;
    answered = false;
    var parameters = call.customParameters || new Map();
    caller.textContent = parameters.get("caller") || (call.parameters && call.parameters.From) || "";
    var card = document.querySelector("section[data-call-id='" + CSS.escape(parameters.get("call_id") || "") + "']");
    if (card) {
      card.classList.add("ringing");
      card.scrollIntoView({block: "nearest"});
    }
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
    ["disconnect", "cancel", "reject"].forEach(function (name) { call.on(name, ended); });
  }

  function ended() {
    current = null;
    ringing.hidden = true;
    window.location.reload();  // the call's end changed the agent's state
  }

  answerButton.addEventListener("click", function () { if (current) { current.accept(); } });
  muteButton.addEventListener("click", function () { if (current) { current.mute(!current.isMuted()); } });
  hangUpButton.addEventListener("click", function () {
    if (!current) { return; }
    if (answered) { current.disconnect(); } else { current.reject(); }
  });

  // Going available (or ready after wrap-up) first proves the microphone and the Device work.
  document.querySelectorAll("#state form").forEach(function (form) {
    var wanted = form.querySelector("input[name=state]");
    if (!form.querySelector("#ready") && !(wanted && wanted.value === "available")) { return; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      message.hidden = true;
      start().then(function () { form.submit(); }, takeOut);
    });
  });

  // The console reloads while it follows the router; not in the middle of a call.
  window.hotlineVoice = {busy: function () { return current !== null; }};

  var notice = window.sessionStorage.getItem(NOTICE);
  if (notice) {
    window.sessionStorage.removeItem(NOTICE);
    show(notice);
  }
  if (TAKING_CALLS.indexOf(text.state) >= 0) { start().catch(takeOut); }
})();
