// The big screen: paint the board, keep it live over server-sent events, count down.
"use strict";
(function () {
  var root = document.getElementById("screen");
  var text = JSON.parse(document.getElementById("screen-text").textContent);
  var board = JSON.parse(document.getElementById("board-data").textContent || "null");
  var offset = 0; // server clock minus ours, from each board's "now"
  var lastSeq = 0;

  function el(tag, cls, content) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (content !== undefined) node.textContent = content;
    return node;
  }
  function moveCell(move) {
    if (move === "new") return el("span", "move new", text["new"]);
    if (move > 0) return el("span", "move up", "▲" + move);
    if (move < 0) return el("span", "move down", "▼" + (-move));
    return el("span", "move", "");
  }
  function rankCell(rank) {
    return el("span", "rank" + (rank && rank <= 3 ? " r" + rank : ""), rank ? String(rank) : "—");
  }
  function paintPeople(list, previous) {
    var ol = document.getElementById("people");
    ol.textContent = "";
    list.forEach(function (p) {
      var li = el("li");
      var who = el("span", "who");
      who.appendChild(el("span", "name", p.name));
      if (p.team) who.appendChild(el("span", "team", p.team));
      li.append(rankCell(p.rank), who, el("span", "score", p.score), moveCell(p.move));
      if (previous && previous[p.name + "|" + p.team] !== p.score) li.classList.add("flash");
      ol.appendChild(li);
    });
    document.getElementById("people-empty").hidden = list.length > 0;
  }
  function paintTeams(list) {
    var ol = document.getElementById("teams");
    ol.textContent = "";
    list.forEach(function (tm) {
      var li = el("li");
      var turnout = el("span", "turnout");
      var bar = el("span", "bar");
      var fill = el("i");
      fill.style.width = Math.min(tm.rate, 100) + "%";
      bar.appendChild(fill);
      turnout.append(bar, el("span", "", tm.participants + "/" + tm.registered + " · " + tm.rate + "%"));
      var who = el("span", "who");
      who.appendChild(el("span", "name", tm.label));
      li.append(rankCell(tm.rank), who, turnout, el("span", "score", tm.score));
      ol.appendChild(li);
    });
    document.getElementById("teams-empty").hidden = list.length > 0;
  }
  function paintIdle(labels) {
    var line = document.getElementById("teams-idle");
    line.textContent = labels && labels.length ? text.idle_teams + labels.join("、") : "";
    line.hidden = !(labels && labels.length);
  }
  function paintTicker(items) {
    var ul = document.getElementById("ticker");
    ul.textContent = "";
    var lang = root.dataset.lang;
    items.forEach(function (item) { ul.appendChild(el("li", "", item[lang] || item.zh)); });
    if (!items.length) ul.appendChild(el("li", "idle", text.idle));
  }
  function scores(b) {
    var out = {};
    if (b) b.people.forEach(function (p) { out[p.name + "|" + p.team] = p.score; });
    return out;
  }
  function paint(next) {
    if (!next || next.seq < lastSeq) return;
    var previous = board && board !== next ? scores(board) : null;
    board = next;
    lastSeq = next.seq;
    offset = Date.parse(next.now) - Date.now();
    document.getElementById("title").textContent = next.title;
    document.title = next.title;
    document.getElementById("participants").textContent = next.participants;
    document.getElementById("registered").textContent = next.registered ? "/ " + next.registered : "";
    paintPeople(next.people, previous);
    paintTeams(next.teams);
    paintIdle(next.idle);
    paintTicker(next.ticker);
    tick();
  }
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    if (!board) return;
    var now = Date.now() + offset;
    var starts = Date.parse(board.starts_at), ends = Date.parse(board.ends_at);
    var label = document.getElementById("countdown-label");
    var target = now < starts ? starts : ends;
    label.textContent = now < starts ? text.starts_in : text.ends_in;
    var left = Math.max(0, Math.floor((target - now) / 1000));
    var out;
    if (board.status === "closed" || board.status === "archived" || (now >= ends)) {
      out = text.ended;
    } else {
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600);
      var m = Math.floor(left % 3600 / 60), s = left % 60;
      out = (d ? d + text.days + " " : "") + two(h) + ":" + two(m) + ":" + two(s);
    }
    document.getElementById("countdown").textContent = out;
  }
  var source = null, retry = 1000;
  function connect() {
    source = new EventSource(root.dataset.events);
    // A restarted server numbers its boards from 1 again: order within one stream only.
    source.onopen = function () { lastSeq = 0; };
    source.addEventListener("board", function (e) {
      retry = 1000;
      document.getElementById("offline").hidden = true;
      paint(JSON.parse(e.data));
    });
    source.addEventListener("revoked", function () {
      source.close();
      location.reload();
    });
    source.onerror = function () {
      document.getElementById("offline").hidden = false;
      // The browser retries on its own while CONNECTING; once it gives up (a proxy's 502
      // while the bot restarts), start over ourselves, backing off up to 10 s.
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(connect, retry);
        retry = Math.min(retry * 2, 10000);
      }
    };
  }
  paint(board);
  setInterval(tick, 250);
  connect();
})();
