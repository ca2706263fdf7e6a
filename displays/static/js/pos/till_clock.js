// A colleague clocks in or out at a signed-in till with their name (or employee code) and PIN
// (POST /api/v1/clock/pin), without taking the till over: the sale on it, if any, stays as it is.
// The server decides the direction (out when they are in); the answer says which, and when.

import { bidi, time } from "/static/js/shared/format.js";
import { t } from "/static/js/shared/i18n.js";
import { toast } from "/static/js/shared/toast.js";
import { call, describeError } from "./net.js";

const $ = (id) => document.getElementById(id);

/** "7 h 32 min" (or "45 min") from seconds at work. */
export function worked(seconds) {
  const m = Math.floor(Math.max(0, seconds) / 60);
  return m < 60 ? t("{m} min", { m }) : t("{h} h {m} min", { h: Math.floor(m / 60), m: m % 60 });
}

/** What the till says after a punch: who, and in at what time or out after how long. */
export function punchMessage(entry) {
  const name = bidi(entry.user_name);
  if (entry.clock_out_at) return t("{name}: clocked out, {worked}", { name, worked: bidi(worked(entry.seconds)) });
  return t("{name}: clocked in at {time}", { name, time: time(entry.clock_in_at) });
}

export class TillClock {
  constructor({ branchId }) {
    this.branchId = branchId;
    this.dialog = $("punch");
    for (const button of this.dialog.querySelectorAll("[data-close]")) button.onclick = () => this.dialog.close();
    $("clock-button").addEventListener("click", () => this.open());
    $("punch-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  error(text) {
    $("punch-error").textContent = text || "";
    $("punch-error").hidden = !text;
  }

  open() {
    this.error("");
    $("punch-who").value = "";
    $("punch-pin").value = "";
    $("punch-go").disabled = false;
    this.dialog.showModal();
    $("punch-who").focus();
  }

  async submit() {
    const body = { who: $("punch-who").value.trim(), pin: $("punch-pin").value };
    const branch = this.branchId();
    if (branch) body.branch_id = branch;
    $("punch-go").disabled = true;
    let entry;
    try {
      entry = await call("POST", "/api/v1/clock/pin", body);
    } catch (error) {
      $("punch-pin").value = "";
      this.error(describeError(error));
      return;
    } finally {
      $("punch-go").disabled = false;
    }
    this.dialog.close();
    toast.ok(punchMessage(entry), { timeout: 8000 });
  }
}
