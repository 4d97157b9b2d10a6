// One person of a household draft. The fields follow the age in this round: a
// 5-year-old gets preschool choices, a 30-year-old the literacy fields, and the
// grade choices match the level (all from the server's rule spec).

import { t } from "../i18n.js";
import { h, mount, select } from "../ui.js";
import { Form, serverErrors } from "./form.js";
import { changed, flushDraft, loadDraft, validate } from "../draft.js";

export function memberLabels(app) {
  return {
    full_name: t("Full name"), sex: t("Sex"), birth_year: t("Birth year"), birth_month: t("Birth month"), birth_day: t("Birth day"),
    ethnicity: t("Ethnic group"), relation: t("Relation to the head"), national_id: t("National ID number (12 digits)"),
    guardian_name: t("Parent or guardian"), status: t("Status"), status_year: t("Year of the move or death"),
    disability: t("Disability"), highest_grade_completed: t("Highest grade completed"), literacy_stage: t("Literacy programme stage completed"),
    dropped_out: t("Dropped out"), enrollment: t("Studying this school year"), household: t("Household"),
    ...app.rules.spec.member.milestone_labels,
    preschool_completed_year: t("Year preschool completed"), primary_completed_year: t("Year primary completed"),
    lower_secondary_graduated_year: t("Year of the lower-secondary diploma"), upper_secondary_graduated_year: t("Year of the upper-secondary diploma"),
  };
}

function gradeOptions(app, level) {
  const grades = app.rules.spec.enrollment.level_grades[level];
  if (!grades) return [];
  return grades.map((g) => ({ value: g, label: level === "preschool" ? t("%(n)d-year-old group", { n: g }) : t("Grade %(n)d", { n: g }) }));
}

