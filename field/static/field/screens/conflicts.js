// Conflicts: the same field changed on the phone and on the server. The surveyor
// chooses, field by field, which value stays; the decision is sent when online.

import { t } from "../i18n.js";
import { formatDateTime } from "../text.js";
import { h, toast } from "../ui.js";
import { householdLabels } from "./household.js";
import { memberLabels } from "./member.js";

function show(app, name, value) {
  if (value === null || value === undefined || value === "") return t("(empty)");
  const choice = { sex: "sex", relation: "relation", status: "status", disability: "disability", residence: "residence", ethnicity: "ethnicity" }[name];
  if (choice) return app.rules.label(choice, value);
  if (name === "enrollment") return [app.rules.label("level", value.level), value.grade ? t("Grade %(n)d", { n: value.grade }) : "", value.school || ""].filter(Boolean).join(" · ");
  if (name === "dropped_out") return t("grade %(g)s in %(y)s", { g: value.grade, y: value.year });
  if (name === "deleted") return value ? t("Deleted") : t("Kept");
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

async function titleOf(app, conflict) {
  const stored = await app.store.household(conflict.household_id);
  const number = stored.household ? stored.household.number : "?";
  if (conflict.entity === "resident") {
    const person = stored.members.find((m) => m.id === conflict.entity_id);
    return t("Household %(n)s · %(name)s", { n: number, name: person ? person.full_name : "?" });
  }
  return t("Household %(n)s", { n: number });
}

export async function renderConflicts(app) {
  const conflicts = await app.store.conflicts();
  const items = [];
  for (const conflict of conflicts) {
    items.push(h("li.row", h("a.conflict", { href: `#/conflicts/${conflict.id}`, dataset: { id: conflict.id } },
      h("strong", await titleOf(app, conflict)),
      conflict.decided ? h("span.badge.pending", t("Decision waiting to be sent")) : h("span.badge.conflict", t("To decide")))));
  }
  return h("section#conflicts",
    h("h1", t("Conflicts")),
    h("p.muted", t("Someone else changed the same information. Choose what is right.")),
    items.length ? h("ul.list#conflict-list", items) : h("p", t("No conflicts.")));
}

export async function renderConflict(app, id) {
  const conflict = (await app.store.conflicts()).find((c) => c.id === id);
  if (!conflict) return h("section.card", h("p", t("This conflict was already decided.")), h("a", { href: "#/conflicts" }, t("Back")));
  const labels = { ...householdLabels(), ...memberLabels(app), deleted: t("Deleted") };
  const choices = {};
  const fields = Object.entries(conflict.fields || {});
  const isDelete = conflict.kind !== "fields";
  const rows = fields.map(([name, detail]) => {
    const group = `choice-${name}`;
    const option = (value, label, shown, extra) => h("label.choice",
      h("input", { type: "radio", name: group, value, onchange: () => { choices[name] = value; } }),
      h("span", h("strong", label), ": ", shown), extra ? h("span.muted", ` (${extra})`) : null);
    return h("fieldset.conflict-field", { dataset: { field: name } },
      h("legend", labels[name] || name),
      option("mine", t("Mine (this phone)"), show(app, name, detail.mine)),
      option("theirs", t("On the server"), show(app, name, detail.theirs),
        [detail.theirs_by, detail.theirs_at ? formatDateTime(detail.theirs_at) : ""].filter(Boolean).join(", ")));
  });
  const error = h("p.error", { role: "alert", hidden: true });
  return h("section#conflict", { dataset: { id } },
    h("h1", await titleOf(app, conflict)),
    conflict.partial ? h("p.note", t("Details are downloaded at the next sync.")) : null,
    rows,
    error,
    h("button.primary#resolve", {
      type: "button", disabled: conflict.partial || !!conflict.decided,
      onclick: async () => {
        const missing = fields.filter(([name]) => !choices[name]);
        if (missing.length) {
          error.textContent = t("Choose a value for every field.");
          error.hidden = false;
          return;
        }
        const body = isDelete ? { choice: choices.deleted } : { fields: choices };
        await app.store.queueResolution(conflict, body);
        toast(t("Decision saved; it is sent to the server now or when online."), "ok");
        app.navigate("#/conflicts");
      },
    }, t("Save the decision")));
}
