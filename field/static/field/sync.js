// The sync engine: push the outbox in batches, send conflict decisions, pull the
// change feed, upload photos. Automatic when online, and on the "Đồng bộ" button.
//
// Nothing is removed from the outbox before the server has answered for it: a
// request that fails (network drop, timeout, 5xx, 429/503) leaves every operation
// in place, and the same operations (same op_id) go again later, so the server
// applies each exactly once. Retries back off exponentially with full jitter and
// honour Retry-After. Only one tab syncs at a time (Web Locks).

import { call, HttpError, NetworkError, serverTime } from "./api.js";

export const MAX_OPS = 200;
export const MAX_BYTES = 1_500_000; // below the server's 2 MB, JSON overhead included
const PULL_LIMIT = 500;
const BASE_DELAY = 2000;
const MAX_DELAY = 5 * 60 * 1000;
const PERIODIC = 5 * 60 * 1000;

/** Exponential backoff with full jitter; Retry-After (seconds) is a floor. */
export function backoffDelay(attempt, retryAfter = null, random = Math.random) {
  const ceiling = Math.min(MAX_DELAY, BASE_DELAY * 2 ** Math.min(attempt, 16));
  const jittered = Math.round(ceiling / 2 + random() * (ceiling / 2));
  return retryAfter !== null && retryAfter !== undefined ? Math.max(retryAfter * 1000, 0) + Math.round(random() * 1000) : jittered;
}

export class SyncEngine {
  constructor(store, { onState } = {}) {
    this.store = store;
    this.onState = onState || (() => {});
    this.state = { phase: "idle", attempt: 0, nextAt: null, lastAt: null, error: null, progress: null };
    this.timer = null;
    this.running = null;
  }

  set(patch) {
    this.state = { ...this.state, ...patch };
    this.onState(this.state);
  }