export async function renderMember(app, householdId, memberId) {
  const { draft } = await loadDraft(app, householdId);
  const index = draft ? draft.members.findIndex((m) => m.id === memberId) : -1;
  if (index < 0) return h("section.card", h("p", t("This person is not in the household's draft.")), h("a", { href: `#/h/${householdId}` }, t("Back to the household")));
  const member = draft.members[index];
  const labels = memberLabels(app);
  const view = h("section#member-form", { dataset: { id: member.id, index } });
  const STRUCTURAL = new Set(["birth_year", "status"]);
  const form = new Form({ prefix: `members.${index}.`, onChange: () => {} });
  form.showAll = !!draft.showErrors;
  const stored = (await app.store.household(householdId)).members.find((m) => m.id === member.id);

  async function paint() {
    form.paint(await validate(app, draft));
  }

  function enrollmentSection(levels) {
    const enrollment = member.enrollment || { round: app.round, level: null, grade: null, school: "" };
    const all = app.rules.choices("level");
    const offered = all.filter((c) => levels.includes(c.value) || (enrollment.level === c.value));
    const level = select({
      id: "f-enrollment-level",
      onchange: () => {
        const value = level.value || null;
        member.enrollment = value === null ? null : { round: app.round, level: value, grade: null, school: enrollment.school || "" };
        const grades = app.rules.spec.enrollment.level_grades[value];
        if (member.enrollment && grades && grades.length === 1) member.enrollment.grade = grades[0];
        form.touch("enrollment");
        changed();
        draw();
      },
    }, offered, enrollment.level, t("— not recorded —"));
    const parts = [form.wrap("enrollment.level", t("Level"), level)];
    if (member.enrollment && gradeOptions(app, member.enrollment.level).length) {
      parts.push(form.choice(member.enrollment, "grade", t("Grade"), gradeOptions(app, member.enrollment.level), { empty: "—", numeric: true, path: "enrollment.grade" }));
    }
    if (member.enrollment && member.enrollment.level !== "none") {
      const school = h("input#f-enrollment-school", {
        type: "text", value: member.enrollment.school || "", maxlength: 200,
        oninput: () => { member.enrollment.school = school.value; changed(); },
      });
      parts.push(form.wrap("enrollment.school", t("School"), school));
    }
    return h("fieldset#section-enrollment", h("legend", labels.enrollment), parts);
  }

  function droppedSection() {
    const toggle = h("input#f-dropped-toggle", {
      type: "checkbox", checked: !!member.dropped_out,
      onchange: () => { member.dropped_out = toggle.checked ? { grade: null, year: null } : null; form.touch("dropped_out"); changed(); draw(); },
    });
    const parts = [h("label.check", toggle, " ", t("Dropped out of school"))];
    if (member.dropped_out) {
      parts.push(form.number(member.dropped_out, "grade", t("Grade when dropping out"), { path: "dropped_out.grade" }));
      parts.push(form.number(member.dropped_out, "year", t("Year of dropping out"), { path: "dropped_out.year" }));
    }
    parts.push(form.wrap("dropped_out", null, h("span")));
    return h("fieldset#section-dropped", h("legend", labels.dropped_out), parts);
  }

  async function draw() {
    form.wrappers = [];
    const age = Number.isInteger(member.birth_year) ? app.round - member.birth_year : null;
    const group = age === null ? null : app.rules.formFor(age);
    const sections = new Set(group ? group.sections : []);
    const fromAge = app.rules.spec.form.milestone_from_age;
    const milestones = app.rules.spec.member.milestones.filter((key) => member[key] !== null || (age !== null && age >= fromAge[key]));
    if (member.enrollment) sections.add("enrollment");
    if (member.dropped_out) sections.add("dropped_out");
    if (member.highest_grade_completed) sections.add("schooling");
    if (member.literacy_stage) sections.add("literacy");
    const [low, high] = app.rules.spec.member.grade_completed_range;
    const grades = Array.from({ length: high - low + 1 }, (_, i) => ({ value: low + i, label: String(low + i) }));
    const stages = [0, 1, 2].map((n) => ({ value: n, label: [t("Not in the programme"), t("Stage 1"), t("Stage 2")][n] }));
    mount(view,
      h("h1", member.full_name || t("New person")),
      h("p.muted#member-age", age !== null ? t("%(n)d years old in round %(y)d", { n: age, y: app.round }) : t("Enter the birth year")),
      stored ? serverErrors(stored._errors, labels) : null,
      form.text(member, "full_name", labels.full_name, { maxlength: 100 }),
      form.choice(member, "sex", labels.sex, app.rules.choices("sex"), { empty: "—" }),
      h("div.row3",
        form.number(member, "birth_day", t("Day")),
        form.number(member, "birth_month", t("Month")),
        form.number(member, "birth_year", labels.birth_year, { placeholder: "yyyy" })),
      form.choice(member, "relation", labels.relation, app.rules.choices("relation"), { empty: "—" }),
      form.choice(member, "ethnicity", labels.ethnicity, app.rules.choices("ethnicity"), { empty: "—" }),
      form.text(member, "national_id", labels.national_id, { inputmode: "numeric", maxlength: 12 }),
      age === null || age < 18 || member.guardian_name ? form.text(member, "guardian_name", labels.guardian_name, { maxlength: 100 }) : null,
      form.choice(member, "status", labels.status, app.rules.choices("status")),
      member.status && member.status !== "present" ? form.number(member, "status_year", labels.status_year) : form.wrap("status_year", null, h("span")),
      form.choice(member, "disability", labels.disability, app.rules.choices("disability")),
      sections.has("enrollment") ? enrollmentSection(group ? group.levels : ["none"]) : form.wrap("enrollment", null, h("span")),
      milestones.length ? h("fieldset#section-milestones", h("legend", t("Completed and graduated")),
        milestones.map((key) => form.number(member, key, labels[key], { placeholder: "yyyy" }))) : null,
      sections.has("schooling") ? form.choice(member, "highest_grade_completed", labels.highest_grade_completed, grades, { numeric: true }) : null,
      sections.has("literacy") ? form.choice(member, "literacy_stage", labels.literacy_stage, stages, { numeric: true }) : null,
      sections.has("dropped_out") ? droppedSection() : null,
      h("div.actions",
        h("button.danger#remove-member", {
          type: "button",
          onclick: async () => {
            if (!confirm(t("Remove this person from the household? Use this only for a person entered by mistake."))) return;
            draft.members.splice(index, 1);
            if (!member._new) draft.removed = [...(draft.removed || []), member.id];
            changed();
            await flushDraft();
            app.navigate(`#/h/${householdId}`);
          },
        }, t("Remove (entered by mistake)"))),
      h("div.savebar", h("button.primary#member-done", { type: "button", onclick: async () => { await flushDraft(); app.navigate(`#/h/${householdId}`); } }, t("Done"))));
    await paint();
  }

  form.onChange = (key, structural) => {
    changed();
    if (structural && STRUCTURAL.has(key)) draw();
    else paint();
  };
  await draw();
  return view;
}
