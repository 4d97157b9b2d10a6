// The field app: boot, sign-in, routing, the header, the service worker and updates.
// Plain ES modules, no build step (docs/field-app.md).

import { call, HttpError } from "./api.js";
import { language, loadLanguage, t } from "./i18n.js";
import { Rules } from "./rules.js";
import { Store } from "./store.js";
import { SyncEngine } from "./sync.js";
import { h, mount, toast } from "./ui.js";
import { renderLogin } from "./screens/login.js";
import { renderVillages } from "./screens/villages.js";
import { renderHouseholds } from "./screens/households.js";
import { renderHousehold } from "./screens/household.js";
import { flushDraft } from "./draft.js";
import { renderMember } from "./screens/member.js";
import { renderSync } from "./screens/sync.js";
import { renderConflicts, renderConflict } from "./screens/conflicts.js";

const USER_KEY = "pcgd-field-user";
const root = document.getElementById("app");

export const app = {
  user: null, store: null, rules: null, round: null, sync: null, session: "unknown", registration: null,
  updateReady: false, version: null,
  navigate(hash) { if (location.hash === hash) route(); else location.hash = hash; },
  refresh: () => route(),
  header: () => renderHeader(),
};
window.pcgdApp = app; // for the browser tests and the benchmark

// --- service worker: offline shell and updates --------------------------------------------
async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  // The first install takes control without a reload; a later change of worker is an
  // update the surveyor accepted: reload onto the new shell.
  let controlled = !!navigator.serviceWorker.controller;
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!controlled) { controlled = true; return; }
    if (reloading) return;
    reloading = true;
    location.reload();
  });
  const registration = await navigator.serviceWorker.register("/serviceworker.js", { scope: "/field/", updateViaCache: "none" });
  app.registration = registration;
  const check = () => {
    if (registration.waiting && navigator.serviceWorker.controller) { app.updateReady = true; renderHeader(); }
  };
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    if (worker) worker.addEventListener("statechange", () => { if (worker.state === "installed") check(); });
  });
  check();
  const update = () => { if (navigator.onLine) registration.update().catch(() => {}); };
  window.addEventListener("online", update);
  setInterval(update, 30 * 60 * 1000);
}

export async function applyUpdate() {
  await flushDraft(); // the open form is in IndexedDB before the page reloads
  const waiting = app.registration && app.registration.waiting;
  if (waiting) waiting.postMessage({ type: "SKIP_WAITING" });
}

export async function appVersion() {
  const worker = navigator.serviceWorker && navigator.serviceWorker.controller;
  if (!worker) return null;
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data.version);
    worker.postMessage({ type: "VERSION" }, [channel.port2]);
    setTimeout(() => resolve(null), 1000);
  });
}

// --- the rules and the signed-in user ----------------------------------------------------------
async function loadRules(store) {
  const lang = language();
  try {
    const response = await fetch(`/api/rules?lang=${lang}`);
    if (!response.ok) throw new Error(String(response.status));
    const spec = await response.json();
    store.setMeta(`rules:${lang}`, spec).catch(() => {}); // the fallback copy, written in the background
    return spec;
  } catch {
    const saved = await store.meta(`rules:${lang}`);
    if (saved) return saved;
    throw new Error("rules unavailable");
  }
}

async function setRules() {
  const spec = await loadRules(app.store);
  app.round = (await app.store.meta("round")) || app.user.round;
  app.rules = new Rules(spec, app.round);
  app.store.memberFields = Object.keys(spec.member.fields).filter((key) => key !== "id");
}

