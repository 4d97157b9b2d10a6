// The app's texts, from the server's gettext catalogues (/field/i18n/<lang>.json, cached offline).
// Vietnamese first; English when the surveyor chooses it. Message ids are the English texts.

let messages = {};
let current = "vi";
const KEY = "pcgd-field-lang";

export function language() {
  return current;
}

export async function loadLanguage(lang) {
  const wanted = lang || localStorage.getItem(KEY) || "vi";
  const response = await fetch(`/field/i18n/${wanted}.json`);
  if (!response.ok) throw new Error(`catalogue ${wanted}: ${response.status}`);
  messages = (await response.json()).messages;
  current = wanted;
  localStorage.setItem(KEY, wanted);
  // The server's pages and API errors follow the same choice.
  document.cookie = `django_language=${wanted}; path=/; max-age=31536000; SameSite=Lax`;
  document.documentElement.lang = wanted;
  return wanted;
}

/** Python-style "%(name)d / %(name)s / %(name)r" formatting, as the server's messages use. */
export function format(template, params = {}) {
  return String(template).replace(/%\((\w+)\)([dsr])/g, (_, name, kind) => {
    const value = params[name];
    if (kind === "d") return String(Math.trunc(Number(value)));
    if (kind === "r") return pyRepr(value);
    return String(value);
  });
}

/** How Python's repr() shows a JSON value (for messages such as "Unknown value 'x'"). */
export function pyRepr(value) {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(value);
  if (typeof value === "string") {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const body = value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\t/g, "\\t");
    return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote;
  }
  if (Array.isArray(value)) return "[" + value.map(pyRepr).join(", ") + "]";
  return "{" + Object.entries(value).map(([k, v]) => pyRepr(k) + ": " + pyRepr(v)).join(", ") + "}";
}

/** The text for msgid in the current language, formatted with params. */
export function t(msgid, params) {
  const text = messages[msgid] || msgid;
  return params ? format(text, params) : text;
}
