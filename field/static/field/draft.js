// The open household form: kept in memory while editing and in IndexedDB (drafts)
// after every change, so a reload, a closed tab or an app update loses nothing.

import { HOUSEHOLD_FIELDS, pick, uuid } from "./store.js";
import { t } from "./i18n.js";

const SAVE_DELAY = 250;
let current = null; // {app, draft, dirty, timer, kept: a copy is in IndexedDB}

export function openDraft() {
  return current ? current.draft : null;
}

export function newMember(app, draft, overrides = {}) {
  const member = { id: uuid(), _new: true };
  for (const key of app.store.memberFields) member[key] = null;
  const hasHead = draft.members.some((m) => m.relation === "head");
  Object.assign(member, {
    full_name: "", sex: null, ethnicity: "01", relation: hasHead ? "child" : "head", national_id: "", guardian_name: "",
    status: "present", disability: "none", highest_grade_completed: 0, literacy_stage: 0,
  }, overrides);
  return member;
}

function fromRecords(app, household, members) {
  return {
    id: household.id,
    isNew: false,
    household: { ...pick(household, HOUSEHOLD_FIELDS), visit: household.visit || null },
    members: members.filter((m) => !m._deleted).map((m) => ({ id: m.id, ...pick(m, app.store.memberFields) })),
    removed: [],
  };
}

/** The draft of household id: the open one, the saved draft, or one made from the records.
 * ``restored``: it holds changes not saved as a household yet (the form says so). */
export async function loadDraft(app, id) {
  if (current && current.draft.id === id) return { draft: current.draft, restored: current.kept || current.dirty };
  await flushDraft();
  const stored = await app.store.household(id);
  if (stored.draft) {
    current = { app, draft: stored.draft, dirty: false, timer: null, kept: true };
    return { draft: stored.draft, restored: true, stored };
  }
  if (!stored.household) return { draft: null, stored };
  current = { app, draft: fromRecords(app, stored.household, stored.members), dirty: false, timer: null };
  return { draft: current.draft, restored: false, stored };
}

export async function startNewDraft(app, village) {
  await flushDraft();
  const draft = {
    id: uuid(), isNew: true, removed: [], members: [],
    household: { village, number: "", address: "", residence: "permanent", phone: "", note: "", visit: null },
  };
  current = { app, draft, dirty: true, timer: null };
  await flushDraft();
  return draft;
}

/** Record a change: saved to IndexedDB shortly (and at once on leave, hide or update). */
export function changed() {
  if (!current) return;
  current.dirty = true;
  clearTimeout(current.timer);
  current.timer = setTimeout(() => flushDraft(), SAVE_DELAY);
}

export async function flushDraft() {
  if (!current || !current.dirty) return;
  clearTimeout(current.timer);
  current.dirty = false;
  current.kept = true;
  await current.app.store.saveDraft(current.draft);
}

export async function discardDraft(app, id) {
  if (current && current.draft.id === id) { clearTimeout(current.timer); current = null; }
  await app.store.dropDraft(id);
}

export function closeDraft() {
  if (current) clearTimeout(current.timer);
  current = null;
}

/** The draft as a wire-format household (what the rules check). */
export function wire(app, draft) {
  return {
    id: draft.id,
    ...pick(draft.household, HOUSEHOLD_FIELDS),
    visit: draft.household.visit && draft.household.visit.date ? { round: app.round, date: draft.household.visit.date } : null,
    members: draft.members.map((m) => ({ id: m.id, ...pick(m, app.store.memberFields) })),
  };
}

/** The rules' errors for the draft, plus the household number's uniqueness among local households. */
export async function validate(app, draft) {
  const errors = app.rules.household(wire(app, draft));
  const number = (draft.household.number || "").trim();
  if (number && !errors.number) {
    const villages = app.user.villages || [];
    const commune = (villages.find((v) => v.code === draft.household.village) || {}).commune;
    const sameCommune = new Set(villages.filter((v) => v.commune === commune).map((v) => v.code));
    sameCommune.add(draft.household.village);
    const taken = (await app.store.households()).some((hh) => hh.id !== draft.id && !hh._deleted && sameCommune.has(hh.village) && hh.number === number);
    if (taken) errors.number = [t("Household number %(n)s is already used in this commune.", { n: number })];
  }
  return errors;
}
