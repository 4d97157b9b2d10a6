/* Live board: renders the snapshot, applies events from the websocket, falls back to polling. */
(() => {
  "use strict";
  const root = document.getElementById("board");
  if (!root) return;
  const T = JSON.parse(document.getElementById("board-texts").textContent);
  const code = root.dataset.code;
  const round = Number(root.dataset.round);
  let state = JSON.parse(document.getElementById("board-snapshot").textContent);
  const sorts = { children: { key: "name", dir: 1 }, surveyors: { key: "name", dir: 1 } };
  const POLL_MS = 10000;
  let socket = null;
  let pollTimer = null;
  let retryTimer = null;
  let backoff = 1000;
  let refetchTimer = null;
  let refused = false;

  // ---- helpers ---------------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function fmt(text, values) {
    return text.replace(/%\((\w+)\)[ds]/g, (_m, name) => (values[name] === undefined ? "" : values[name]));
  }
  function pad(n) { return String(n).padStart(2, "0"); }
  function dateTime(iso) {
    if (!iso) return T.never;
    const d = new Date(iso);
    return `${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }
  function dayLabel(iso) { const [y, m, d] = iso.split("-"); return `${d}/${m}/${y}`; }
  function share(visited, expected) { return expected ? visited / expected : 0; }
  function percent(visited, expected) { return `${Math.round(share(visited, expected) * 100)}%`; }
  function bar(visited, expected) {
    const inner = el("div", { class: "bar-inner" });
    inner.style.width = `${Math.min(100, share(visited, expected) * 100)}%`;
    return el("div", { class: "bar-outer", title: percent(visited, expected) }, inner);
  }
  function cookie(name) {
    const found = document.cookie.split("; ").find((c) => c.startsWith(`${name}=`));
    return found ? decodeURIComponent(found.split("=")[1]) : "";
  }
  function flash(node) { if (node) { node.classList.remove("flash"); void node.offsetWidth; node.classList.add("flash"); } }

  // ---- rendering -------------------------------------------------------------------------
  function standardsBadges(items) {
    if (!items || !items.length) return el("span", { class: "std none" }, "—");
    return items.map((s) => {
      const decisive = (s.decisive || []).map((d) => (d.indicator ? `${d.indicator}: ${d.rate ?? "—"}% (≥ ${d.min}%)` : d.flag || `${d.units_met}/${d.units}`)).join("; ");
      const title = `${s.label} — ${T.level} ${s.level}${(s.reasons || []).length ? ": " + s.reasons.join("; ") : ""}${decisive ? " · " + decisive : ""}`;
      return el("span", { class: `std ${s.met ? "met" : "not-met"}`, title, dataset: { programme: s.programme } }, `${s.programme} ${s.level}`);
    });
  }
  function standardsScore(items) { return (items || []).reduce((n, s) => n + (s.level || 0), 0); }

  function sortRows(rows, table, keyOf) {
    const { key, dir } = sorts[table];
    return rows.slice().sort((a, b) => {
      const x = keyOf(a, key), y = keyOf(b, key);
      if (typeof x === "number" && typeof y === "number") return (x - y) * dir;
      return String(x).localeCompare(String(y), "vi") * dir;
    });
  }
  function childKey(row, key) {
    if (key === "share") return share(row.visited, row.expected);
    if (key === "standards") return standardsScore(row.standards);
    if (key === "name") return row.name;
    return row[key] ?? 0;
  }
  function renderChildren() {
    const body = $("children").querySelector("tbody");
    body.replaceChildren(...sortRows(state.children, "children", childKey).map((c) => el("tr", { dataset: { code: c.code } },
      el("td", {}, c.board ? el("a", { href: c.board }, c.name) : c.name, c.signed_off ? el("span", { class: "signed", title: T.signed_off }, " ✔") : null),
      el("td", { class: "num visited" }, c.visited),
      el("td", { class: "num expected" }, c.expected),
      el("td", {}, bar(c.visited, c.expected), el("span", { class: "muted" }, percent(c.visited, c.expected))),
      el("td", { class: "num" }, c.conflicts || 0),
      el("td", { class: "num" }, c.duplicates || 0),
      el("td", { class: "standards" }, standardsBadges(c.standards)),
    )));
  }
  function renderTotals() {
    $("total-visited").textContent = state.area.visited;
    $("total-expected").textContent = state.area.expected;
    $("total-bar").style.width = `${Math.min(100, share(state.area.visited, state.area.expected) * 100)}%`;
  }
  function surveyorKey(row, key) {
    if (key === "name") return row.full_name;
    if (key === "villages") return row.villages.join(", ");
    if (key === "last_sync") return row.last_sync || "";
    if (key === "state") return row.unsynced ? 1 : 0;
    return row[key] ?? 0;
  }
  function renderSurveyors() {
    const body = $("surveyors").querySelector("tbody");
    body.replaceChildren(...sortRows(state.surveyors, "surveyors", surveyorKey).map((s) => el("tr", { dataset: { username: s.username } },
      el("td", {}, s.full_name, el("span", { class: "muted" }, ` (${s.username})`)),
      el("td", {}, s.villages.join(", ")),
      el("td", { class: "num visited" }, s.visited),
      el("td", { class: "last-sync" }, dateTime(s.last_sync)),
      el("td", { class: s.unsynced ? "unsynced" : "" }, s.unsynced ? T.unsynced : T.ok),
    )));
    const phones = state.phones_unsynced || [];
    $("unsynced-summary").textContent = `${fmt(T.unsynced_phones, { h: state.unsynced_hours })}: ${phones.length ? phones.map((p) => `${p.full_name} (${dateTime(p.last_sync)})`).join(", ") : "0"}`;
  }
  function renderQueues() {
    const q = state.queues;
    $("queues").replaceChildren(
      el("li", { id: "queue-conflicts" }, el("a", { href: q.conflicts.url }, T.conflicts), `: ${q.conflicts.open}`),
      el("li", { id: "queue-duplicates" }, el("a", { href: q.duplicates.url }, T.duplicates), `: ${q.duplicates.open}`),
    );
    const own = state.area.standards || [];
    $("own-standards").replaceChildren(...(own.length ? own.map((s) => el("li", {}, standardsBadges([s]), ` ${s.label}`, s.reasons && s.reasons.length ? el("div", { class: "muted" }, s.reasons.join("; ")) : null)) : [el("li", { class: "muted" }, T.no_figures)]));
  }
  function renderChart() {
    const days = state.days || [];
    const box = $("chart");
    if (!days.length) { box.replaceChildren(el("p", { class: "muted" }, T.nothing)); return; }
    const NS = "http://www.w3.org/2000/svg";
    const W = 600, H = 180, pad = 20;
    const max = Math.max(...days.map((d) => d.visited), 1);
    const width = (W - pad * 2) / days.length;
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    svg.setAttribute("preserveAspectRatio", "none");
    const every = Math.max(1, Math.ceil(days.length / 8));
    days.forEach((d, i) => {
      const h = ((H - pad * 2) * d.visited) / max;
      const rect = document.createElementNS(NS, "rect");
      rect.setAttribute("class", "col");
      rect.setAttribute("x", pad + i * width + 1);
      rect.setAttribute("y", H - pad - h);
      rect.setAttribute("width", Math.max(1, width - 2));
      rect.setAttribute("height", h);
      rect.dataset.day = d.day;
      const title = document.createElementNS(NS, "title");
      title.textContent = `${dayLabel(d.day)}: ${d.visited}`;
      rect.append(title);
      svg.append(rect);
      if (i % every === 0) {
        const label = document.createElementNS(NS, "text");
        label.setAttribute("x", pad + i * width);
        label.setAttribute("y", H - 5);
        label.textContent = dayLabel(d.day).slice(0, 5);
        svg.append(label);
      }
    });
    const top = document.createElementNS(NS, "text");
    top.setAttribute("x", 2);
    top.setAttribute("y", 12);
    top.textContent = String(max);
    svg.append(top);
    box.replaceChildren(svg);
  }
  function feedText(e) {
    const commune = e.commune || (e.communes || []).join(", ");
    switch (e.type) {
      case "survey.progress": {
        const a = (e.areas || {})[e.commune] || {};
        return fmt(T.ev_progress, { user: e.user || "—", commune, visited: a.visited ?? 0, expected: a.expected ?? 0 });
      }
      case "sync.seen": return fmt(T.ev_seen, { user: e.user, ops: e.ops });
      case "conflict.opened": return fmt(T.ev_conflict_opened, { commune });
      case "conflict.closed": return fmt(T.ev_conflict_closed, { commune });
      case "duplicate.queued": return fmt(T.ev_dup_queued, { pairs: e.pairs, commune });
      case "duplicate.decided": return T.ev_dup_decided;
      case "commune.signed_off": return fmt(T.ev_signed_off, { commune, user: e.user });
      case "commune.reopened": return fmt(T.ev_reopened, { commune, user: e.user, reason: e.reason });
      case "correction.after_signoff": return fmt(T.ev_correction, { commune, user: e.user, reason: e.reason });
      default: return null;
    }
  }
  function renderFeed() {
    const items = (state.activity || []).map((e) => [e, feedText(e)]).filter(([, text]) => text);
    $("feed").replaceChildren(...(items.length ? items.map(([e, text]) => el("li", { dataset: { type: e.type } }, el("time", {}, dateTime(e.at)), text)) : [el("li", { class: "muted" }, T.nothing)]));
  }
  function renderSignoff() {
    const s = state.signoff;
    const text = $("signoff-state");
    if (s.commune) {
      text.textContent = s.is_signed_off ? fmt(T.is_signed_off, { user: s.signed_by || "—", date: dateTime(s.signed_at) }) : T.not_signed_off;
      text.className = s.is_signed_off ? "signed" : "";
    } else {
      text.textContent = fmt(T.communes_signed, { n: s.signed_off, total: s.communes });
    }
    $("sign-off").hidden = !s.can_sign_off;
    $("reopen").hidden = !s.can_reopen;
  }
  function render() {
    renderTotals(); renderChildren(); renderSurveyors(); renderQueues(); renderChart(); renderFeed(); renderSignoff();
  }

  // ---- events ----------------------------------------------------------------------------
  function addFeed(event) {
    if (!feedText(event)) return;
    state.activity = [event, ...(state.activity || [])].slice(0, 30);
    renderFeed();
  }
  function applyProgress(e) {
    const mine = (e.areas || {})[code];
    if (mine) {
      state.area.visited = mine.visited;
      state.area.expected = mine.expected;
      const days = new Map((state.days || []).map((d) => [d.day, d.visited]));
      for (const [day, n] of Object.entries(mine.days || {})) days.set(day, n);
      state.days = [...days].filter(([, n]) => n > 0).sort().map(([day, visited]) => ({ day, visited }));
      for (const [username, n] of Object.entries(mine.surveyors || {})) {
        const row = state.surveyors.find((s) => s.username === username);
        if (row) row.visited = n;
      }
    }
    const below = e.commune === code ? e.villages || {} : e.areas || {};
    const touched = [];
    for (const child of state.children) {
      const update = below[child.code];
      if (update && child.code !== code) { child.visited = update.visited; child.expected = update.expected; touched.push(child.code); }
    }
    renderTotals(); renderChildren(); renderSurveyors(); renderChart();
    for (const c of touched) flash($("children").querySelector(`tr[data-code="${CSS.escape(c)}"]`));
    flash($("total-visited"));
  }
  function applySeen(e) {
    const row = state.surveyors.find((s) => s.username === e.user);
    if (row) { row.last_sync = e.at; row.unsynced = false; renderSurveyors(); }
    state.phones_unsynced = (state.phones_unsynced || []).filter((p) => p.device !== e.device);
  }
  function onEvent(e) {
    if (e.round !== undefined && e.round !== round) return;
    switch (e.type) {
      case "snapshot": state = e; render(); return;
      case "survey.progress": applyProgress(e); break;
      case "sync.seen": applySeen(e); break;
      case "conflict.opened": case "conflict.closed": case "duplicate.queued": case "duplicate.decided":
      case "indicators.refreshed": case "commune.signed_off": case "commune.reopened":
        refetchSoon(); break;
      default: break;
    }
    addFeed(e);
    root.dataset.events = String(Number(root.dataset.events || 0) + 1);
  }

  // ---- transport: websocket, polling fallback ----------------------------------------------
  function setConn(kind) {
    const node = $("conn");
    node.dataset.state = kind;
    node.textContent = T[kind] || kind;
  }
  async function refetch() {
    const response = await fetch(root.dataset.api + `?round=${round}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(String(response.status));
    state = await response.json();
    render();
    root.dataset.fetches = String(Number(root.dataset.fetches || 0) + 1);
  }
  function refetchSoon() {
    clearTimeout(refetchTimer);
    refetchTimer = setTimeout(() => refetch().catch(() => {}), 400);
  }
  function startPolling() {
    if (pollTimer || refused) return;
    setConn("polling");
    refetch().catch(() => {});
    pollTimer = setInterval(() => refetch().catch(() => {}), POLL_MS);
  }
  function stopPolling() { clearInterval(pollTimer); pollTimer = null; }
  function connect() {
    clearTimeout(retryTimer);
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    let opened = false;
    try {
      socket = new WebSocket(`${scheme}//${location.host}${root.dataset.ws}`);
    } catch {
      startPolling();
      scheduleRetry();
      return;
    }
    socket.addEventListener("open", () => { opened = true; });
    socket.addEventListener("message", (message) => {
      let data;
      try { data = JSON.parse(message.data); } catch { return; }
      if (data.type === "snapshot") {
        backoff = 1000;
        stopPolling();
        setConn("live");
        root.dataset.snapshots = String(Number(root.dataset.snapshots || 0) + 1);
      }
      onEvent(data);
    });
    socket.addEventListener("close", (event) => {
      socket = null;
      if (event.code === 4403) { refused = true; stopPolling(); setConn("refused"); return; }
      startPolling();
      scheduleRetry(opened);
    });
  }
  function scheduleRetry(wasOpen) {
    if (refused) return;
    if (wasOpen) backoff = 1000;
    retryTimer = setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, 30000);
  }
  window.addEventListener("online", () => { if (!socket) { backoff = 1000; connect(); } });

  // ---- sign-off ----------------------------------------------------------------------------
  async function post(url, body) {
    const response = await fetch(`${url}?round=${round}`, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cookie("csrftoken"), Accept: "application/json" },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    const error = $("signoff-error");
    if (!response.ok) {
      const details = Object.entries(data.errors || {}).map(([k, v]) => `${k}: ${[].concat(v).join(" ")}`).join("; ");
      error.textContent = `${T.error} ${data.message || response.status} ${details}`;
      error.hidden = false;
      return;
    }
    error.hidden = true;
    state.signoff = data.signoff;
    renderSignoff();
  }
  $("sign-off").addEventListener("click", () => {
    if (!window.confirm(T.confirm_sign_off)) return;
    const note = window.prompt(T.note_prompt, "");
    if (note === null) return;
    post(state.signoff.sign_off_url, { note });
  });
  $("reopen").addEventListener("click", () => {
    const reason = window.prompt(T.reason_prompt, "");
    if (reason === null) return;
    post(state.signoff.reopen_url, { reason });
  });

  // ---- sorting -----------------------------------------------------------------------------
  for (const table of ["children", "surveyors"]) {
    $(table).querySelectorAll("th[data-sort]").forEach((th) => {
      th.addEventListener("click", () => {
        const sort = sorts[table];
        sort.dir = sort.key === th.dataset.sort ? -sort.dir : 1;
        sort.key = th.dataset.sort;
        $(table).querySelectorAll("th").forEach((h) => h.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", sort.dir > 0 ? "ascending" : "descending");
        if (table === "children") renderChildren(); else renderSurveyors();
      });
    });
  }

  render();
  connect();
})();
