// Handing a signed-in till to a colleague: their name (or employee code) and PIN open their session in
// place of the current one (POST /api/v1/auth/pin), then the till starts again as them. Not in the middle
// of a sale: the cart belongs to whoever rang it up.

import { t } from "/static/js/shared/i18n.js";
import { call, describeError } from "./net.js";

const $ = (id) => document.getElementById(id);

export class SwitchUser {
  constructor({ busy }) {
    this.busy = busy;
    this.dialog = $("switch");
    for (const button of this.dialog.querySelectorAll("[data-close]")) button.onclick = () => this.dialog.close();
    $("switch-user").addEventListener("click", () => this.open());
    $("switch-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  error(text) {
    $("switch-error").textContent = text || "";
    $("switch-error").hidden = !text;
  }

  open() {
    this.error(this.busy() ? t("Finish or clear the sale on the till first.") : "");
    $("switch-who").value = "";
    $("switch-pin").value = "";
    $("switch-go").disabled = this.busy();
    this.dialog.showModal();
    $("switch-who").focus();
  }

  async submit() {
    if (this.busy()) return;
    try {
      await call("POST", "/api/v1/auth/pin", { who: $("switch-who").value.trim(), pin: $("switch-pin").value });
    } catch (error) {
      $("switch-pin").value = "";
      this.error(describeError(error));
      return;
    }
    // The new session's cookies are set: start the till again as the new person.
    window.location.reload();
  }
}
