// Tiny DOM helpers: no framework, no build step.

/** h("button.primary", {onclick}, "text", child…) → an element. */
export function h(tag, props, ...children) {
  const head = tag.match(/^[a-z0-9]*/i)[0];
  const el = document.createElement(head || "div");
  const classes = [];
  for (const [, kind, name] of tag.slice(head.length).matchAll(/([.#])([^.#]+)/g)) {
    if (kind === "#") el.id = name;
    else classes.push(name);
  }
  if (classes.length) el.className = classes.join(" ");
  if (props && (typeof props !== "object" || props instanceof Node || Array.isArray(props))) {
    children.unshift(props);
    props = null;
  }
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "style") el.style.cssText = value; // CSSOM, allowed by the CSP (a style attribute is not)
    else if (key === "value") el.value = value;
    else if (key === "checked" || key === "selected" || key === "disabled") el[key] = !!value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function mount(root, ...children) {
  root.replaceChildren();
  append(root, children);
}

let toastTimer = null;
export function toast(text, kind = "info") {
  let el = document.getElementById("toast");
  if (!el) {
    el = h("div#toast", { role: "status" });
    document.body.append(el);
  }
  el.className = `toast ${kind} show`;
  el.textContent = text;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove("show"), 3500);
}

/** A <select> of [{value, label}] with an optional empty choice. */
export function select(props, options, current, emptyLabel = null) {
  const el = h("select", props);
  if (emptyLabel !== null) el.append(h("option", { value: "" }, emptyLabel));
  for (const option of options) {
    const value = option.value === null ? "" : String(option.value);
    el.append(h("option", { value, selected: current !== null && current !== undefined && String(current) === value }, option.label));
  }
  return el;
}

export function progressBar(done, total, label) {
  const share = total ? Math.min(1, done / total) : 0;
  return h("div.progress", { role: "progressbar", "aria-valuemin": 0, "aria-valuemax": total || 0, "aria-valuenow": done, "aria-label": label },
    h("div.bar", { style: `width:${(share * 100).toFixed(1)}%` }));
}

export function download(filename, text, type = "application/json") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h("a", { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
