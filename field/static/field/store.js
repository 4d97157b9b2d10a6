// The local store: the roster, local edits and the outbox, kept consistent in IndexedDB.
//
// A record holds its current values (what the surveyor sees) plus what the server
// last said: _v (its version, null until the server has it), _base (its fields at
// that version: the "base" of the next operation), _receipt (when the server
// confirmed this phone's last change) and _errors (a change the server refused).
// Saving a household writes the records and their operations in ONE transaction:
// either both are on disk or neither is.

import { byIndex, count, del, get, getAll, openDb, put, transact } from "./db.js";
import { fold } from "./text.js";

export const HOUSEHOLD_FIELDS = ["village", "number", "address", "residence", "phone", "note"];

const canonical = (value) => JSON.stringify(value, (key, v) =>
  v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v);
export const same = (a, b) => canonical(a === undefined ? null : a) === canonical(b === undefined ? null : b);
export const pick = (record, keys) => Object.fromEntries(keys.map((k) => [k, record ? (record[k] === undefined ? null : record[k]) : null]));

export function uuid() {
  return crypto.randomUUID ? crypto.randomUUID() : "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
    (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16));
}

function changed(before, after) {
  return Object.fromEntries(Object.entries(after).filter(([k, v]) => !before || !same(before[k], v)));
}

export class Store {
  constructor(db, username) {
    this.db = db;
    this.username = username;
    this.memberFields = [];
    this.listeners = new Set();
  }

  static async open(username) {
    return new Store(await openDb(username), username);
  }

  onChange(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }
  changed(what) { for (const fn of this.listeners) fn(what); }

  // --- meta ----------------------------------------------------------------------------
  async meta(key, fallback = null) {
    const row = await transact(this.db, ["meta"], "readonly", (s) => get(s.meta, key));
    return row ? row.value : fallback;
  }

  setMeta(key, value) {
    return transact(this.db, ["meta"], "readwrite", (s) => put(s.meta, { key, value }));
  }

  async device() {
    let id = await this.meta("device");
    if (!id) { id = uuid(); await this.setMeta("device", id); }
    return id;
  }

  // --- reading ---------------------------------------------------------------------------
  households() {
    return transact(this.db, ["households"], "readonly", (s) => getAll(s.households));
  }

  /** A village's households with their members, for the list (one transaction). */
  village(code) {
    return transact(this.db, ["households", "residents"], "readonly", async (s) => {
      const households = await byIndex(s.households, "village", code);
      const lists = await Promise.all(households.map((h) => byIndex(s.residents, "household", h.id)));
      return households.map((h, i) => ({ ...h, members: lists[i] }));
    });
  }

  household(id) {
    return transact(this.db, ["households", "residents", "drafts", "photos"], "readonly", async (s) => ({
      household: await get(s.households, id),
      members: await byIndex(s.residents, "household", id),
      draft: await get(s.drafts, id),
      photos: await byIndex(s.photos, "household", id),
    }));
  }

  outbox() {
    return transact(this.db, ["outbox"], "readonly", (s) => getAll(s.outbox));
  }

  async pendingCount() {
    return transact(this.db, ["outbox", "photos"], "readonly", async (s) =>
      (await count(s.outbox)) + (await getAll(s.photos)).filter((p) => !p.uploaded).length);
  }

  conflicts() {
    return transact(this.db, ["conflicts"], "readonly", (s) => getAll(s.conflicts));
  }

  drafts() {
    return transact(this.db, ["drafts"], "readonly", (s) => getAll(s.drafts));
  }

  // --- drafts: the open form, saved on every change ------------------------------------------
  saveDraft(draft) {
    return transact(this.db, ["drafts"], "readwrite", (s) => put(s.drafts, { ...draft, updated: Date.now() }));
  }

  dropDraft(id) {
    return transact(this.db, ["drafts"], "readwrite", (s) => del(s.drafts, id));
  }

