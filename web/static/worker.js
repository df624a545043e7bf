// What a browser worker sees besides the questions: the home page, the result at the close
// (place, team place, 错题回顾, certificate), 错题本 and the profile. The server decides;
// this draws what /api/home, /api/results and /api/profile say. Helpers come from quiz.js.
"use strict";
(function () {
  var Q = window.QQ;
  var tr = Q.tr, el = Q.el, button = Q.button, state = Q.state, view = Q.view;

  function setLang(lang) {
    state.lang = lang || state.lang;
    document.documentElement.lang = state.lang === "en" ? "en" : "zh-CN";
  }
  function section(title) {
    var box = el("section", "card stack");
    box.appendChild(el("h2", "", title));
    return box;
  }
  function placeText(rank, tied) {
    return tr(tied ? "web.quiz.result.place_tied" : "web.quiz.result.place_rank", { rank: rank });
  }
  function start(body) { Q.act("POST", "/api/start", body).then(Q.show); }
  function failure(error) {
    Q.message(error && error.message ? error.message : tr("web.quiz.session_over"));
    view.appendChild(button("secondary", tr("web.quiz.home"), home));
  }

  // --- home -------------------------------------------------------------------------
  function home() {
    return Q.call("GET", "/api/home").then(function (me) {
      state.csrf = me.csrf;
      setLang(me.lang);
      var asked = new URLSearchParams(location.search);
      if (asked.get("results") === "1" && asked.get("c")) {
        history.replaceState(null, "", location.pathname + "?c=" + asked.get("c"));
        return results(Number(asked.get("c")));
      }
      drawHome(me);
    }, failure);
  }
  function drawHome(me) {
    Q.clear();
    document.getElementById("progress").hidden = true;
    Q.setBar(tr("web.quiz.title"));
    var hello = el("div", "card hello");
    hello.appendChild(el("h1", "", tr("web.quiz.hello", { name: me.name })));
    hello.appendChild(button("link", tr("web.quiz.home.profile"), profile));
    view.appendChild(hello);
    var resuming = me.active && me.active.competition_id;
    if (me.active) {
      var label = me.active.kind === "practice" ? "web.quiz.home.resume_practice" : "web.quiz.home.resume";
      var resume = button("primary", tr(label), function () {
        Q.act("POST", "/api/current", { attempt_id: me.active.attempt_id }).then(Q.show);
      });
      resume.id = "resume";
      view.appendChild(resume);
    }
    var open = section(tr("web.quiz.open_competitions"));
    if (!me.competitions.length) open.appendChild(el("p", "muted", tr("web.quiz.no_competition")));
    me.competitions.forEach(function (c) { open.appendChild(offer(c, c.id === resuming)); });
    // After the close the result is what a worker comes back for: it goes first.
    var results = me.closed.length ? ended(me.closed) : null;
    if (results && !me.competitions.length) view.appendChild(results);
    view.appendChild(open);
    view.appendChild(practice(me));
    view.appendChild(mistakes(me));
    if (results && me.competitions.length) view.appendChild(results);
  }
  function offer(c, resuming) {
    var box = el("div", "entry competition");
    box.appendChild(el("h3", "", c.name));
    box.appendChild(el("p", "muted", c.rules));
    var facts = el("p", "hint");
    facts.textContent = tr("web.quiz.ends", { time: c.ends_local }) + " · " +
      (c.attempts_left ? tr("web.quiz.home.attempts_left", { n: c.attempts_left })
        : tr(c.done_for_today ? "web.quiz.home.done_for_today" : "web.quiz.home.no_attempts"));
    box.appendChild(facts);
    if (!resuming && c.attempts_left) {
      var go = button("primary", tr("web.quiz.start"), function () { start({ competition_id: c.id }); });
      go.dataset.competition = c.id;
      box.appendChild(go);
    }
    return box;
  }
  function practice(me) {
    var box = section(tr("web.quiz.home.practice_title"));
    box.id = "practice";
    var p = me.practice;
    var streak = el("p", "streak", p.streak ? tr("web.quiz.home.streak", { n: p.streak })
      : tr("web.quiz.home.streak_none"));
    box.appendChild(streak);
    box.appendChild(el("p", "hint", p.today ? tr("web.quiz.home.today", { n: p.today })
      : tr("web.quiz.home.practice_intro")));
    if (!me.active) box.appendChild(button("secondary", tr("web.quiz.home.practice_start"), function () {
      start({ practice: true });
    }));
    return box;
  }
  function mistakes(me) {
    var box = section(tr("web.quiz.home.mistakes_title"));
    box.id = "mistakes";
    box.appendChild(el("p", "", me.mistakes ? tr("web.quiz.home.mistakes_count", { n: me.mistakes })
      : tr("web.quiz.home.mistakes_empty")));
    (me.mistakes_waiting || []).forEach(function (line) {
      box.appendChild(el("p", "waiting", line));
    });
    box.appendChild(el("p", "hint", tr("web.quiz.home.mistakes_note")));
    if (me.mistakes && !me.active) box.appendChild(button("secondary", tr("web.quiz.home.mistakes_retry"), function () {
      start({ practice: true, mistakes: true });
    }));
    return box;
  }
  function ended(list) {
    var box = section(tr("web.quiz.home.closed_title"));
    box.id = "closed";
    list.forEach(function (c) {
      var row = el("div", "entry");
      row.appendChild(el("h3", "", c.name));
      if (c.ready && c.rank) {
        row.appendChild(el("p", "place-line", placeText(c.rank, c.tied) + " · " +
          tr("web.quiz.result.of_people", { total: c.participants })));
        var see = button("secondary", tr("web.quiz.home.view_result"), function () { results(c.id); });
        see.dataset.results = c.id;
        row.appendChild(see);
      } else {
        row.appendChild(el("p", "hint", tr("web.quiz.home.pending", { time: c.ready_local })));
      }
      box.appendChild(row);
    });
    return box;
  }

  // --- the result at the close --------------------------------------------------------
  function results(id) {
    return Q.call("GET", "/api/results/" + id).then(drawResult, failure);
  }
  function fact(value, label) {
    var box = el("div", "fact");
    box.appendChild(el("b", "", value));
    box.appendChild(el("span", "", label));
    return box;
  }
  function drawResult(r) {
    Q.clear();
    window.scrollTo(0, 0);
    Q.setBar(r.name);
    var card = el("div", "card summary result");
    card.appendChild(el("h1", "", tr("web.quiz.result.title")));
    card.appendChild(el("p", "muted", r.name));
    card.appendChild(el("div", "place-big", placeText(r.rank, r.tied)));
    card.appendChild(el("p", "center muted", tr("web.quiz.result.of_people", { total: r.participants })));
    var facts = el("div", "facts");
    facts.appendChild(fact(r.score, tr("web.quiz.result.score")));
    facts.appendChild(fact(r.correct_count + "/" + r.question_count, tr("web.quiz.fact_correct")));
    facts.appendChild(fact(Q.duration(r.time_used_ms), tr("web.quiz.fact_time")));
    if (r.team) {
      var teamPlace = r.team.rank ? placeText(r.team.rank, r.team.tied) : tr("web.quiz.result.team_unranked");
      var team = fact(teamPlace, tr("web.quiz.result.team_place", { team: r.team.label }) +
        (r.team.rank ? " · " + tr("web.quiz.result.of_teams", { total: r.team.total }) : ""));
      team.classList.add("team");
      facts.appendChild(team);
    }
    card.appendChild(facts);
    view.appendChild(card);
    [["certificate", r.certificate], ["card", r.card]].forEach(function (pair) {
      if (pair[1]) view.appendChild(picture(pair[0], pair[1]));
    });
    view.appendChild(review(r));
    view.appendChild(button("secondary", tr("web.quiz.home"), home));
  }
  function picture(kind, url) {
    var box = section(tr("web.quiz.result." + kind));
    box.classList.add("picture");
    box.id = kind;
    var img = el("img", kind);  // sized before it arrives (drawn on first ask): no jump
    img.src = url;
    img.alt = tr("web.quiz.result." + kind);
    box.appendChild(img);
    box.appendChild(el("p", "hint", tr("web.quiz.result.save_hint")));
    var open = el("a", "link", tr("web.quiz.result.open_picture"));
    open.href = url;
    open.target = "_blank";
    open.rel = "noopener";
    box.appendChild(open);
    return box;
  }
  function review(r) {
    var box = section(r.review_allowed && r.review.length
      ? tr("web.quiz.result.review_title", { n: r.review.length }) : tr("web.quiz.review_title"));
    box.id = "review";
    if (!r.review_allowed) { box.appendChild(el("p", "muted", tr("web.quiz.result.review_hidden"))); return box; }
    if (!r.review.length) { box.appendChild(el("p", "banner right", tr("web.quiz.result.all_right"))); return box; }
    r.review.forEach(function (item) {
      var one = el("div", "review-item");
      var meta = el("div", "meta");
      meta.appendChild(el("span", "chip", tr("quiz.type." + item.qtype)));
      meta.appendChild(el("span", "", "#" + (item.position + 1)));
      one.appendChild(meta);
      one.appendChild(el("p", "stem", item.stem));
      item.options.forEach(function (text, i) { one.appendChild(el("p", "option-line", Q.LETTERS[i] + ". " + text)); });
      var verdict = tr(item.credit > 0 ? "web.quiz.result.partial" : "web.quiz.result.wrong");
      one.appendChild(el("p", "given", item.timeout ? tr("web.quiz.result.timeout")
        : tr("web.quiz.result.yours", { answer: Q.answerText(item.qtype, item.response || []) || "—", verdict: verdict })));
      one.appendChild(el("p", "answer", tr("quiz.correct_answer", { answer: Q.answerText(item.qtype, item.answer) })));
      if (item.explanation) one.appendChild(el("p", "muted", tr("quiz.explanation", { text: item.explanation })));
      box.appendChild(one);
    });
    box.appendChild(el("p", "hint", tr("web.quiz.result.mistakes_hint")));
    box.appendChild(button("secondary", tr("web.quiz.home.mistakes_retry"), function () {
      start({ practice: true, mistakes: true });
    }));
    return box;
  }

  // --- profile ------------------------------------------------------------------------
  function profile() {
    return Q.call("GET", "/api/profile").then(drawProfile, failure);
  }
  function drawProfile(p, note) {
    Q.clear();
    Q.setBar(tr("web.quiz.profile.title"));
    var card = el("div", "card profile");
    card.appendChild(el("h1", "", tr("web.quiz.profile.title")));
    if (note) card.appendChild(el("p", "banner right", note));
    var list = el("dl", "rows");
    [["name", p.name], ["employee_no", p.employee_no || tr("web.quiz.profile.none")],
      ["team", p.team || tr("web.quiz.profile.no_team")]].forEach(function (row) {
      list.appendChild(el("dt", "", tr("web.quiz.profile." + row[0])));
      list.appendChild(el("dd", "", row[1]));
    });
    card.appendChild(list);
    if (p.name_locked_by) card.appendChild(el("p", "hint", tr("web.quiz.profile.name_final", { name: p.name_locked_by })));
    view.appendChild(card);
    var langs = section(tr("web.quiz.profile.language"));
    var pair = el("div", "lang-switch");
    [["zh", "中文"], ["en", "English"]].forEach(function (choice) {
      var b = button("option" + (p.language === choice[0] ? " picked" : ""), choice[1], function () {
        if (p.language === choice[0]) return;
        Q.act("POST", "/api/profile/language", { language: choice[0] }).then(function (saved) {
          if (!saved) return;
          setLang(saved.language);
          drawProfile(saved, tr("web.quiz.profile.saved"));
        });
      });
      b.dataset.lang = choice[0];
      b.setAttribute("aria-pressed", p.language === choice[0] ? "true" : "false");
      pair.appendChild(b);
    });
    langs.appendChild(pair);
    view.appendChild(langs);
    view.appendChild(button("secondary", tr("web.quiz.home"), home));
  }

  Q.home = home;
  Q.start();
})();
