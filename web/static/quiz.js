// The quiz in a browser (Telegram Mini App or personal link): plain DOM, no framework.
// Everything is decided by the server; this only shows what it says and sends taps.
"use strict";
(function () {
  var root = document.getElementById("app");
  var view = document.getElementById("view");
  var TEXTS = JSON.parse(document.getElementById("texts").textContent);
  var LETTERS = "ABCDEFGHIJ";
  var state = { lang: root.dataset.lang || "zh", csrf: null, bearer: null, busy: false, timer: null };

  function tr(key, params) {
    var text = (TEXTS[state.lang] || TEXTS.zh)[key] || TEXTS.zh[key] || key;
    Object.keys(params || {}).forEach(function (k) { text = text.split("{" + k + "}").join(params[k]); });
    return text;
  }
  function el(tag, cls, content) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (content !== undefined && content !== null) node.textContent = content;
    return node;
  }
  function button(cls, label, onclick) {
    var b = el("button", cls, label);
    b.type = "button";
    b.addEventListener("click", onclick);
    return b;
  }
  function clear() { view.textContent = ""; stopTimer(); }
  var toastTimer = null;
  function toast(text) {
    var box = document.getElementById("toast");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, 2600);
  }
  function num(v) { return String(Math.round(v * 100) / 100); }

  // --- talking to the server --------------------------------------------------------
  function call(method, path, body, attempt) {
    var headers = { "Content-Type": "application/json" };
    if (state.csrf) headers["X-CSRF-Token"] = state.csrf;
    if (state.bearer) headers.Authorization = "Bearer " + state.bearer;
    return fetch(path, {
      method: method, headers: headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 429) { toast(tr("web.quiz.busy")); throw data; }
        if (!response.ok) { data.status = response.status; throw data; }
        return data;
      });
    }, function () {
      // The network dropped (not the server refusing): send the same request again once it
      // is back, for as long as it takes. Answers are idempotent on the server, so a repeat
      // of one that did arrive scores once.
      attempt = (attempt || 0) + 1;
      offline(true);
      return waitForNetwork(Math.min(600 * attempt, 5000))
        .then(function () { return call(method, path, body, attempt); })
        .then(function (data) { offline(false); return data; });
    });
  }
  function offline(on) {
    var banner = document.getElementById("offline");
    banner.textContent = tr("web.quiz.offline");
    banner.hidden = !on;
  }
  function waitForNetwork(ms) {
    return new Promise(function (resolve) {
      var done = false;
      function go() {
        if (done) return;
        done = true;
        window.removeEventListener("online", go);
        resolve();
      }
      window.addEventListener("online", go);
      setTimeout(function () { if (navigator.onLine !== false) go(); else setTimeout(go, 5000); }, ms);
    });
  }
  function act(method, path, body) {
    if (state.busy) return Promise.resolve(null);
    state.busy = true;
    return call(method, path, body).then(function (data) {
      state.busy = false;
      return data;
    }, function (error) {
      state.busy = false;
      if (error && error.status === 401) { message(tr("web.quiz.session_over")); return null; }
      if (error && error.message) toast(error.message);
      return null;
    });
  }
  function message(text) {
    clear();
    var card = el("div", "card");
    card.appendChild(el("p", "", text));
    view.appendChild(card);
  }

  // --- signing in -------------------------------------------------------------------
  function initData() {
    var hash = new URLSearchParams(location.hash.slice(1));
    var fromHash = hash.get("tgWebAppData");
    if (fromHash) return fromHash;
    var tg = window.Telegram && window.Telegram.WebApp;
    return tg && tg.initData ? tg.initData : "";
  }
  function signIn() {
    if (root.dataset.mode !== "app") return Promise.resolve(true);
    var data = initData();
    if (!data) { message(tr("web.app.not_in_telegram")); return Promise.resolve(false); }
    return call("POST", "/app/auth", { init_data: data }).then(function (answer) {
      state.bearer = answer.session;
      history.replaceState(null, "", "/app");
      return true;
    }, function (error) {
      message(error && error.message ? error.message : tr("web.app.refused"));
      return false;
    });
  }

  // --- home (worker.js draws it) ---------------------------------------------------
  function home() { return window.QQ.home(); }
  function setBar(title, timerText) {
    document.getElementById("bar-title").textContent = title;
    var timer = document.getElementById("bar-timer");
    timer.hidden = !timerText;
    timer.textContent = timerText || "";
  }

  // --- a question -------------------------------------------------------------------
  function show(item, note) {
    if (!item) return;
    if (item.type === "question") return question(item, note);
    if (item.type === "summary") return summary(item, note);
    if (item.type === "step") return step(item);
  }
  function stopTimer() { if (state.timer) { clearInterval(state.timer); state.timer = null; } }
  function startTimer(q) {
    stopTimer();
    if (q.remaining_ms === null || q.remaining_ms === undefined) return;
    var ends = Date.now() + q.remaining_ms;
    var bar = document.getElementById("bar-timer");
    function tick() {
      var left = Math.max(0, Math.ceil((ends - Date.now()) / 1000));
      bar.hidden = false;
      bar.textContent = tr("web.quiz.time_left", { s: left });
      bar.classList.toggle("low", left <= 5);
      if (Date.now() >= ends + 400) {
        stopTimer();
        // The server decides: past the deadline it records a timeout and moves on.
        act("POST", "/api/current", { attempt_id: q.attempt_id }).then(function (next) {
          show(next, { timeout: true });
        });
      }
    }
    tick();
    state.timer = setInterval(tick, 250);
  }
  function question(q, note) {
    clear();
    window.__qq = { attempt: q.attempt_id, position: q.position }; // for tests and support
    setBar(q.title || tr("web.quiz.practice"));
    var progress = document.getElementById("progress");
    progress.hidden = false;
    progress.firstElementChild.style.width = (100 * q.position / q.total) + "%";
    if (note) view.appendChild(noteBanner(note));
    var card = el("div", "card question");
    card.dataset.qtype = q.qtype;
    var meta = el("div", "meta");
    meta.appendChild(el("span", "chip", tr("quiz.type." + q.qtype)));
    meta.appendChild(el("span", "", (q.position + 1) + " / " + q.total));
    meta.appendChild(el("span", "", tr("web.quiz.points", { points: num(q.points) })));
    card.appendChild(meta);
    card.appendChild(el("p", "stem", q.stem));
    view.appendChild(card);
    var send = function (response) {
      stopTimer();
      act("POST", "/api/answer", { attempt_id: q.attempt_id, position: q.position, response: response })
        .then(function (result) { if (result) show(result); else startTimer(q); });
    };
    if (q.qtype === "single") {
      var opts = el("div", "options");
      q.options.forEach(function (text, i) {
        opts.appendChild(optionButton(i, text, function () { disableAll(opts); send(i); }));
      });
      view.appendChild(opts);
    } else if (q.qtype === "true_false") {
      var tf = el("div", "options tf");
      tf.appendChild(button("option", tr("quiz.true"), function () { disableAll(tf); send(1); }));
      tf.appendChild(button("option", tr("quiz.false"), function () { disableAll(tf); send(0); }));
      view.appendChild(tf);
    } else if (q.qtype === "multiple") {
      var picked = {};
      var many = el("div", "options");
      var submit = button("primary", tr("web.quiz.submit"), function () {
        var chosen = Object.keys(picked).filter(function (k) { return picked[k]; }).map(Number);
        if (!chosen.length) { toast(tr("quiz.empty_selection")); return; }
        submit.disabled = true;
        send(chosen.sort());
      });
      submit.disabled = true;
      q.options.forEach(function (text, i) {
        var b = optionButton(i, text, function () {
          picked[i] = !picked[i];
          b.classList.toggle("picked", picked[i]);
          b.setAttribute("aria-pressed", picked[i] ? "true" : "false");
          submit.disabled = !Object.keys(picked).some(function (k) { return picked[k]; });
        });
        many.appendChild(b);
      });
      view.appendChild(el("p", "hint", tr("web.quiz.choose_many")));
      view.appendChild(many);
      var bottom = el("div", "sticky-actions");
      bottom.appendChild(submit);
      view.appendChild(bottom);
    } else {
      var form = el("form", "stack");
      var inputs = [];
      for (var n = 0; n < Math.max(q.blanks, 1); n++) {
        var input = el("input", "blank-input");
        input.placeholder = tr("web.quiz.blank_placeholder", { n: n + 1 });
        input.autocomplete = "off";
        input.maxLength = 200;
        inputs.push(input);
        form.appendChild(input);
      }
      var go = el("button", "primary", tr("web.quiz.submit"));
      go.type = "submit";
      form.appendChild(go);
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var texts = inputs.map(function (i) { return i.value.trim(); });
        if (texts.some(function (x) { return !x; })) { inputs[texts.indexOf("")].focus(); return; }
        go.disabled = true;
        send(texts);
      });
      view.appendChild(form);
    }
    startTimer(q);
  }
  function optionButton(i, text, onclick) {
    var b = button("option", "", onclick);
    b.appendChild(el("span", "letter", LETTERS[i]));
    b.appendChild(el("span", "text", text));
    b.dataset.option = i;
    return b;
  }
  function disableAll(box) { box.querySelectorAll("button").forEach(function (b) { b.disabled = true; }); }

  // --- feedback, results, review ----------------------------------------------------
  function verdict(f) {
    if (f.timeout) return { cls: "wrong", text: tr("quiz.toast.timeout") };
    if (!f.show_correctness) return { cls: "info", text: tr("quiz.toast.recorded") };
    if (f.correct) return { cls: "right", text: tr("quiz.toast.correct", { points: num(f.score) }) };
    if (f.credit > 0) return { cls: "part", text: tr("quiz.toast.partial", { points: num(f.score) }) };
    return { cls: "wrong", text: tr("quiz.toast.wrong") };
  }
  function answerText(qtype, answer) {
    if (qtype === "true_false") return answer[0] ? tr("quiz.true") : tr("quiz.false");
    if (qtype === "blank") return answer.join("；");
    return answer.map(function (i) { return LETTERS[i]; }).join("");
  }
  function noteBanner(note) {
    if (note.timeout) return el("p", "banner wrong", tr("quiz.toast.timeout"));
    var v = verdict(note);
    return el("p", "banner " + v.cls, tr("quiz.previous", { n: note.position + 1, result: v.text }));
  }
  function feedbackCard(f) {
    var card = el("div", "card feedback");
    var v = verdict(f);
    card.appendChild(el("p", "banner " + v.cls, v.text));
    if (f.answer) card.appendChild(el("p", "", tr("quiz.correct_answer", { answer: answerText(f.qtype, f.answer) })));
    if (f.explanation) card.appendChild(el("p", "muted", tr("quiz.explanation", { text: f.explanation })));
    return card;
  }
  function step(s) {
    if (s.outcome === "empty") { toast(tr("quiz.empty_selection")); return; }
    if (s.outcome === "closed" || !s.feedback) {
      toast(tr("quiz.closed"));
      return show(s.next || s.summary);
    }
    if (s.summary) return summary(s.summary, null, s.feedback);
    if (s.paused || !s.next) {
      clear();
      view.appendChild(feedbackCard(s.feedback));
      var next = button("primary", tr("web.quiz.next"), function () {
        act("POST", "/api/current", { attempt_id: s.attempt_id }).then(show);
      });
      var bottom = el("div", "sticky-actions");
      bottom.appendChild(next);
      view.appendChild(bottom);
      return;
    }
    question(s.next, s.feedback);
  }
  function fact(value, label) {
    var box = el("div", "fact");
    box.appendChild(el("b", "", value));
    box.appendChild(el("span", "", label));
    return box;
  }
  function duration(ms) {
    var total = Math.floor(Math.max(ms, 0) / 1000);
    if (total < 60) return tr("quiz.duration_seconds", { s: total });
    return tr("quiz.duration", { m: Math.floor(total / 60), s: String(total % 60).padStart(2, "0") });
  }
  function strip(text) { return text.replace(/<[^>]+>/g, ""); }
  function summary(s, note, lastFeedback) {
    clear();
    document.getElementById("progress").hidden = true;
    setBar(s.title || tr("web.quiz.practice"));
    if (lastFeedback) view.appendChild(feedbackCard(lastFeedback));
    var card = el("div", "card summary");
    card.appendChild(el("h1", "", strip(s.kind === "practice" ? tr("quiz.summary.practice_title")
      : tr("quiz.summary.title", { name: s.title }))));
    if (s.status === "expired") card.appendChild(el("p", "muted", tr("quiz.summary.expired")));
    card.appendChild(el("div", "score-big", num(s.score)));
    var facts = el("div", "facts");
    facts.appendChild(fact(s.correct_count + "/" + s.question_count, tr("web.quiz.fact_correct")));
    facts.appendChild(fact(duration(s.time_used_ms), tr("web.quiz.fact_time")));
    if (s.rank) facts.appendChild(fact("#" + s.rank.rank + " / " + s.rank.total, tr("web.quiz.fact_rank")));
    if (s.kind === "practice") facts.appendChild(fact(String(s.streak), tr("web.quiz.fact_streak")));
    card.appendChild(facts);
    if (s.attempts_left) card.appendChild(el("p", "muted", tr("quiz.summary.attempts_left", { count: s.attempts_left })));
    view.appendChild(card);
    var actions = el("div", "stack");
    if (s.review) actions.appendChild(button("primary", tr("web.quiz.review"), function () { review(s); }));
    else if (s.kind === "competition") actions.appendChild(el("p", "hint center", tr("web.quiz.review_not_yet")));
    if (s.kind === "practice") actions.appendChild(button("secondary", tr("web.quiz.again"), function () {
      act("POST", "/api/start", { practice: true }).then(show);
    }));
    actions.appendChild(button("secondary", tr("web.quiz.home"), home));
    view.appendChild(actions);
  }
  function review(s) {
    act("GET", "/api/review/" + s.attempt_id).then(function (data) {
      if (!data) return;
      clear();
      setBar(tr("web.quiz.review_title"));
      if (!data.items.length) view.appendChild(el("p", "banner right", tr("web.quiz.review_empty")));
      data.items.forEach(function (item) {
        var card = el("div", "card review-item");
        var meta = el("div", "meta");
        meta.appendChild(el("span", "chip", tr("quiz.type." + item.qtype)));
        meta.appendChild(el("span", "", "#" + (item.position + 1)));
        card.appendChild(meta);
        card.appendChild(el("p", "stem", item.stem));
        item.options.forEach(function (text, i) { card.appendChild(el("p", "", LETTERS[i] + ". " + text)); });
        card.appendChild(el("p", "given", item.given ? tr("web.quiz.your_answer", { answer: answerText(item.qtype, item.given) }) : tr("web.quiz.no_answer")));
        card.appendChild(el("p", "answer", tr("quiz.correct_answer", { answer: answerText(item.qtype, item.answer) })));
        if (item.explanation) card.appendChild(el("p", "muted", tr("quiz.explanation", { text: item.explanation })));
        view.appendChild(card);
      });
      view.appendChild(button("secondary", tr("web.quiz.home"), home));
    });
  }

  // worker.js (loaded next) draws the home, results, 错题本 and profile with these.
  window.QQ = {
    state: state, root: root, view: view, LETTERS: LETTERS, tr: tr, el: el, button: button,
    clear: clear, toast: toast, num: num, call: call, act: act, message: message, show: show,
    setBar: setBar, answerText: answerText, duration: duration,
    start: function () { signIn().then(function (ok) { if (ok) window.QQ.home(); }); },
  };
})();
