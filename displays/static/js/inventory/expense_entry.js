// The cashier's petty cash form, shown in the till's shift panel: category, amount, a note, and a photo of
// the paper receipt (the tablet's camera). Up to the branch's limit it is paid out at once; above it, it
// waits for a manager (on /inventory, Expenses).
import { h } from "/static/js/shared/dom.js";
import { http } from "/static/js/shared/http.js";
import { t } from "/static/js/shared/i18n.js";
import { toast } from "/static/js/shared/toast.js";
import { CATEGORY_LABELS } from "./expenses.js";
import { field, input, refused, select } from "./ui.js";

const MAX_PHOTO_BYTES = 2 * 1024 * 1024;

function base64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/** Put the form in `container`; `shiftId()` is the till's open shift (null: none). */
export function mountExpenseEntry(container, { shiftId, onRecorded } = {}) {
  const category = select("category", Object.entries(CATEGORY_LABELS));
  const amount = input("amount", { inputmode: "decimal" });
  const note = input("note", { placeholder: t("What was bought") });
  const photo = h("input", { class: "input", attrs: { type: "file", name: "receipt", accept: "image/jpeg,image/png,image/webp", capture: "environment" } });
  const status = h("p", { class: "hint", attrs: { role: "status" } });
  const save = h("button", { class: "btn btn-primary", text: t("Pay out"), attrs: { type: "button" } });
  // A group, not a form: the till's shift panel it sits in is a form already.
  const form = h(
    "div",
    { class: "inv-expense-entry", attrs: { role: "group", "aria-label": t("Expense from the drawer") } },
    h("h3", { text: t("Expense from the drawer") }),
    // Two columns: the till's shift panel is a dialog, not a page.
    h(
      "div",
      { attrs: { style: "display: grid; grid-template-columns: 1fr 1fr; gap: 0 var(--space-3)" } },
      field(t("Category"), category),
      field(t("Amount"), amount),
      field(t("Note"), note),
      field(t("Receipt photo"), photo, t("JPEG, PNG or WebP, at most 2 MB")),
    ),
    save,
    status,
  );
  async function submit() {
    const shift = shiftId ? shiftId() : null;
    if (!shift) return toast.error(t("Open a shift on this till first."));
    const file = photo.files && photo.files[0];
    if (file && file.size > MAX_PHOTO_BYTES) {
      photo.setAttribute("aria-invalid", "true");
      return toast.error(t("The photo is larger than 2 MB; take it again at a lower size."));
    }
    save.disabled = true;
    try {
      const body = {
        id: crypto.randomUUID(),
        shift_id: shift,
        category: category.value,
        amount: amount.value.trim(),
        note: note.value.trim(),
      };
      if (file) body.receipt = { content_type: file.type || "image/jpeg", data: await base64(file) };
      const result = await http.post("/api/v1/expenses", body);
      if (!result.ok) return refused(result, form);
      const waiting = result.data.state === "pending";
      status.textContent = waiting ? t("Waiting for a manager to approve: do not pay yet.") : t("Paid out of the drawer.");
      toast.ok(status.textContent);
      amount.value = "";
      note.value = "";
      photo.value = "";
      if (onRecorded) onRecorded(result.data);
    } finally {
      save.disabled = false;
    }
  }
  save.addEventListener("click", submit);
  for (const el of [amount, note]) el.addEventListener("keydown", (e) => e.key === "Enter" && (e.preventDefault(), submit()));
  container.append(form);
  return form;
}