  // --- saving a household: records + operations, atomically ----------------------------------
  /**
   * Save a draft {id, household: {fields…, visit}, members: [{id, fields…}], removed: [member ids]}
   * (already checked against the rules). Returns the operations queued.
   */
  async saveHousehold(draft) {
    const ops = await transact(this.db, ["households", "residents", "outbox", "drafts"], "readwrite", async (s) => {
      const queued = [];
      const at = Date.now();
      const queue = (kind, record, data, extra = {}) => {
        const known = record && record._v !== null && record._v !== undefined;
        const op = {
          op_id: uuid(), kind, entity_id: extra.entity_id || record.id, base_version: known ? record._v : null,
          base: known ? pick(record._base, Object.keys(data)) : {}, data, at,
        };
        queued.push(op);
        return put(s.outbox, {
          type: "op", op, entity_id: op.entity_id, entity: kind.split(".")[0], household_id: draft.id, created: at, attempts: 0,
        });
      };
      const existing = await get(s.households, draft.id);
      const fields = pick(draft.household, HOUSEHOLD_FIELDS);
      const household = { ...(existing || { id: draft.id, _v: null, _base: null, visit: null }), ...fields, _errors: null };
      const hChanged = changed(existing && pick(existing, HOUSEHOLD_FIELDS), fields);
      // Never on the server and refused there: saving sends the whole record again.
      const refused = (record) => record && record._v === null && record._errors;
      if (!existing || Object.keys(hChanged).length || refused(existing)) {
        const full = !existing || existing._v === null;
        await queue("household.upsert", household, full ? fields : hChanged, { entity_id: draft.id });
      }
      for (const id of draft.removed || []) {
        const stored = await get(s.residents, id);
        if (!stored) continue;
        await queue("resident.delete", stored, {});
        await del(s.residents, id);
      }
      for (const member of draft.members) {
        const stored = await get(s.residents, member.id);
        const values = { ...pick(member, this.memberFields), household: draft.id };
        const diff = changed(stored && pick(stored, [...this.memberFields, "household"]), values);
        if (!stored || Object.keys(diff).length || refused(stored)) {
          const full = !stored || stored._v === null;
          await queue("resident.upsert", stored || { id: member.id, _v: null }, full ? values : diff);
        }
        await put(s.residents, { ...(stored || { _v: null, _base: null }), ...values, id: member.id, _errors: null });
      }
      const visit = draft.household.visit;
      if (visit && visit.date && !(existing && existing.visit && existing.visit.date === visit.date)) {
        await queue("visit.record", household, { household: draft.id, date: visit.date }, { entity_id: draft.id });
        household.visit = visit;
      }
      await put(s.households, household);
      await del(s.drafts, draft.id);
      return queued;
    });
    this.changed("save");
    return ops;
  }

  // --- applying the server's answers --------------------------------------------------------
  /** Apply one push reply: results in the order of the sent entries. */
  async applyPushResults(entries, results, receipt) {
    const outcome = { done: 0, retry: 0, rejected: 0, conflicts: [] };
    await transact(this.db, ["households", "residents", "outbox", "conflicts"], "readwrite", async (s) => {
      const byOp = new Map(results.map((r) => [r.op_id, r]));
      for (const entry of entries) {
        const result = byOp.get(entry.op.op_id);
        if (!result) continue;
        const storeName = entry.entity === "resident" ? "residents" : "households";
        const record = await get(s[storeName], entry.entity_id);
        if (result.status === "rejected" && result.retry) {
          outcome.retry += 1;
          await put(s.outbox, { ...entry, attempts: (entry.attempts || 0) + 1, last_error: result.errors });
          continue;
        }
        await del(s.outbox, entry.seq);
        if (result.status === "rejected") {
          outcome.rejected += 1;
          if (record) await put(s[storeName], { ...record, _errors: { ...(record._errors || {}), ...result.errors } });
          continue;
        }
        outcome.done += 1;
        if (result.status === "conflict" && result.conflict_id) {
          outcome.conflicts.push(result.conflict_id);
          const known = await get(s.conflicts, result.conflict_id);
          await put(s.conflicts, known || {
            id: result.conflict_id, entity: entry.entity === "resident" ? "resident" : "household",
            entity_id: entry.entity_id, household_id: entry.household_id, fields: {}, kind: "fields", partial: true,
          });
        }
        if (!record || !result.server || result.server.deleted) continue;
        const still = (await byIndex(s.outbox, "entity", entry.entity_id)).filter((e) => e.type === "op");
        await put(s[storeName], this.fromServer(entry.entity === "resident", record, result.server, result.version, still, { receipt }));
      }
    });
    this.changed("push");
    return outcome;
  }

  /** A record updated with the server's values, local pending changes laid on top. */
  fromServer(resident, record, server, version, pending, { receipt = null } = {}) {
    const keys = resident ? [...this.memberFields, "household"] : HOUSEHOLD_FIELDS;
    const base = pick(server, keys);
    const current = { ...base };
    let localVisit = false;
    for (const entry of pending) {
      if (entry.op.kind.endsWith(".upsert")) Object.assign(current, entry.op.data);
      if (entry.op.kind === "visit.record") localVisit = true;
    }
    const next = { ...record, ...current, id: record.id || server.id, _v: version, _base: base, _deleted: false };
    if (!resident) next.visit = localVisit ? record.visit : server.visit || null;
    if (receipt) next._receipt = receipt;
    return next;
  }

