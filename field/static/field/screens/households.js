// A village's households: search without diacritics, filters, badges; "+" adds a household.

import { t } from "../i18n.js";
import { searchText } from "../store.js";
import { compareNames, compareNumbers, fold } from "../text.js";
import { h } from "../ui.js";

const FILTERS = [
  ["all", () => t("All")],
  ["not-visited", () => t("Not surveyed")],
  ["conflicts", () => t("Conflicts")],
  ["pending", () => t("Not synced")],
  ["errors", () => t("Errors")],
];

function headOf(household) {
  const living = household.members.filter((m) => !m._deleted);
  const head = living.find((m) => m.relation === "head");
  return head || [...living].sort((a, b) => compareNames(a.full_name, b.full_name))[0] || null;
}

async function load(app, code) {
  const [households, outbox, conflicts, drafts] = await Promise.all([
    app.store.village(code), app.store.outbox(), app.store.conflicts(), app.store.drafts(),
  ]);
  const known = new Set(households.map((hh) => hh.id));
  // A new household left before its first save is still here, as a draft.
  const unsaved = drafts.filter((d) => d.isNew && !known.has(d.id) && d.household.village === code)
    .map((d) => ({ id: d.id, ...d.household, members: d.members, _draft: true }));
  return {
    pending: new Set(outbox.map((e) => e.household_id)),
    conflicted: new Set(conflicts.filter((c) => !c.decided).map((c) => c.household_id)),
    drafted: new Set(drafts.map((d) => d.id)),
    rows: [...households.filter((hh) => !hh._deleted), ...unsaved].map((hh) => ({
      hh, search: searchText(hh), head: headOf(hh),
      visited: !!(hh.visit && hh.visit.date),
      errors: !!(hh._errors || hh.members.some((m) => m._errors)),
    })).sort((a, b) => compareNumbers(a.hh.number, b.hh.number)),
  };
}

export async function renderHouseholds(app, code) {
  performance.mark("roster-open-start");
  let data = await load(app, code);
  const village = (app.user.villages || []).find((v) => v.code === code) || { code, name: code };
  const state = { q: sessionStorage.getItem(`q:${code}`) || "", filter: sessionStorage.getItem(`f:${code}`) || "all" };
  const list = h("ul.list#household-list");
  const summary = h("p.muted#household-summary");

  const keep = {
    all: () => true,
    "not-visited": (r) => !r.visited,
    conflicts: (r) => data.conflicted.has(r.hh.id),
    pending: (r) => data.pending.has(r.hh.id),
    errors: (r) => r.errors,
  };
  function draw() {
    const { rows, pending, drafted, conflicted } = data;
    const words = fold(state.q).split(" ").filter(Boolean);
    const shown = rows.filter((r) => keep[state.filter](r) && words.every((w) => r.search.includes(w)));
    summary.textContent = t("%(shown)d of %(total)d households", { shown: shown.length, total: rows.length });
    list.replaceChildren(...shown.map((r) => h("li.row", h("a.household", { href: `#/h/${r.hh.id}`, dataset: { id: r.hh.id, number: r.hh.number } },
      h("strong.number", r.hh.number),
      h("span.name", r.head ? r.head.full_name : t("(no members)")),
      h("span.muted.address", r.hh.address || ""),
      h("span.badges",
        h("span.badge", t("%(n)d people", { n: r.hh.members.filter((m) => !m._deleted).length })),
        r.visited ? h("span.badge.ok", t("Surveyed")) : h("span.badge.todo", t("Not surveyed")),
        pending.has(r.hh.id) ? h("span.badge.pending", t("Not synced")) : null,
        drafted.has(r.hh.id) ? h("span.badge.pending", t("Draft")) : null,
        conflicted.has(r.hh.id) ? h("span.badge.conflict", t("Conflict")) : null,
        r.errors ? h("span.badge.error", t("Error")) : null)))));
  }
  const search = h("input#search", {
    type: "search", placeholder: t("Search by name, number or address (no accents needed)"), value: state.q,
    "aria-label": t("Search"),
    oninput: () => { state.q = search.value; sessionStorage.setItem(`q:${code}`, state.q); draw(); },
  });
  const chips = h("div.chips#filters", FILTERS.map(([key, label]) => h("button.chip", {
    type: "button", "aria-pressed": String(state.filter === key), dataset: { filter: key },
    onclick: (event) => {
      state.filter = key;
      sessionStorage.setItem(`f:${code}`, key);
      for (const chip of chips.children) chip.setAttribute("aria-pressed", String(chip === event.currentTarget));
      draw();
    },
  }, label())));
  draw();
  const view = h("section#households",
    h("h1", village.name),
    search, chips, summary, list,
    h("a.fab#add-household", { href: `#/new/${encodeURIComponent(code)}`, "aria-label": t("Add a household") }, "+"));
  // The sync's results (receipts, errors, conflicts, new households) show without leaving the list.
  const stop = app.store.onChange(async (what) => {
    if (!view.isConnected) { stop(); return; }
    if (["push", "pull", "conflicts", "resolve"].includes(what)) { data = await load(app, code); draw(); }
  });
  requestAnimationFrame(() => {
    performance.mark("roster-open-end");
    performance.measure("roster-open", "roster-open-start", "roster-open-end");
    view.dataset.ready = "1";
  });
  return view;
}
