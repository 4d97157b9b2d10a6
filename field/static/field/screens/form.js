// Form fields with inline errors, shared by the household and member screens.

import { t } from "../i18n.js";
import { h, select } from "../ui.js";

/** A set of fields bound to one object; errors appear once a field was touched (or after a save). */
export class Form {
  constructor({ prefix = "", onChange }) {
    this.prefix = prefix;
    this.onChange = onChange;
    this.touched = new Set();
    this.showAll = false;
    this.wrappers = [];
  }

  wrap(path, label, input, hint = null) {
    const full = this.prefix + path;
    const error = h("p.field-error", { role: "alert", hidden: true, dataset: { errorFor: full } });
    const id = `f-${full.replace(/\W/g, "-")}`;
    input.id = input.id || id;
    input.setAttribute("name", full);
    const wrapper = h("div.field", { dataset: { path: full } }, label ? h("label", { for: input.id }, label) : null, input, hint ? h("p.hint", hint) : null, error);
    this.wrappers.push({ path: full, error, input, wrapper });
    return wrapper;
  }

  touch(path) { this.touched.add(this.prefix + path); }

  /** Show the errors (a map path → messages) on the fields; returns how many are shown. */
  paint(errors) {
    let shown = 0;
    for (const { path, error, input, wrapper } of this.wrappers) {
      const messages = [];
      for (const [key, list] of Object.entries(errors)) {
        if (key === path || key.startsWith(path + ".")) messages.push(...list);
      }
      const visible = messages.length && (this.showAll || this.touched.has(path));
      error.hidden = !visible;
      error.textContent = visible ? messages.join(" ") : "";
      wrapper.classList.toggle("invalid", !!visible);
      input.setAttribute("aria-invalid", visible ? "true" : "false");
      if (visible) shown += 1;
    }
    return shown;
  }

  text(target, key, label, props = {}) {
    const path = props.path || key;
    const input = h(props.multiline ? "textarea" : "input", {
      type: props.type || "text", inputmode: props.inputmode, autocomplete: "off", value: target[key] ?? "",
      maxlength: props.maxlength, placeholder: props.placeholder,
      oninput: () => { target[key] = input.value; this.onChange(key, false); },
      onchange: () => { this.touch(path); this.onChange(key, true); },
    });
    if (props.multiline) input.value = target[key] ?? "";
    return this.wrap(path, label, input, props.hint);
  }

  /** A whole number or nothing (an unreadable entry is kept so the rules can name it). */
  number(target, key, label, props = {}) {
    const path = props.path || key;
    const input = h("input", {
      type: "text", inputmode: "numeric", autocomplete: "off", value: target[key] ?? "", placeholder: props.placeholder,
      oninput: () => { target[key] = toNumber(input.value); this.onChange(key, false); },
      onchange: () => { this.touch(path); this.onChange(key, true); },
    });
    return this.wrap(path, label, input, props.hint);
  }

  choice(target, key, label, options, { empty = null, numeric = false, path = key } = {}) {
    const input = select({
      onchange: () => {
        const raw = input.value;
        target[key] = raw === "" ? null : numeric ? Number(raw) : raw;
        this.touch(path);
        this.onChange(key, true);
      },
    }, options, target[key], empty);
    return this.wrap(path, label, input);
  }
}

export function toNumber(raw) {
  const value = String(raw).trim();
  if (value === "") return null;
  return /^\d+$/.test(value) ? Number(value) : value;
}

export function serverErrors(errors, labels = {}) {
  if (!errors || !Object.keys(errors).length) return null;
  return h("div.server-errors", { role: "alert" },
    h("p", t("The server did not accept the last change. Fix it and save again:")),
    h("ul", Object.entries(errors).map(([key, list]) => h("li", `${labels[key] || key}: ${list.join(" ")}`))));
}
