// A small, generic evaluator of the server's rule spec (GET /api/rules, surveys/rules.py).
// It holds no rule of its own: every range, choice, grade set and message comes from
// the spec, and the evaluation follows surveys/validation.py step by step, so the
// phone and the server give the same errors, with the same paths and messages.
// The browser tests feed both the same records and compare (tests/browser/test_rules.py).

import { format, pyRepr } from "./i18n.js";
import { cleanName } from "./text.js";

class Errors {
  constructor() { this.byField = {}; }
  add(path, message) { (this.byField[path] = this.byField[path] || []).push(message); }
  has(path) { return path in this.byField; }
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const missing = (v) => v === null || v === undefined;
const codePoints = (s) => [...s].length;

function pyStrip(value) {
  return value.replace(/^\s+|\s+$/gu, "");
}

/** Python's uuid.UUID(str(value)) accepts these shapes; the normalised hex, or null. */
function uuidHex(value) {
  let hex = String(value).replace("urn:", "").replace("uuid:", "");
  hex = hex.replace(/^[{}]+|[{}]+$/g, "").replace(/-/g, "");
  return /^[0-9a-fA-F]{32}$/.test(hex) ? hex.toLowerCase() : null;
}

/** Python's datetime.date.fromisoformat for the usual shapes: YYYY-MM-DD and YYYYMMDD. */
function isoDate(raw) {
  const match = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(String(raw));
  if (!match || (String(raw).includes("-") && String(raw).length !== 10)) return null;
  const [y, m, d] = match.slice(1).map(Number);
  return realDate(y, m, d) ? { year: y, month: m, day: d } : null;
}

function realDate(y, m, d) {
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1];
}

export class Rules {
  constructor(spec, round) {
    this.spec = spec;
    this.round = round;
    this.choiceValues = {};
    for (const [name, list] of Object.entries(spec.choices)) this.choiceValues[name] = list.map((c) => c.value);
    this.ethnicCodes = new Set(this.choiceValues.ethnicity);
  }

  msg(key, params) {
    return params ? format(this.spec.messages[key], params) : this.spec.messages[key];
  }

  resolve(value) {
    return value === this.spec.round ? this.round : value;
  }

  label(choice, value) {
    const found = this.spec.choices[choice].find((c) => c.value === value);
    return found ? found.label : value;
  }