  start() {
    window.addEventListener("online", () => this.sync({ reason: "online" }));
    window.addEventListener("offline", () => this.set({ phase: "offline" }));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.sync({ reason: "visible" });
    });
    this.store.onChange((what) => {
      if (what === "save" || what === "resolve" || what === "photo" || what === "restore") this.soon();
    });
    setInterval(() => this.sync({ reason: "periodic" }), PERIODIC);
    if (!navigator.onLine) this.set({ phase: "offline" });
  }

  /** Sync shortly (after a save: several saves in a row become one push). */
  soon() {
    clearTimeout(this.soonTimer);
    this.scheduled = true;
    this.soonTimer = setTimeout(() => { this.scheduled = false; this.sync({ reason: "change" }); }, 800);
  }

  /** Nothing running or about to run (the browser tests wait for this). */
  get quiet() {
    return !this.running && !this.scheduled && this.state.phase !== "syncing";
  }

  /** Run one sync now. manual: the button, which also skips a pending backoff. */
  sync({ manual = false, reason = "" } = {}) {
    if (!navigator.onLine) { this.set({ phase: "offline" }); return Promise.resolve(false); }
    if (this.state.phase === "signed-out") return Promise.resolve(false);
    if (!manual && this.state.nextAt && Date.now() < this.state.nextAt) return Promise.resolve(false);
    if (this.running) return this.running;
    clearTimeout(this.timer);
    const run = async () => {
      try {
        await this.runOnce(reason);
        this.set({ phase: "idle", attempt: 0, nextAt: null, lastAt: new Date().toISOString(), error: null, progress: null });
        return true;
      } catch (error) {
        this.failed(error);
        return false;
      } finally {
        this.running = null;
      }
    };
    const locked = navigator.locks
      ? navigator.locks.request(`pcgd-sync:${this.store.username}`, { ifAvailable: true }, (lock) => (lock ? run() : false))
      : run();
    this.running = locked;
    return locked;
  }

  failed(error) {
    if (error instanceof HttpError && (error.status === 401 || error.status === 403)) {
      this.set({ phase: "signed-out", error: error.message, progress: null });
      return;
    }
    const attempt = this.state.attempt + 1;
    const retryAfter = error instanceof HttpError ? error.retryAfter : null;
    const delay = backoffDelay(attempt - 1, retryAfter);
    const kind = error instanceof NetworkError ? "network" : error instanceof HttpError ? `http-${error.status}` : "error";
    this.set({ phase: "waiting", attempt, nextAt: Date.now() + delay, error: kind, progress: null });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.sync({ reason: "retry" }), delay);
  }

  async runOnce() {
    this.set({ phase: "syncing", error: null });
    await this.push();
    await this.resolve();
    await this.pull();
    await this.fetchConflicts();
    await this.uploadPhotos();
  }

  // --- push --------------------------------------------------------------------------------
  async push() {
    const device = await this.store.device();
    const round = await this.store.meta("round");
    const skip = new Set(); // answered "retry later" in this run
    let limit = MAX_OPS;
    for (;;) {
      const entries = (await this.store.outbox()).filter((e) => e.type === "op" && !skip.has(e.seq));
      if (!entries.length) return;
      const batch = [];
      let bytes = 0;
      for (const entry of entries) {
        const size = JSON.stringify(entry.op).length * 3; // worst case for UTF-8
        if (batch.length >= limit || (batch.length && bytes + size > MAX_BYTES)) break;
        batch.push(entry);
        bytes += size;
      }
      let reply;
      try {
        reply = await call("POST", "/api/sync/push", { json: { device, round, ops: batch.map((e) => e.op) } });
      } catch (error) {
        if (error instanceof HttpError && error.status === 413 && limit > 1) { limit = Math.max(1, Math.floor(batch.length / 2)); continue; }
        throw error;
      }
      await this.store.applyPushResults(batch, reply.data.results, serverTime(reply.response));
      for (const entry of batch) {
        const result = reply.data.results.find((r) => r.op_id === entry.op.op_id);
        if (!result || (result.status === "rejected" && result.retry)) skip.add(entry.seq);
      }
    }
  }

  // --- conflict decisions --------------------------------------------------------------------
  async resolve() {
    for (const entry of (await this.store.outbox()).filter((e) => e.type === "resolve")) {
      try {
        await call("POST", `/api/sync/conflicts/${entry.conflict_id}/resolve`, { json: entry.body });
      } catch (error) {
        // Already decided (400 on status) or no longer ours (404): final, drop it.
        if (!(error instanceof HttpError) || ![400, 404].includes(error.status)) throw error;
      }
      await this.store.resolutionDone(entry);
    }
  }

  // --- pull ----------------------------------------------------------------------------------
  async pull() {
    const device = await this.store.device();
    let cursor = await this.store.meta("cursor", 0);
    const first = cursor === 0;
    let total = null;
    let received = 0;
    if (first) {
      try { const size = (await call("GET", "/api/field/roster-size")).data; total = size.households + size.residents; } catch { total = null; }
      this.set({ progress: { received: 0, total } });
    }
    for (;;) {
      const round = await this.store.meta("round");
      const query = new URLSearchParams({ cursor, limit: PULL_LIMIT, device });
      if (round) query.set("round", round);
      const { data } = await call("GET", `/api/sync/pull?${query}`);
      await this.store.applyPull(data);
      received += data.changes.length;
      cursor = data.cursor;
      if (first || data.reset) this.set({ progress: { received, total } });
      if (!data.more) {
        await this.store.keepVillages(data.villages);
        await this.store.setMeta("last_pull", new Date().toISOString());
        this.store.changed("pull");
        return;
      }
    }
  }

  async fetchConflicts() {
    const list = [];
    let url = "/api/sync/conflicts/?status=open&page_size=200";
    while (url) {
      const { data } = await call("GET", url);
      list.push(...data.results);
      url = data.next ? new URL(data.next, location.origin).pathname + new URL(data.next, location.origin).search : null;
    }
    const pending = new Set((await this.store.outbox()).filter((e) => e.type === "resolve").map((e) => e.conflict_id));
    await this.store.replaceConflicts(list.filter((c) => !pending.has(c.id)));
    this.store.changed("conflicts");
  }

  // --- photos ----------------------------------------------------------------------------------
  async uploadPhotos() {
    const pendingHouseholds = new Set((await this.store.outbox()).map((e) => e.household_id));
    const round = await this.store.meta("round");
    for (const photo of (await this.store.photos()).filter((p) => p.blob && !p.uploaded && !p.error)) {
      if (pendingHouseholds.has(photo.household)) continue; // the household must reach the server first
      const form = new FormData();
      form.append("id", photo.id);
      if (round) form.append("round", round);
      form.append("photo", photo.blob, `${photo.id}.jpg`);
      try {
        const reply = await call("POST", `/api/households/${photo.household}/photos/`, { form, timeout: 120000 });
        await this.store.photoUploaded(photo, serverTime(reply.response));
      } catch (error) {
        if (error instanceof HttpError && [400, 404, 413].includes(error.status)) {
          await this.store.photoFailed(photo, error.body.errors || { photo: [error.message] });
          continue;
        }
        throw error;
      }
    }
  }
}
