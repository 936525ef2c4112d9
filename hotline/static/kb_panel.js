// The knowledge-base panel: suggestions as the agent types, and what to do with one.
// Article text is untrusted: it is only ever set with textContent, never as HTML.
(function () {
  "use strict";

  var panel = document.getElementById("kb-panel");
  if (!panel) {
    return;
  }
  var input = panel.querySelector("#kb-query");
  var list = panel.querySelector("#kb-results");
  var status = panel.querySelector("#kb-status");
  var template = panel.querySelector("#kb-result");
  var labels = JSON.parse(panel.dataset.labels);
  var DEBOUNCE_MS = 300;
  var timer = null;
  var latest = 0;
  var shown = "";
  var articles = {};

  function post(url, fields) {
    var body = new URLSearchParams(fields);
    body.set("csrf_token", panel.dataset.csrf);
    if (panel.dataset.callId) {
      body.set("call_id", panel.dataset.callId);
    }
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      return response.json();
    });
  }

  function search() {
    var query = input.value.trim();
    if (query === shown) {
      return;
    }
    shown = query;
    if (!query) {
      list.replaceChildren();
      status.textContent = "";
      return;
    }
    var mine = ++latest;
    var url = panel.dataset.searchUrl + "?q=" + encodeURIComponent(query);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        if (mine === latest) {
          render(data);
        }
      })
      .catch(function () {
        if (mine === latest) {
          status.textContent = labels.error;
        }
      });
  }

  function render(data) {
    articles = {};
    list.replaceChildren();
    if (!data.results.length) {
      status.textContent = labels.noMatch;
      return;
    }
    status.textContent = data.confident ? "" : labels.notConfident + "，" + labels.closest;
    data.results.forEach(function (result) {
      articles[result.id] = result;
      var item = template.content.firstElementChild.cloneNode(true);
      item.dataset.articleId = result.id;
      item.querySelector(".kb-title").textContent = result.title;
      // One line of the answer (the style cuts it): enough to tell the hits apart.
      item.querySelector(".kb-snippet").textContent = (result.answer || "").replace(/\s+/g, " ").trim();
      var answer = item.querySelector(".kb-answer");
      if (answer) {
        answer.textContent = result.answer || "";
      }
      showForCall(item, Boolean(panel.dataset.callId));
      if (result.expired) {
        var badge = item.querySelector(".kb-expired");
        badge.textContent = labels.expired;
        badge.hidden = false;
      }
      list.appendChild(item);
    });
  }

  // With a call the primary action resolves it with the article; without one, it inserts
  // the answer into the work order's description.
  function showForCall(scope, withCall) {
    scope.querySelectorAll("[data-needs-call]").forEach(function (button) {
      button.hidden = !withCall;
      button.disabled = false;
    });
    scope.querySelectorAll("[data-without-call]").forEach(function (button) {
      button.hidden = withCall;
    });
  }

  function setOpen(item, opened) {
    item.classList.toggle("open", opened);
    item.querySelector(".kb-detail").hidden = !opened;
    item.querySelector(".kb-toggle").setAttribute("aria-expanded", String(opened));
  }

  // One hit open at a time, so that the list stays short.
  function toggle(item) {
    var opened = !item.classList.contains("open");
    list.querySelectorAll(".kb-hit.open").forEach(function (other) { setOpen(other, false); });
    setOpen(item, opened);
  }

  // ArrowDown and ArrowUp go from hit to hit (from the search box to the first hit, and
  // back up from the first).
  function move(from, step) {
    var toggles = Array.prototype.slice.call(list.querySelectorAll(".kb-toggle"));
    var next = toggles[toggles.indexOf(from) + step];
    if (next) {
      next.focus();
    } else if (step < 0) {
      input.focus();
    }
  }

  // Into a reply: at the cursor (after a selection, which stays), never over what was typed;
  // the field is told (an input event), so that its draft and its counter follow.
  function insertAtCursor(field, text) {
    var at = typeof field.selectionEnd === "number" ? field.selectionEnd : field.value.length;
    field.focus();
    field.setRangeText(text, at, at, "end");
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function act(action, id, button) {
    var article = articles[id];
    if (!article) {
      return;
    }
    if (action === "insert") {
      var reply = panel.dataset.insertInto;
      var field = document.getElementById(reply || "description");
      if (!field) {
        return;
      }
      if (reply) {
        insertAtCursor(field, article.answer || "");
      } else {
        field.value = field.value ? field.value + "\n" + article.answer : article.answer;
        field.focus();
      }
      post(panel.dataset.feedbackUrl, { article_id: id, kind: "inserted", query: shown })
        .catch(function () {});
      status.textContent = reply ? labels.insertedReply : labels.inserted;
    } else if (action === "text") {
      button.disabled = true;
      post(panel.dataset.textUrl.replace("ARTICLE_ID", encodeURIComponent(id)), { query: shown })
        .then(function () { status.textContent = labels.texted; })
        .catch(function () { status.textContent = labels.error; button.disabled = false; });
    } else if (action === "resolve" && panel.dataset.callId && window.hotlineConsole) {
      // Through the agent API, drawn in place: a reload would cut the browser phone's call.
      button.disabled = true;
      var url = panel.dataset.resolveUrl.replace("{call}", encodeURIComponent(panel.dataset.callId));
      window.hotlineConsole.send(url, { article_id: id })
        .then(function () { status.textContent = labels.resolved; })
        .catch(function () { button.disabled = false; });
    } else if (action === "not_helpful") {
      button.disabled = true;
      post(panel.dataset.feedbackUrl, { article_id: id, kind: "not_helpful", query: shown })
        .then(function () { status.textContent = labels.thanks; })
        .catch(function () { status.textContent = labels.error; button.disabled = false; });
    }
  }

  // The console follows the router in place: a call that begins (or ends) changes what
  // the panel does, and a new call starts from its caller's own words, as the page does.
  document.addEventListener("hotline:status", function (event) {
    var call = event.detail.status.call;
    var id = call ? String(call.id) : "";
    if (panel.dataset.callId === id) {
      return;
    }
    panel.dataset.callId = id;
    showForCall(list, Boolean(id));
    if (call) {
      input.value = call.speech_result || "";
      search();
    }
  });

  list.addEventListener("click", function (event) {
    var opener = event.target.closest(".kb-toggle");
    if (opener && !opener.dataset.action) {
      toggle(opener.closest(".kb-hit"));
      return;
    }
    var button = event.target.closest("button[data-action]");
    var item = button && button.closest("[data-article-id]");
    if (item) {
      act(button.dataset.action, item.dataset.articleId, button);
    }
  });
  list.addEventListener("keydown", function (event) {
    var hit = event.target.closest(".kb-hit");
    if (!hit || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) {
      return;
    }
    event.preventDefault();
    move(hit.querySelector(".kb-toggle"), event.key === "ArrowDown" ? 1 : -1);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && list.querySelector(".kb-toggle")) {
      event.preventDefault();
      move(null, 1);
    }
  });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, DEBOUNCE_MS);
  });
  search();
})();
