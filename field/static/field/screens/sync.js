// Sync status, the outbox, the backup file (export / import), storage and app version.

import { t, language } from "../i18n.js";
import { formatDateTime } from "../text.js";
import { download, h, toast } from "../ui.js";
import { appVersion, applyUpdate, signOut, switchLanguage } from "../app.js";

const KINDS = () => ({
  "household.upsert": t("Household changed"), "household.delete": t("Household deleted"),
  "resident.upsert": t("Person changed"), "resident.delete": t("Person removed"), "visit.record": t("Visit recorded"),
});

export async function renderSync(app) {
  const [outbox, photos, households, version] = await Promise.all([
    app.store.outbox(), app.store.photos(), app.store.households(), appVersion(),
  ]);
  const numbers = new Map(households.map((hh) => [hh.id, hh.number]));
  const state = app.sync.state;
  const waitingPhotos = photos.filter((p) => p.blob && !p.uploaded);
  let persisted = null;
  if (navigator.storage && navigator.storage.persisted) persisted = await navigator.storage.persisted();
  const lastPull = await app.store.meta("last_pull");
  const kinds = KINDS();
  const restoreInput = h("input#restore-input", {
    type: "file", accept: "application/json,.json", hidden: true,
    onchange: async () => {
      try {
        const added = await app.store.restore(JSON.parse(await restoreInput.files[0].text()));
        toast(t("%(n)d changes added from the backup file.", { n: added }), "ok");
        app.refresh();
      } catch {
        toast(t("This is not a backup file of the app."), "error");
      }
    },
  });
  return h("section#sync-screen",
    h("h1", t("Sync and backup")),
    h("p#unsynced", t("Changes not on the server yet: %(n)d", { n: outbox.length + waitingPhotos.length })),
    h("p.muted", lastPull ? t("Last download from the server: %(time)s", { time: formatDateTime(lastPull) }) : t("Nothing downloaded yet.")),
    state.phase === "waiting" && state.nextAt ? h("p.note", t("The last attempt failed; trying again at %(time)s.", { time: formatDateTime(state.nextAt) })) : null,
    h("button.primary#sync-now", { type: "button", onclick: () => app.sync.sync({ manual: true, reason: "button" }).then(() => app.refresh()) }, t("Sync now")),
    h("h2", t("Waiting to be sent")),
    outbox.length || waitingPhotos.length ? h("ul.list#outbox-list",
      outbox.map((e) => h("li.row.outbox-entry", { dataset: { kind: e.op ? e.op.kind : "resolve" } },
        h("strong", e.op ? kinds[e.op.kind] : t("Conflict decision")),
        h("span", ` · ${t("household %(n)s", { n: numbers.get(e.household_id) || "?" })}`),
        h("span.muted", ` · ${formatDateTime(e.created)}`),
        e.attempts ? h("span.muted", ` · ${t("%(n)d attempts", { n: e.attempts })}`) : null)),
      waitingPhotos.map((p) => h("li.row", h("strong", t("Photo of the signed form")), h("span", ` · ${t("household %(n)s", { n: numbers.get(p.household) || "?" })}`))))
      : h("p.muted", t("Nothing: everything is on the server.")),
    h("h2", t("Backup")),
    h("p.muted", t("If syncing keeps failing, save a backup file and give it to your commune officer. It holds every change not yet on the server.")),
    h("button#save-backup", {
      type: "button",
      onclick: async () => {
        const backup = await app.store.backup();
        const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, "");
        download(`pcgd-sao-luu-${app.user.username}-${stamp}.json`, JSON.stringify(backup, null, 1));
        toast(t("Backup file saved."), "ok");
      },
    }, t("Save a backup file")),
    h("button#load-backup", { type: "button", onclick: () => restoreInput.click() }, t("Load a backup file")),
    restoreInput,
    h("h2", t("This phone")),
    h("p#storage-state", persisted === null ? "" : persisted ? t("Storage is protected: the browser will not clear it to free space.") : t("Storage is not protected yet: keep the app installed and used.")),
    h("p.muted#app-version", t("App version: %(v)s", { v: version || "—" })),
    app.updateReady ? h("button#update-now", { type: "button", onclick: applyUpdate }, t("Update now")) : null,
    h("p", h("a#conflicts-link", { href: "#/conflicts" }, t("Conflicts"))),
    h("button.link#switch-language", { type: "button", onclick: switchLanguage }, language() === "vi" ? "English" : "Tiếng Việt"),
    h("p.muted", t("Signed in as %(name)s", { name: app.user.full_name || app.user.username })),
    h("button#sign-out", { type: "button", onclick: signOut }, t("Sign out")));
}
