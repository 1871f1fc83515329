// Sign in with e-mail and password (POST /v1/auth/token) or with an API key.
import { get, signIn, signOut, useApiKey } from "../api";
import { field, h } from "../dom";
import { errorBox, heading, hideError, showError } from "../ui";

export function signInPage(main: HTMLElement): void {
  const error = errorBox();
  const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true });
  const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const key = h("input", { type: "password", name: "api_key", autocomplete: "off", required: true, spellcheck: false });

  const done = () => { location.hash = "#/workbooks"; };
  const withPassword = h("form", { class: "card", "aria-labelledby": "with-password",
    onsubmit: async (e: Event) => {
      e.preventDefault();
      hideError(error);
      try {
        await signIn(email.value, password.value);
        done();
      } catch (err) {
        showError(error, err);
      }
    } },
    h("h2", { id: "with-password" }, "E-mail and password"),
    field("E-mail", email), field("Password", password),
    h("button", { type: "submit", class: "primary" }, "Sign in"));
  const withKey = h("form", { class: "card", "aria-labelledby": "with-key",
    onsubmit: async (e: Event) => {
      e.preventDefault();
      hideError(error);
      useApiKey(key.value);
      try {
        await get("/v1/workbooks?limit=1"); // the key is checked before the page moves on
        done();
      } catch (err) {
        signOut();
        showError(error, err);
      }
    } },
    h("h2", { id: "with-key" }, "API key"),
    field("API key", key, "An rsk_… key issued by your tenant's admin."),
    h("button", { type: "submit", class: "primary" }, "Use this key"));
  main.append(heading("Sign in to RiskStream"), error, h("div", { class: "columns" }, withPassword, withKey));
  email.focus();
}