  // --- reading one value (surveys/validation.py _Reader) ---------------------------
  reader(data, errors, prefix = "") {
    const rules = this;
    const r = {
      data, errors, prefix,
      path: (key) => prefix + key,
      error: (key, message) => errors.add(prefix + key, message),
      text(key, { maxLength, required = false, clean = null }) {
        let value = data[key];
        if (missing(value)) value = "";
        if (typeof value !== "string") { r.error(key, rules.msg("text")); return ""; }
        value = clean === "name" ? cleanName(value) : pyStrip(value);
        if (required && !value) r.error(key, rules.msg("required"));
        else if (codePoints(value) > maxLength) r.error(key, rules.msg("max_length", { n: maxLength }));
        return value;
      },
      choice(key, choice, fallback = null) {
        const value = data[key];
        if (missing(value) || value === "") {
          if (missing(fallback)) r.error(key, rules.msg("required"));
          return missing(fallback) ? null : fallback;
        }
        const allowed = rules.choiceValues[choice];
        if (!allowed.includes(value)) {
          r.error(key, rules.msg("unknown_value", { value, allowed: allowed.join(", ") }));
          return missing(fallback) ? null : fallback;
        }
        return value;
      },
      integer(key, { required = false, fallback = null } = {}) {
        let value = data[key];
        if (missing(value) || value === "") {
          if (required) r.error(key, rules.msg("required"));
          return fallback;
        }
        if (typeof value === "string" && /^\d+$/.test(pyStrip(value))) value = parseInt(pyStrip(value), 10);
        if (typeof value !== "number" || !Number.isInteger(value)) { r.error(key, rules.msg("integer")); return fallback; }
        return value;
      },
      uuid(key) {
        const value = data[key];
        if (missing(value) || value === "") return null;
        const hex = uuidHex(value);
        if (!hex) { r.error(key, rules.msg("uuid")); return null; }
        return hex;
      },
      field(key, spec) {
        if (spec.type === "uuid") return r.uuid(key);
        if (spec.type === "choice") return r.choice(key, spec.choices, spec.default);
        if (spec.type === "text") return r.checkedText(key, spec);
        let value = r.integer(key, { required: !!spec.required, fallback: missing(spec.default) ? null : rules.resolve(spec.default) });
        if (value !== null && spec.range && !spec.check) {
          const [low, high, message, params] = spec.range;
          if (!(rules.resolve(low) <= value && value <= rules.resolve(high))) {
            const resolved = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, rules.resolve(v)]));
            r.error(key, rules.msg(message, resolved));
            value = null;
          }
        }
        if (spec.one_of && !spec.one_of.includes(value)) r.error(key, rules.msg(spec.message));
        return value;
      },
      checkedText(key, spec) {
        let value = r.text(key, { maxLength: spec.max_length, required: !!spec.required, clean: spec.clean });
        for (const ch of spec.remove || "") value = value.split(ch).join("");
        if (value && spec.pattern && !new RegExp(spec.pattern).test(value)) r.error(key, rules.msg(spec.message));
        if (value && spec.codes && !rules.ethnicCodes.has(value)) r.error(key, rules.msg(spec.message, { code: value }));
        return value;
      },
    };
    return r;
  }

  unknownKeys(data, allowed, errors, prefix, extra = []) {
    for (const key of Object.keys(data)) {
      if (!allowed.includes(key) && !extra.includes(key)) errors.add(prefix + key, this.msg("unknown_field"));
    }
  }

  // --- visit -------------------------------------------------------------------------
  visit(value, errors) {
    if (missing(value)) return null;
    if (!isObject(value)) { errors.add("visit", this.msg("visit_object")); return null; }
    const r = this.reader(value, errors, "visit.");
    const year = r.integer("round", { fallback: this.round });
    if (year !== null && year !== this.round) r.error("round", this.msg("visit_round", { year: this.round }));
    const raw = value.date;
    let date = null;
    if (!raw || (typeof raw === "object" && Object.keys(raw).length === 0)) r.error("date", this.msg("required"));
    else {
      date = isoDate(raw);
      if (!date) r.error("date", this.msg("date"));
    }
    const [first, last] = this.spec.visit.date_years.map((offset) => this.round + offset);
    if (date && !(first <= date.year && date.year <= last)) r.error("date", this.msg("visit_date_range", { y1: first, y2: last }));
    return { round: this.round, date: raw };
  }

  // --- member ------------------------------------------------------------------------
  checkBirthDay(r, m) {
    const { birth_day: day, birth_month: month, birth_year: year } = m;
    if (day === null) return;
    if (month === null && !r.errors.has(r.path("birth_month"))) r.error("birth_day", this.msg("birth_day_needs_month"));
    else if (month !== null && year !== null) {
      if (!realDate(year, month, day)) r.error("birth_day", this.msg("not_a_date", { d: day, m: month, y: year }));
    } else {
      const [low, high, message] = this.spec.member.fields.birth_day.range;
      if (!(low <= day && day <= high)) r.error("birth_day", this.msg(message));
    }
  }

  checkStatusYear(r, m) {
    const { status, status_year: year, birth_year: birth } = m;
    const present = this.spec.member.status_without_year;
    if (status === null) return;
    if (status !== present && year === null) r.error("status_year", this.msg("status_year_required"));
    else if (status === present && year !== null) r.error("status_year", this.msg("status_year_present"));
    else if (year !== null && birth !== null && !(birth <= year && year <= this.round)) {
      r.error("status_year", this.msg("year_between", { a: birth, b: this.round }));
    }
  }

  checkMilestone(r, m, key) {
    const year = m[key];
    const birth = m.birth_year;
    if (year === null || birth === null) return;
    const minAge = this.spec.member.milestone_min_age;
    if (year < birth + minAge) r.error(key, this.msg("milestone_min", { y: birth + minAge }));
    else if (year > this.round) r.error(key, this.msg("milestone_max", { y: this.round }));
  }

  checkMilestoneOrder(r, m) {
    const order = this.spec.member.milestone_order.filter((k) => m[k] !== null);
    for (let i = 0; i + 1 < order.length; i++) {
      const [earlier, later] = [order[i], order[i + 1]];
      if (m[earlier] >= m[later] && !r.errors.has(r.path(later))) {
        r.error(later, this.msg("milestone_order", { field: this.spec.member.milestone_labels[earlier], year: m[earlier] }));
      }
    }
  }

  checkGradeCompleted(r, m) {
    const grade = m.highest_grade_completed;
    if (grade === null) return;
    const [low, high] = this.spec.member.grade_completed_range;
    if (!(low <= grade && grade <= high)) { r.error("highest_grade_completed", this.msg("grade_completed_range")); return; }
    for (const [milestone, minimum, message] of this.spec.member.grade_completed_minima) {
      if (m[milestone] !== null && grade < minimum) { r.error("highest_grade_completed", this.msg(message)); return; }
    }
  }

  droppedOut(r, birth) {
    const value = r.data.dropped_out;
    if (missing(value)) return [null, null];
    if (!isObject(value)) { r.error("dropped_out", this.msg(this.spec.member.fields.dropped_out.message)); return [null, null]; }
    const sub = this.reader(value, r.errors, r.path("dropped_out."));
    const fields = this.spec.dropped_out.fields;
    const grade = sub.field("grade", fields.grade);
    const [low, high] = this.spec.dropped_out.grades;
    if (grade !== null && !(low <= grade && grade <= high)) sub.error("grade", this.msg("grade_range"));
    const year = sub.field("year", fields.year);
    const first = birth === null ? null : birth + this.spec.member.milestone_min_age;
    if (year !== null && first !== null && !(first <= year && year <= this.round)) {
      sub.error("year", this.msg("year_between", { a: first, b: this.round }));
    }
    return [grade, year];
  }

  enrollment(r) {
    const value = r.data.enrollment;
    if (missing(value)) return null;
    if (!isObject(value)) { r.error("enrollment", this.msg(this.spec.member.fields.enrollment.message)); return null; }
    const sub = this.reader(value, r.errors, r.path("enrollment."));
    const fields = this.spec.enrollment.fields;
    this.unknownKeys(value, Object.keys(fields), r.errors, sub.prefix);
    const year = sub.field("round", fields.round);
    if (year !== null && year !== this.round) sub.error("round", this.msg("enrollment_round", { year: this.round }));
    const level = sub.field("level", fields.level);
    const grade = sub.field("grade", fields.grade);
    if (level !== null) {
      const allowed = this.spec.enrollment.level_grades[level];
      const label = this.label("level", level);
      if (allowed === null && grade !== null) sub.error("grade", this.msg("level_no_grade", { level: label }));
      else if (allowed !== null && !allowed.includes(grade)) {
        sub.error("grade", this.msg("level_grade_range", { level: label, a: Math.min(...allowed), b: Math.max(...allowed) }));
      }
    }
    const school = sub.field("school", fields.school);
    return { round: this.round, level, grade, school };
  }

  member(data, index, errors) {
    const prefix = `members.${index}.`;
    if (!isObject(data)) { errors.add(`members.${index}`, this.msg("object")); return null; }
    const fields = this.spec.member.fields;
    this.unknownKeys(data, Object.keys(fields), errors, prefix, this.spec.extra_keys);
    const r = this.reader(data, errors, prefix);
    const m = {};
    for (const [key, spec] of Object.entries(fields)) {
      if (spec.type !== "object") m[key] = r.field(key, spec);
      if (spec.check === "birth_day") this.checkBirthDay(r, m);
      else if (spec.check === "status_year") this.checkStatusYear(r, m);
      else if (spec.check === "milestone") this.checkMilestone(r, m, key);
    }
    this.checkMilestoneOrder(r, m);
    this.checkGradeCompleted(r, m);
    [m.dropped_out_grade, m.dropped_out_year] = this.droppedOut(r, m.birth_year);
    m.enrollment = this.enrollment(r);
    const gone = this.spec.member.gone_statuses;
    if (m.enrollment && m.enrollment.level !== null && m.enrollment.level !== this.spec.enrollment.not_enrolled && gone.includes(m.status)) {
      r.error("enrollment", this.msg("enrolled_gone"));
    }
    return m;
  }

  headWarning(relations, complete = true) {
    const heads = relations.filter((relation) => relation === this.spec.member.head).length;
    if (heads > 1) return this.msg("heads_many", { n: heads });
    if (relations.length && heads === 0 && complete) return this.msg("heads_none");
    return null;
  }

  checkMembers(members, errors) {
    const seen = new Set();
    members.forEach((m, index) => {
      if (m && m.id !== null) {
        const key = m.id;
        if (seen.has(key)) errors.add(`members.${index}.id`, this.msg("member_twice"));
        seen.add(key);
      }
    });
    const warning = this.headWarning(members.filter(Boolean).map((m) => m.relation), members.every(Boolean));
    if (warning) errors.add("members", warning);
  }

  // --- a whole household (validate_household) -----------------------------------------
  household(data) {
    const errors = new Errors();
    if (!isObject(data)) { errors.add("non_field_errors", this.msg("household_object")); return errors.byField; }
    this.unknownKeys(data, this.spec.household.keys, errors, "", this.spec.extra_keys);
    const r = this.reader(data, errors);
    for (const [key, spec] of Object.entries(this.spec.household.fields)) r.field(key, spec);
    this.visit(data.visit, errors);
    let raw = data.members === undefined ? [] : data.members;
    if (!Array.isArray(raw)) { errors.add("members", this.msg("list")); raw = []; }
    else if (raw.length > this.spec.household.max_members) {
      errors.add("members", this.msg("members_max", { n: this.spec.household.max_members }));
      raw = [];
    }
    const members = raw.map((m, i) => this.member(m, i, errors));
    this.checkMembers(members, errors);
    return errors.byField;
  }

  /** Choices for a form: [{value, label}] */
  choices(name) {
    return this.spec.choices[name];
  }

  /** What the member form offers at this age (spec.form.by_age). */
  formFor(age) {
    const groups = this.spec.form.by_age;
    return groups.find((g) => g.ages[0] <= age && age <= g.ages[1]) || groups[groups.length - 1];
  }
}

export { pyRepr };