export async function startApp(user) {
  if (app.store && app.store.username !== user.username) { app.store.db.close(); app.store = null; }
  app.rules = null;
  const store = app.store || (await Store.open(user.username));
  if (!(await store.meta("round")) && user.round) await store.setMeta("round", user.round);
  app.store = store;
  app.user = user;
  await setRules();
  let downloading = false;
  app.sync = new SyncEngine(app.store, {
    onState: (state) => {
      renderHeader();
      if ((state.progress || downloading) && onVillages()) route();
      downloading = !!state.progress;
    },
  });
  app.sync.start();
  app.store.onChange((what) => {
    renderHeader();
    if (["pull", "conflicts", "resolve", "push"].includes(what) && onLiveScreen()) route();
  });
  route();
  const first = (await app.store.meta("cursor", 0)) === 0;
  if (navigator.onLine && app.session !== "expired") app.sync.sync({ reason: first ? "first" : "open" });
  window.addEventListener("pagehide", () => { flushDraft(); });
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") flushDraft(); });
}

const onVillages = () => !location.hash || location.hash === "#/" || location.hash === "#";
// Screens that show the sync's results and hold no input: redrawn when the store changes.
const onLiveScreen = () => onVillages() || location.hash === "#/conflicts" || location.hash === "#/sync";

/** After signing in (online): remember the user, ask the browser to keep our storage. */
export async function signedIn(user, round) {
  const saved = { ...user, round };
  localStorage.setItem(USER_KEY, JSON.stringify(saved));
  app.session = "ok";
  if (navigator.storage && navigator.storage.persist) {
    try { app.persisted = await navigator.storage.persist(); } catch { app.persisted = false; }
  }
  if (app.sync && app.user && app.user.username === user.username) {
    app.user = saved;
    app.sync.set({ phase: "idle", nextAt: null, attempt: 0 });
    app.sync.sync({ manual: true, reason: "signin" });
    location.hash = "#/";
    route();
    return;
  }
  if (app.user) { // another person on this phone: start clean on their own database
    location.hash = "#/";
    location.reload();
    return;
  }
  location.hash = "#/";
  await startApp(saved);
}

export async function signOut() {
  const pending = app.store ? await app.store.pendingCount() : 0;
  if (pending && !confirm(t("%(n)d changes are not on the server yet. They stay on this phone and are sent after you sign in again. Sign out?", { n: pending }))) return;
  try { await call("DELETE", "/field/session"); } catch { /* offline: the session ends on the server later */ }
  localStorage.removeItem(USER_KEY);
  location.hash = "#/";
  location.reload();
}

export async function switchLanguage() {
  await loadLanguage(language() === "vi" ? "en" : "vi");
  if (app.store) {
    await setRules();
  }
  route();
}

async function checkSession() {
  try {
    const { data } = await call("GET", "/field/session");
    if (data.user && app.user && data.user.username === app.user.username) {
      app.session = "ok";
      const saved = { ...app.user, ...data.user, round: data.round };
      app.user = saved;
      localStorage.setItem(USER_KEY, JSON.stringify(saved));
    } else if (app.user) {
      app.session = "expired";
      if (app.sync) app.sync.set({ phase: "signed-out" });
    }
    renderHeader();
    return data;
  } catch (error) {
    if (error instanceof HttpError) throw error;
    return null; // offline
  }
}

// --- header and routing -------------------------------------------------------------------------
let headerEl = null;
let mainEl = null;

