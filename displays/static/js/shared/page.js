// The one way a page hands data to its scripts: `{{ page_data(obj) }}` in the template renders
// <script type="application/json" id="page-data">, read here once. It always carries the page's
// locale: lang, dir, locale (Intl tag with digits), digits, currency, timezone, branch_id, catalog.
//
//   import { pageData } from "/static/js/shared/page.js";
//   const { branches, currency } = pageData;

function read() {
  const node = document.getElementById("page-data");
  if (!node) return {};
  try {
    return JSON.parse(node.textContent || "{}");
  } catch {
    return {};
  }
}

export const pageData = Object.freeze(read());