  /** Apply one page of the pull feed (and the new cursor) in one transaction. */
  async applyPull(reply) {
    await transact(this.db, ["households", "residents", "outbox", "meta"], "readwrite", async (s) => {
      const hasOutbox = (await count(s.outbox)) > 0;
      const pendingFor = async (id) => (hasOutbox ? (await byIndex(s.outbox, "entity", id)).filter((e) => e.type === "op") : []);
      for (const change of reply.changes) {
        const storeName = change.entity === "resident" ? "residents" : "households";
        const pending = await pendingFor(change.id);
        if (change.deleted) {
          if (pending.length && change.reason !== "scope") continue; // our edit will meet the deletion on the server
          await del(s[storeName], change.id);
          if (change.entity === "household") {
            for (const member of await byIndex(s.residents, "household", change.id)) await del(s.residents, member.id);
          }
          continue;
        }
        if (pending.some((e) => e.op.kind.endsWith(".delete"))) continue; // deleted here, not sent yet
        const record = (await get(s[storeName], change.id)) || { id: change.id, _receipt: null, _errors: null };
        await put(s[storeName], this.fromServer(change.entity === "resident", record, change.data, change.version, pending));
      }
      await put(s.meta, { key: "cursor", value: reply.cursor });
      await put(s.meta, { key: "round", value: reply.round });
      await put(s.meta, { key: "villages", value: reply.villages });
    });
  }

  /** Drop what lies outside the villages the server lists for this user. */
  async keepVillages(codes) {
    const keep = new Set(codes);
    await transact(this.db, ["households", "residents"], "readwrite", async (s) => {
      for (const household of await getAll(s.households)) {
        if (keep.has(household.village)) continue;
        await del(s.households, household.id);
        for (const member of await byIndex(s.residents, "household", household.id)) await del(s.residents, member.id);
      }
    });
  }

  // --- conflicts -------------------------------------------------------------------------------
  replaceConflicts(list) {
    return transact(this.db, ["conflicts"], "readwrite", async (s) => {
      await s.conflicts.clear();
      for (const conflict of list) await put(s.conflicts, conflict);
    });
  }

  async queueResolution(conflict, body) {
    await transact(this.db, ["outbox", "conflicts"], "readwrite", async (s) => {
      await put(s.outbox, {
        type: "resolve", conflict_id: conflict.id, body, entity_id: conflict.entity_id, entity: "conflict",
        household_id: conflict.household_id, created: Date.now(), attempts: 0,
      });
      await put(s.conflicts, { ...conflict, decided: body });
    });
    this.changed("resolve");
  }

  async resolutionDone(entry) {
    await transact(this.db, ["outbox", "conflicts"], "readwrite", async (s) => {
      await del(s.outbox, entry.seq);
      await del(s.conflicts, entry.conflict_id);
    });
    this.changed("resolve");
  }

  // --- photos ----------------------------------------------------------------------------------
  async addPhoto(householdId, blob) {
    const photo = { id: uuid(), household: householdId, blob, size: blob.size, created: Date.now(), uploaded: null };
    await transact(this.db, ["photos"], "readwrite", (s) => put(s.photos, photo));
    this.changed("photo");
    return photo;
  }

  photos() {
    return transact(this.db, ["photos"], "readonly", (s) => getAll(s.photos));
  }

  async photoUploaded(photo, receipt) {
    // The compressed copy is no longer needed once the server holds the photo.
    await transact(this.db, ["photos"], "readwrite", (s) => put(s.photos, { ...photo, blob: null, uploaded: receipt }));
    this.changed("photo");
  }

  async photoFailed(photo, error) {
    await transact(this.db, ["photos"], "readwrite", (s) => put(s.photos, { ...photo, error }));
  }

  // --- the backup file: everything not yet on the server ---------------------------------------
  async backup() {
    const [outbox, drafts, photos] = await Promise.all([this.outbox(), this.drafts(), this.photos()]);
    const dataUrl = (blob) => new Promise((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.readAsDataURL(blob);
    });
    const waiting = [];
    for (const photo of photos.filter((p) => p.blob)) {
      waiting.push({ id: photo.id, household: photo.household, created: photo.created, data: await dataUrl(photo.blob) });
    }
    return {
      format: "pcgd-field-backup", version: 1, user: this.username, device: await this.device(),
      round: await this.meta("round"), exported_at: new Date().toISOString(),
      outbox: outbox.map(({ seq, ...entry }) => entry), drafts, photos: waiting,
    };
  }

  /** Load a backup file's operations into the outbox (ids are kept: the server applies each once). */
  async restore(backup) {
    if (!backup || backup.format !== "pcgd-field-backup" || !Array.isArray(backup.outbox)) throw new Error("not a backup file");
    let added = 0;
    await transact(this.db, ["outbox", "drafts"], "readwrite", async (s) => {
      const known = new Set((await getAll(s.outbox)).map((e) => (e.op ? e.op.op_id : `resolve:${e.conflict_id}`)));
      for (const entry of backup.outbox) {
        const key = entry.op ? entry.op.op_id : `resolve:${entry.conflict_id}`;
        if (known.has(key)) continue;
        await put(s.outbox, { ...entry, attempts: 0 });
        added += 1;
      }
      for (const draft of backup.drafts || []) if (!(await get(s.drafts, draft.id))) await put(s.drafts, draft);
    });
    this.changed("restore");
    return added;
  }
}

/** A folded text to search a household by: number, address and members' names. */
export function searchText(household) {
  return fold([household.number, household.address, ...(household.members || []).map((m) => m.full_name)].join(" "));
}