async function renderHeader() {
  if (!headerEl || !app.store) return;
  const pending = await app.store.pendingCount();
  const conflicts = (await app.store.conflicts()).filter((c) => !c.decided).length;
  const state = app.sync ? app.sync.state : { phase: "idle" };
  const phaseText = {
    idle: state.lastAt ? t("Synced") : "",
    syncing: t("Syncing…"),
    waiting: t("Will retry soon"),
    offline: t("Offline"),
    "signed-out": t("Sign in again to sync"),
  }[state.phase] || "";
  const banners = [];
  if (app.updateReady) {
    banners.push(h("div.banner.update#update-banner", t("A new version of the app is ready."),
      h("button.small#update-button", { onclick: applyUpdate }, t("Update now"))));
  }
  if (state.phase === "signed-out" || app.session === "expired") {
    // The server's own words too (e.g. "change your password first" for a new account).
    const said = state.phase === "signed-out" && state.error ? h("span.muted#session-reason", state.error) : null;
    banners.push(h("div.banner.warn#session-banner", t("Your session has ended. Your work is safe on this phone."), said,
      h("button.small", { onclick: () => app.navigate("#/login") }, t("Sign in"))));
  }
  mount(headerEl,
    h("div.topbar",
      location.hash && location.hash !== "#/" ? h("button.icon#back", { "aria-label": t("Back"), onclick: () => history.back() }, "‹") : null,
      h("a.brand", { href: "#/" }, t("PCGD-XMC survey")),
      h("button.sync#sync-button", { "data-phase": state.phase, onclick: () => app.sync && app.sync.sync({ manual: true, reason: "button" }) },
        t("Sync"), h("span.badge#pending-count", { "data-count": pending }, String(pending))),
      h("a.icon#menu", { href: "#/sync", "aria-label": t("Sync and backup") }, "☰")),
    h("div.status#sync-status", { "data-phase": state.phase },
      phaseText,
      state.progress ? ` · ${t("Downloading the roster: %(n)d records", { n: state.progress.received })}` : "",
      conflicts ? h("a.conflict-link#conflict-link", { href: "#/conflicts" }, ` · ${t("%(n)d conflicts to decide", { n: conflicts })}`) : ""),
    banners);
}

const ROUTES = [
  [/^#\/login$/, () => renderLogin(app, { again: true })],
  [/^#\/v\/([^/]+)$/, (m) => renderHouseholds(app, decodeURIComponent(m[1]))],
  [/^#\/new\/([^/]+)$/, (m) => renderHousehold(app, null, decodeURIComponent(m[1]))],
  [/^#\/h\/([^/]+)\/m\/([^/]+)$/, (m) => renderMember(app, m[1], m[2])],
  [/^#\/h\/([^/]+)$/, (m) => renderHousehold(app, m[1])],
  [/^#\/sync$/, () => renderSync(app)],
  [/^#\/conflicts$/, () => renderConflicts(app)],
  [/^#\/conflicts\/([^/]+)$/, (m) => renderConflict(app, m[1])],
  [/^(#\/?)?$/, () => renderVillages(app)],
];

let routing = Promise.resolve();
export function route() {
  routing = routing.then(async () => {
    if (!app.user || !app.store || !app.rules) return;
    if (!headerEl) {
      headerEl = h("header#header");
      mainEl = h("main#main");
      mount(root, headerEl, mainEl);
    }
    const hash = location.hash || "#/";
    for (const [pattern, render] of ROUTES) {
      const match = hash.match(pattern);
      if (!match) continue;
      const view = await render(match);
      mount(mainEl, view);
      break;
    }
    renderHeader();
    window.scrollTo(0, 0);
  }).catch((error) => {
    console.error(error); // eslint-disable-line no-console
    toast(t("Something went wrong: %(error)s", { error: error.message }), "error");
  });
  return routing;
}

window.addEventListener("hashchange", () => {
  flushDraft().finally(route);
});

async function boot() {
  registerServiceWorker().catch(() => {});
  const saved = JSON.parse(localStorage.getItem(USER_KEY) || "null");
  if (saved) {
    // The texts and the database open side by side: the roster is on screen sooner.
    const [, store] = await Promise.all([loadLanguage(), Store.open(saved.username)]);
    app.store = store;
    await startApp(saved);
    if (navigator.onLine) checkSession().catch(() => {});
    return;
  }
  await loadLanguage();
  let session = null;
  if (navigator.onLine) session = await checkSession().catch(() => null);
  if (session && session.user) {
    await signedIn(session.user, session.round);
    return;
  }
  mount(root, await renderLogin(app, { again: false }));
}

boot().catch((error) => {
  mount(root, h("div.card", h("p.error", t("The app could not start: %(error)s", { error: error.message }))));
});
