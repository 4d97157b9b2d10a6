// The surveyor's villages with this round's progress (visited / total households).

import { t } from "../i18n.js";
import { h, progressBar } from "../ui.js";

export async function renderVillages(app) {
  const households = (await app.store.households()).filter((hh) => !hh._deleted);
  const villages = app.user.villages || [];
  const known = new Set(villages.map((v) => v.code));
  const extra = [...new Set(households.map((hh) => hh.village))].filter((code) => !known.has(code))
    .map((code) => ({ code, name: code, commune_name: "" }));
  const stats = new Map();
  for (const hh of households) {
    const entry = stats.get(hh.village) || { total: 0, visited: 0 };
    entry.total += 1;
    if (hh.visit && hh.visit.date && (!hh.visit.round || hh.visit.round === app.round)) entry.visited += 1;
    stats.set(hh.village, entry);
  }
  const progress = app.sync && app.sync.state.progress;
  const cursor = await app.store.meta("cursor", 0);
  return h("section#villages",
    h("h1", t("Villages")),
    h("p.muted", t("Round %(y1)d–%(y2)d", { y1: app.round, y2: app.round + 1 })),
    progress ? h("div.card#download",
      h("p", t("Downloading the roster: %(n)d records", { n: progress.received }) + (progress.total ? ` / ${progress.total}` : "")),
      progressBar(progress.received, progress.total || progress.received || 1, t("Download"))) : null,
    !cursor && !progress ? h("p.note", navigator.onLine ? t("The roster is downloading…") : t("Connect to download the roster of your villages.")) : null,
    h("ul.list#village-list", [...villages, ...extra].map((village) => {
      const s = stats.get(village.code) || { total: 0, visited: 0 };
      return h("li.row", h("a.village", { href: `#/v/${encodeURIComponent(village.code)}`, dataset: { code: village.code } },
        h("strong", village.name), h("span.muted", ` ${village.commune_name || ""}`),
        h("span.count", t("Visited %(done)d / %(total)d", { done: s.visited, total: s.total })),
        progressBar(s.visited, s.total || 1, t("Visited"))));
    })),
    !villages.length && !extra.length ? h("p", t("You have no village assigned yet. Ask your commune officer.")) : null);
}
