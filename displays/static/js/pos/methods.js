// What the till calls each payment method: the shared labels, plus the two only a till takes.

import { t } from "/static/js/shared/i18n.js";
import { METHOD_LABELS } from "/static/js/shared/labels.js";

const TILL_METHODS = {
  bank_transfer: t("Bank transfer"),
  on_account: t("On account"),
};

export function methodName(method) {
  return TILL_METHODS[method] || METHOD_LABELS[method] || String(method || "").replace(/_/g, " ");
}
