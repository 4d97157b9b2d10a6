// Sign-in (online only). Afterwards the app works offline for this user.

import { call, HttpError } from "../api.js";
import { language, t } from "../i18n.js";
import { h } from "../ui.js";
import { signedIn, switchLanguage } from "../app.js";

export async function renderLogin(app, { again }) {
  const error = h("p.error#login-error", { role: "alert", hidden: true });
  const username = h("input#username", {
    name: "username", autocomplete: "username", autocapitalize: "none", required: true,
    value: again && app.user ? app.user.username : "",
  });
  const password = h("input#password", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const button = h("button.primary#login-button", { type: "submit" }, t("Sign in"));
  const form = h("form.card.narrow#login-form", {
    onsubmit: async (event) => {
      event.preventDefault();
      error.hidden = true;
      if (!navigator.onLine) {
        error.textContent = t("Signing in needs a connection. Connect once; afterwards the app works offline.");
        error.hidden = false;
        return;
      }
      button.disabled = true;
      try {
        await call("GET", "/field/session"); // a fresh CSRF cookie
        const { data } = await call("POST", "/field/session", { json: { username: username.value, password: password.value } });
        await signedIn(data.user, data.round);
      } catch (err) {
        error.textContent = err instanceof HttpError ? err.message : t("No connection to the server. Try again.");
        if (err instanceof HttpError && err.body.errors && err.body.errors.non_field_errors) error.textContent = err.body.errors.non_field_errors[0];
        error.hidden = false;
      } finally {
        button.disabled = false;
      }
    },
  },
  h("h1", t("Sign in")),
  h("p.muted", t("Household survey for universal education and literacy")),
  again ? h("p.note", t("Your session has ended. Sign in again to send your changes; nothing is lost.")) : null,
  h("label", { for: "username" }, t("Username")), username,
  h("label", { for: "password" }, t("Password")), password,
  error,
  button,
  h("button.link#language-button", { type: "button", onclick: async () => { await switchLanguage(); location.reload(); } },
    language() === "vi" ? "English" : "Tiếng Việt"));
  return form;
}
