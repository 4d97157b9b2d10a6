// The household form: its fields, the visit of this round, its members (add, edit,
// moved out / moved in / deceased), the photo of the signed paper form, and save.

import { t } from "../i18n.js";
import { compressPhoto } from "../photo.js";
import { compareNames, formatDate, formatDateTime, todayIso } from "../text.js";
import { h, mount, toast } from "../ui.js";
import { Form, serverErrors } from "./form.js";
import { changed, closeDraft, discardDraft, flushDraft, loadDraft, newMember, startNewDraft, validate } from "../draft.js";

export { flushDraft };

export function householdLabels() {
  return {
    village: t("Village"), number: t("Household number"), address: t("Address"), residence: t("Residence"),
    phone: t("Phone"), note: t("Note"), visit: t("Visit"), members: t("Members"),
  };
}

function age(app, member) {
  return Number.isInteger(member.birth_year) ? app.round - member.birth_year : null;
}

function statusText(app, member) {
  if (member.status && member.status !== "present") {
    return `${app.rules.label("status", member.status)}${member.status_year ? ` (${member.status_year})` : ""}`;
  }
  return "";
}

export async function renderHousehold(app, id, village) {
  let draft;
  let restored = false;
  let stored = null;
  if (!id) {
    draft = await startNewDraft(app, village);
    history.replaceState(null, "", `#/h/${draft.id}`);
    restored = false;
  } else {
    ({ draft, restored, stored } = await loadDraft(app, id));
  }
  if (!draft) return h("section.card", h("p", t("This household is not on this phone.")), h("a", { href: "#/" }, t("Back to the villages")));
  stored = stored || (await app.store.household(draft.id));
  const record = stored.household;
  const labels = householdLabels();
  const view = h("section#household-form", { dataset: { id: draft.id } });
  const form = new Form({ onChange: (key, structural) => { changed(); refresh(structural); } });
  form.showAll = !!draft.showErrors;
  const summary = h("div.form-summary#form-summary", { role: "alert", hidden: true });

  async function refresh() {
    const errors = await validate(app, draft);
    form.paint(errors);
    for (const card of view.querySelectorAll("[data-member-index]")) {
      const prefix = `members.${card.dataset.memberIndex}.`;
      const count = Object.keys(errors).filter((k) => k.startsWith(prefix)).length;
      const badge = card.querySelector(".member-errors");
      badge.hidden = !count || !form.showAll;
      badge.textContent = t("%(n)d errors", { n: count });
    }
    const membersError = view.querySelector("#members-error");
    const shownMembers = errors.members && (form.showAll || draft.members.length > 0 && form.touched.has("members"));
    membersError.hidden = !shownMembers;
    membersError.textContent = shownMembers ? errors.members.join(" ") : "";
    return errors;
  }

  async function save() {
    form.showAll = true;
    draft.showErrors = true; // the member screens show theirs too from now on
    const errors = await refresh();
    const count = Object.values(errors).reduce((n, list) => n + list.length, 0);
    if (count) {
      summary.hidden = false;
      summary.textContent = t("Not saved: %(n)d problems to fix (marked in red).", { n: count });
      const first = view.querySelector(".field.invalid input, .field.invalid select, .field.invalid textarea");
      if (first) first.focus();
      else summary.scrollIntoView();
      return;
    }
    summary.hidden = true;
    performance.mark("save-start");
    await app.store.saveHousehold(draft);
    performance.mark("save-end");
    performance.measure("household-save", "save-start", "save-end");
    closeDraft();
    toast(t("Saved on this phone. It will be sent to the server."), "ok");
    app.navigate(`#/v/${encodeURIComponent(draft.household.village)}`);
  }

  function memberCard(member, index) {
    const a = age(app, member);
    const gone = member.status === "moved_out" || member.status === "deceased";
    const storedMember = stored.members.find((m) => m.id === member.id);
    const mark = (status) => () => {
      member.status = status;
      member.status_year = app.round;
      if (status !== "present" && status !== "moved_in") member.enrollment = null; // nobody gone is enrolled
      changed();
      draw();
    };
    return h("li.member", { dataset: { memberIndex: index, memberId: member.id } },
      h("div.member-head",
        h("strong.member-name", member.full_name || t("(no name yet)")),
        h("span.muted", [member.relation ? app.rules.label("relation", member.relation) : "", a !== null ? t("%(n)d years old", { n: a }) : ""].filter(Boolean).join(" · ")),
        statusText(app, member) ? h("span.badge.status", statusText(app, member)) : null,
        h("span.badge.error.member-errors", { hidden: true })),
      storedMember && storedMember._receipt ? h("p.receipt", t("Saved on the server at %(time)s", { time: formatDateTime(storedMember._receipt) })) : null,
      storedMember && storedMember._errors ? h("p.field-error", Object.values(storedMember._errors).flat().join(" ")) : null,
      h("div.actions",
        h("a.button.small.edit-member", { href: `#/h/${draft.id}/m/${member.id}` }, t("Edit")),
        !gone ? h("button.small.moved-out", { type: "button", onclick: mark("moved_out") }, t("Moved out")) : null,
        !gone ? h("button.small.deceased", { type: "button", onclick: mark("deceased") }, t("Deceased")) : null,
        gone ? h("button.small.undo", { type: "button", onclick: () => { member.status = "present"; member.status_year = null; changed(); draw(); } }, t("Lives here")) : null));
  }

  async function photoList() {
    const photos = (await app.store.household(draft.id)).photos;
    return h("ul.photos#photo-list", photos.map((p) => h("li.photo",
      p.blob ? h("img", { src: URL.createObjectURL(p.blob), alt: t("Photo of the signed form"), width: 96 }) : null,
      h("span.muted", p.uploaded ? t("Sent to the server at %(time)s", { time: formatDateTime(p.uploaded) })
        : p.error ? Object.values(p.error).flat().join(" ") : t("Waiting to be sent (%(kb)d KB)", { kb: Math.round(p.size / 1024) })))));
  }

  async function draw() {
    form.wrappers = [];
    const hh = draft.household;
    const order = draft.members.map((m, i) => [m, i]).sort(([a], [b]) =>
      (a.relation === "head" ? 0 : 1) - (b.relation === "head" ? 0 : 1) || compareNames(a.full_name, b.full_name));
    const visited = !!(hh.visit && hh.visit.date);
    const visitToggle = h("input#visit-toggle", {
      type: "checkbox", checked: visited,
      onchange: () => { hh.visit = visitToggle.checked ? { round: app.round, date: (hh.visit && hh.visit.date) || todayIso() } : null; form.touch("visit"); changed(); draw(); },
    });
    const visitDate = h("input#visit-date", {
      type: "date", value: visited ? hh.visit.date : "",
      onchange: () => { hh.visit = { round: app.round, date: visitDate.value }; form.touch("visit"); changed(); draw(); },
    });
    const outbox = (await app.store.outbox()).filter((e) => e.household_id === draft.id).length;
    const photoInput = h("input#photo-input", {
      type: "file", accept: "image/*", capture: "environment", hidden: true,
      onchange: async () => {
        const file = photoInput.files[0];
        if (!file) return;
        try {
          const blob = await compressPhoto(file);
          await app.store.addPhoto(draft.id, blob);
          toast(t("Photo kept on this phone (%(kb)d KB); it is sent when online.", { kb: Math.round(blob.size / 1024) }), "ok");
          photos.replaceWith(await photoList());
        } catch {
          toast(t("This file could not be read as a photo."), "error");
        }
      },
    });
    const photos = await photoList();
    mount(view,
      h("h1", draft.isNew && !record ? t("New household") : t("Household %(n)s", { n: hh.number || "" })),
      restored ? h("p.note#draft-note", t("Continuing an unsaved draft."), " ",
        h("button.link#discard-draft", { type: "button", onclick: async () => { await discardDraft(app, draft.id); app.refresh(); } }, t("Discard the draft"))) : null,
      record && record._receipt ? h("p.receipt#receipt", t("Saved on the server at %(time)s", { time: formatDateTime(record._receipt) })) : null,
      outbox ? h("p.pending#pending-note", t("%(n)d changes waiting to be sent", { n: outbox })) : null,
      record ? serverErrors(record._errors, labels) : null,
      form.text(hh, "number", labels.number, { maxlength: 32 }),
      form.text(hh, "address", labels.address, { maxlength: 255 }),
      form.choice(hh, "residence", labels.residence, app.rules.choices("residence")),
      form.text(hh, "phone", labels.phone, { type: "tel", inputmode: "tel", maxlength: 20 }),
      form.text(hh, "note", labels.note, { multiline: true }),
      h("fieldset.visit", h("legend", t("Visit in round %(y)d", { y: app.round })),
        h("label.check", visitToggle, " ", t("Surveyed (visit recorded)")),
        visited ? form.wrap("visit", t("Visit date"), visitDate, formatDate(hh.visit.date)) : form.wrap("visit", null, h("span"))),
      h("h2", t("Members (%(n)d)", { n: draft.members.length })),
      h("p.field-error#members-error", { hidden: true }),
      h("ul.members#member-list", order.map(([m, i]) => memberCard(m, i))),
      h("div.actions",
        h("button#add-member", { type: "button", onclick: () => addMember({}) }, t("Add a person")),
        h("button#add-moved-in", { type: "button", onclick: () => addMember({ status: "moved_in", status_year: app.round }) }, t("Add a person who moved in"))),
      h("h2", t("Photo of the signed form")),
      photos,
      photoInput,
      h("button#take-photo", { type: "button", onclick: () => photoInput.click() }, t("Take a photo of the form")),
      summary,
      h("div.savebar", h("button.primary#save-household", { type: "button", onclick: save }, t("Save household"))));
    await refresh();
  }

  async function addMember(overrides) {
    const member = newMember(app, draft, overrides);
    draft.members.push(member);
    changed();
    await flushDraft();
    app.navigate(`#/h/${draft.id}/m/${member.id}`);
  }

  const stop = app.store.onChange(async (what) => {
    if (!view.isConnected) { stop(); return; }
    if (what === "photo" || what === "push") {
      const list = view.querySelector("#photo-list");
      if (list) list.replaceWith(await photoList());
    }
  });
  await draw();
  return view;
}
