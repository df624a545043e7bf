/* The live final's pages: stage, host console, buzzer, the hall's 观众题. One script, the
   page named by #live[data-page]; every page redraws from the server's view (SSE). */
(function () {
  "use strict";
  var root = document.getElementById("live");
  var page = root.dataset.page;
  var W = JSON.parse(document.getElementById("words-data").textContent);
  var view = JSON.parse(document.getElementById("view-data").textContent);
  var offset = Date.parse(view.now) - Date.now();
  var LETTERS = "ABCDEFGH";
  var state = { cues: 0, updates: 0, pressed: {}, audio: null };
  window.__live = state;

  function say(key, params) {
    var text = W[key] || key;
    Object.keys(params || {}).forEach(function (k) { text = text.split("{" + k + "}").join(params[k]); });
    return text;
  }
  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function clear(node) { while (node && node.firstChild) node.removeChild(node.firstChild); return node; }
  function show(node, on) { if (node) node.hidden = !on; }
  function teamName(id) {
    var found = view.teams.filter(function (t) { return t.id === id; })[0];
    return found ? found.name : "";
  }
  function signed(n) { return n > 0 ? "+" + n : String(n); }
  function kindWord(kind) { return say("kind_" + kind); }
  function isBuzz(kind) { return kind === "buzzer" || kind === "tiebreak"; }

  function answerText(q) {
    if (!q || !q.answer) return "";
    if (q.type === "true_false") return q.answer[0] ? say("true") : say("false");
    if (q.type === "blank") return q.answer.map(function (a) { return a[0]; }).join("；");
    return q.answer.map(function (i) { return LETTERS[i] + ". " + (q.options[i] || ""); }).join("  ");
  }

  function phaseText(q) {
    if (view.final.status === "finished") return say("status_finished");
    if (!q) return view.final.status === "setup" ? say("status_setup") : say("waiting");
    var answering = q.team_id;
    if (q.phase === "answering" && isBuzz(view.segment.kind)) {
      var open = view.buzzes.filter(function (b) { return !b.false_start && !b.ruling; })[0];
      answering = open ? open.team_id : null;
    }
    return say("phase_" + q.phase, { team: teamName(answering) });
  }

  // --- the countdown -------------------------------------------------------------------
  function totalSeconds(q) {
    var rules = (view.segment && view.segment.rules) || {};
    if (q.phase === "armed") return rules.buzz_window_s || 15;
    return rules.answer_s || 60;
  }
  function tick() {
    var q = view.question;
    var num = $("count-num");
    var box = $("countdown");
    if (!q || !q.deadline || view.final.paused || q.phase === "done") {
      show(box, false);
      if (num && page !== "stage") num.textContent = "";
      return;
    }
    var left = Math.max(0, (Date.parse(q.deadline) - (Date.now() + offset)) / 1000);
    show(box, true);
    if (num) num.textContent = Math.ceil(left) + "s";
    var bar = $("count-bar");
    if (bar) bar.style.width = Math.min(100, (100 * left) / totalSeconds(q)) + "%";
    if (box) box.classList.toggle("urgent", left <= 5);
  }
  setInterval(tick, 100);

  // --- shared parts ----------------------------------------------------------------------
  function renderHeader() {
    var seg = view.segment;
    var q = view.question;
    var text = seg ? (seg.title || kindWord(seg.kind)) : "";
    if (seg && q) text += " · " + say("question_of", { n: q.position, total: q.count });
    if (view.final.status === "finished") text = "";
    if ($("segment")) $("segment").textContent = text;
    show($("paused"), view.final.paused);
    if ($("phase")) {
      $("phase").textContent = phaseText(q);
      $("phase").dataset.phase = q ? q.phase : "idle";
    }
    if ($("value")) $("value").textContent = q && q.value ? say("value", { v: q.value }) : "";
  }

  function renderQuestion() {
    var q = view.question;
    if ($("stem")) $("stem").textContent = q ? q.stem : "";
    var list = clear($("options"));
    if (list && q) {
      var options = q.type === "true_false" && q.stem ? [say("true"), say("false")] : q.options;
      options.forEach(function (text, i) {
        var item = el("li", "option");
        item.appendChild(el("b", null, q.type === "true_false" ? "" : LETTERS[i]));
        item.appendChild(el("span", null, text));
        list.appendChild(item);
      });
    }
    var answer = $("answer");
    if (answer) {
      var text = answerText(q);
      answer.textContent = text ? say("answer") + "：" + text : "";
      show(answer, !!text);
    }
  }

  function renderBuzzes() {
    var list = clear($("buzzes"));
    if (!list) return;
    view.buzzes.forEach(function (b) {
      var item = el("li", "buzz" + (b.false_start ? " false" : "") + (b.rank === 1 ? " first" : "")
        + (b.ruling ? " " + b.ruling : ""));
      item.appendChild(el("span", "rank", b.false_start ? "✕" : b.rank));
      item.appendChild(el("span", "who", b.team + (b.player ? " · " + b.player : "")));
      var note = b.false_start ? say("false_start")
        : b.rank === 1 ? say("after_start", { s: ((b.after_start_ms || 0) / 1000).toFixed(3) })
        : say("behind", { ms: b.behind_ms });
      item.appendChild(el("span", "gap", note));
      if (b.ruling) item.appendChild(el("span", "ruling", say(b.ruling)));
      list.appendChild(item);
    });
  }

  function renderTeams() {
    var list = clear($("teams"));
    if (!list) return;
    var teams = view.teams.slice();
    if (page === "stage") teams.sort(function (a, b) { return b.score - a.score || a.seat - b.seat; });
    teams.forEach(function (t) {
      var item = el("li", "team" + (t.out ? " out" : "") + (t.winner ? " winner" : ""));
      item.dataset.team = t.id;
      item.appendChild(el("span", "rank", t.rank));
      var name = el("span", "name", t.name);
      name.appendChild(el("small", null, say("seat", { n: t.seat })));
      item.appendChild(name);
      var risk = el("span", "risk");
      t.risk.forEach(function (r) { risk.appendChild(el("i", "chip " + (r.outcome || ""), r.value)); });
      item.appendChild(risk);
      if (t.out) item.appendChild(el("span", "tag", say("out")));
      if (t.winner) item.appendChild(el("span", "tag win", say("winner")));
      item.appendChild(el("span", "score", t.score));
      item.appendChild(el("span", "change " + (t.change > 0 ? "up" : t.change < 0 ? "down" : ""),
        t.change ? signed(t.change) : ""));
      list.appendChild(item);
    });
  }

  function renderAudience() {
    var box = $("audience");
    if (!box) return;
    var a = view.audience;
    show(box, !!a);
    if (!a) return;
    $("audience-count").textContent = say("audience_answers", { n: a.answers })
      + (a.correct !== null ? " · " + say("audience_correct", { n: a.correct }) : "");
    $("audience-winners").textContent = a.winners.length ? say("winners") + "：" + a.winners.join("、") : "";
    box.querySelector(".qr").hidden = !a.open;
  }

  function renderPodium() {
    var box = $("podium");
    if (!box) return;
    show(box, view.podium.length > 0);
    clear(box);
    if (!view.podium.length) return;
    box.appendChild(el("h2", null, say("podium")));
    var steps = el("div", "steps");
    view.podium.forEach(function (p) {
      var step = el("div", "step place" + p.rank);
      step.appendChild(el("div", "place", p.rank));
      step.appendChild(el("div", "name", p.names.join("、")));
      step.appendChild(el("div", "points", p.score));
      steps.appendChild(step);
    });
    box.appendChild(steps);
  }

  function render(before) {
    renderHeader();
    renderQuestion();
    renderBuzzes();
    renderTeams();
    renderAudience();
    renderPodium();
    if (PAGES[page]) PAGES[page](before);
    tick();
  }

  // --- the stage's cue: two tones when 开始 arms the buzzers (WebAudio, no files) -----------
  function cue() {
    state.cues += 1;
    var ctx = state.audio;
    if (!ctx) return;
    [[880, 0, 0.12], [1320, 0.16, 0.35]].forEach(function (tone) {
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      osc.frequency.value = tone[0];
      gain.gain.setValueAtTime(0.0001, ctx.currentTime + tone[1]);
      gain.gain.exponentialRampToValueAtTime(0.5, ctx.currentTime + tone[1] + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + tone[2]);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + tone[1]);
      osc.stop(ctx.currentTime + tone[2] + 0.05);
    });
  }
  function stagePage(before) {
    var q = view.question;
    var old = before && before.question;
    var armedNow = q && q.phase === "armed" && (!old || old.armed_at !== q.armed_at);
    if (armedNow) cue();
    root.classList.toggle("armed", !!(q && q.phase === "armed"));
    root.classList.toggle("finished", view.final.status === "finished");
    var first = view.buzzes.filter(function (b) { return b.rank === 1; })[0];
    root.dataset.first = first ? first.team : "";
  }
  var soundButton = $("sound");
  if (soundButton) {
    soundButton.addEventListener("click", function () {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (Ctx) state.audio = new Ctx();
      soundButton.hidden = true;
    });
  }

  // --- posting -----------------------------------------------------------------------------
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    });
  }
  function toast(text, bad) {
    var box = $("toast");
    if (!box) return;
    box.textContent = text;
    box.className = "toast" + (bad ? " bad" : "");
    box.hidden = false;
    clearTimeout(state.toastTimer);
    state.toastTimer = setTimeout(function () { box.hidden = true; }, 3500);
  }

  // --- the host console --------------------------------------------------------------------
  var HINTS = { idle: ["next"], pending: ["next"], picking: [], shown: ["start"], armed: ["audience", "next"],
    answering: ["right", "wrong"], audience: ["reveal"], done: ["next", "segment"] };
  function act(verb, body) {
    if (verb === "finish" && !window.confirm(say("confirm_finish"))) return;
    var button = root.querySelector('[data-verb="' + verb + '"]');
    if (button) button.classList.add("busy");
    // The version we are looking at: a second tap of a double tap is refused, not done twice.
    var sent = Object.assign({ version: view.final.version }, body || {});
    post(root.dataset.post + "/" + verb, sent).then(function (res) {
      if (button) button.classList.remove("busy");
      if (!res.ok) { toast(res.data.message || say("wrong"), true); return; }
      apply(res.data);
      toast(say("done"), false);
    }).catch(function () { if (button) button.classList.remove("busy"); toast(say("reconnecting"), true); });
  }
  function hostPage() {
    var q = view.question;
    var phase = q ? q.phase : "idle";
    root.querySelectorAll("[data-verb]").forEach(function (b) {
      b.classList.toggle("hint", (HINTS[phase] || []).indexOf(b.dataset.verb) >= 0);
    });
    var pauseButton = $("pause-button");
    if (pauseButton) pauseButton.firstChild.textContent = (view.final.paused ? say("resume") : say("pause")) + " ";
    var picks = clear($("picks"));
    show(picks, phase === "picking");
    if (phase === "picking") {
      picks.appendChild(el("span", "label", teamName(q.team_id) + " · " + say("pick_value")));
      (view.segment.rules.values || []).forEach(function (v, i) {
        var b = el("button", "big pick", v);
        b.type = "button";
        b.title = String(i + 1);
        b.addEventListener("click", function () { act("pick", { value: v }); });
        picks.appendChild(b);
      });
    }
    var select = root.querySelector("#adjust select");
    if (select && select.options.length !== view.teams.length) {
      clear(select);
      view.teams.forEach(function (t) { var o = el("option", null, t.name); o.value = t.id; select.appendChild(o); });
    }
  }
  if (page === "host") {
    root.querySelectorAll("[data-verb]").forEach(function (b) {
      b.addEventListener("click", function () { act(b.dataset.verb); });
    });
    var KEYS = { n: "next", " ": "start", s: "start", r: "right", w: "wrong", u: "undo", p: "pause",
      a: "audience", v: "reveal", g: "segment" };
    document.addEventListener("keydown", function (e) {
      var tag = (e.target && e.target.tagName) || "";
      if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || e.repeat || e.ctrlKey || e.metaKey || e.altKey) return;
      var key = e.key.toLowerCase();
      var q = view.question;
      if (/^[1-6]$/.test(key) && q && q.phase === "picking") {
        var values = view.segment.rules.values || [];
        var value = values[Number(key) - 1];
        if (value !== undefined) { e.preventDefault(); act("pick", { value: value }); }
        return;
      }
      if (KEYS[key]) { e.preventDefault(); act(KEYS[key]); }
    });
    $("adjust").addEventListener("submit", function (e) {
      e.preventDefault();
      var form = e.target;
      act("adjust", { team_id: Number(form.team_id.value), delta: Number(form.delta.value), reason: form.reason.value });
      form.delta.value = "";
      form.reason.value = "";
    });
  }

  // --- the buzzer ----------------------------------------------------------------------------
  var myTeam = Number(root.dataset.team || 0);
  function buzzPage() {
    var me = view.teams.filter(function (t) { return t.id === myTeam; })[0];
    if (me) { $("team-name").textContent = me.name; $("team-score").textContent = me.score; }
    var q = view.question;
    var button = $("buzz");
    var kind = view.segment ? view.segment.kind : "";
    var mine = q ? view.buzzes.filter(function (b) { return b.team_id === myTeam; })[0] : null;
    var stateText = say("buzz_idle");
    var mode = "idle";
    var out = me && (me.out || (kind === "tiebreak" && !me.in_tiebreak));
    if (view.final.paused) { stateText = say("paused"); }
    else if (!q || q.phase === "done" || q.phase === "audience" || view.final.status !== "running") { stateText = say("buzz_idle"); }
    else if (!isBuzz(kind)) { stateText = say("buzz_not_yours"); }
    else if (out) { stateText = say("buzz_out"); }
    else if (q.phase === "armed" || q.phase === "answering") { mode = "go"; stateText = say("buzz_go"); }
    else { mode = "wait"; stateText = say("buzz_wait"); }
    if (mine) mode = "done";
    button.disabled = mode === "idle" || mode === "done";
    button.dataset.mode = mode;
    $("buzz-state").textContent = stateText;
    $("buzz-result").textContent = mine ? resultText(mine) : "";
  }
  function resultText(b) {
    if (b.false_start) return say("buzz_false");
    if (b.rank === 1) return say("buzz_first");
    return say("buzz_rank", { rank: b.rank, ms: b.behind_ms });
  }
  function press(e) {
    if (e) e.preventDefault();
    var q = view.question;
    var button = $("buzz");
    if (!q || button.disabled || state.pressed[q.id]) return;
    state.pressed[q.id] = true;
    button.dataset.mode = "done";
    post(root.dataset.post, {}).then(function (res) {
      if (!res.ok) { $("buzz-result").textContent = res.data.message; state.pressed[q.id] = false; return; }
      var r = res.data;
      var text = r.status === "first" ? say("buzz_first")
        : r.status === "queued" ? say("buzz_rank", { rank: r.rank, ms: r.behind_ms })
        : say("buzz_false") + (r.penalty ? " · " + say("buzz_penalty", { p: r.penalty }) : "");
      $("buzz-result").textContent = text;
    }).catch(function () { state.pressed[q.id] = false; });
  }
  if (page === "buzz") {
    $("buzz").addEventListener("pointerdown", press);
    document.addEventListener("keydown", function (e) { if (e.key === " " || e.key === "Enter") press(e); });
  }

  // --- the hall's 观众题 -------------------------------------------------------------------------
  function hallPage() {
    var q = view.question;
    var box = clear($("hall-options"));
    var mine = q ? sessionStorage.getItem("qq-hall-" + q.id) : null;
    var open = q && q.phase === "audience";
    if ($("stem")) $("stem").textContent = open || (q && q.phase === "done" && mine) ? q.stem : "";
    var text = say("hall_wait");
    if (open && mine) text = say("hall_sent");
    if (q && q.phase === "done" && mine && q.answer) {
      text = JSON.stringify(JSON.parse(mine)) === JSON.stringify(q.type === "true_false" ? Number(q.answer[0]) : q.type === "single" ? q.answer[0] : q.answer)
        ? say("hall_right") : say("hall_wrong");
      text += " · " + say("answer") + "：" + answerText(q);
    }
    $("hall-state").textContent = text;
    show($("hall-name"), !!(open && !mine));
    if (!open || mine) return;
    var choices = q.type === "true_false" ? [[1, say("true")], [0, say("false")]]
      : q.options.map(function (o, i) { return [i, LETTERS[i] + ". " + o]; });
    var picked = [];
    choices.forEach(function (c) {
      var b = el("button", "big hall-option", c[1]);
      b.type = "button";
      b.addEventListener("click", function () {
        if (q.type === "multiple") { b.classList.toggle("on"); var at = picked.indexOf(c[0]); if (at >= 0) picked.splice(at, 1); else picked.push(c[0]); return; }
        answer(q, c[0]);
      });
      box.appendChild(b);
    });
    if (q.type === "multiple") {
      var submit = el("button", "big go", say("submit"));
      submit.type = "button";
      submit.addEventListener("click", function () { if (picked.length) answer(q, picked.sort()); });
      box.appendChild(submit);
    }
  }
  function answer(q, response) {
    post(root.dataset.post, { question_id: q.id, response: response, name: $("hall-name").value }).then(function (res) {
      if (res.ok || res.data.error === "live_audience_already") {
        sessionStorage.setItem("qq-hall-" + q.id, JSON.stringify(response));
      } else {
        $("hall-state").textContent = res.data.message;
        return;
      }
      hallPage();
    });
  }

  var PAGES = { stage: stagePage, host: hostPage, buzz: buzzPage, hall: hallPage };

  // --- the stream ------------------------------------------------------------------------------
  function apply(next) {
    if (next.now) offset = Date.parse(next.now) - Date.now();
    var before = view;
    view = next;
    state.updates += 1;
    render(before);
  }
  function connect() {
    var source = new EventSource(root.dataset.events);
    source.addEventListener("stage", function (e) { apply(JSON.parse(e.data)); });
    source.onopen = function () { show($("offline"), false); };
    source.onerror = function () {
      show($("offline"), true);
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 2000);
    };
  }
  render(null);
  connect();
})();
