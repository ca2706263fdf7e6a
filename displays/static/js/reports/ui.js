// What the report scripts use of the shared UI layer, in one place (displays/static/js/shared/).
export { clear, h, qs } from "/static/js/shared/dom.js";
export { date, money, number } from "/static/js/shared/format.js";
export { http } from "/static/js/shared/http.js";
export { dir, t } from "/static/js/shared/i18n.js";
export { pageData } from "/static/js/shared/page.js";
export { toast } from "/static/js/shared/toast.js";
