// The sale's customer: search by phone (however it is typed) or name, or create one on the spot with
// the address and territory a delivery needs.

import { bdi } from "/static/js/shared/format.js";
import { h } from "/static/js/shared/dom.js";
import { t } from "/static/js/shared/i18n.js";
import { call, describeError } from "./net.js";

const $ = (id) => document.getElementById(id);

export class CustomerPicker {
  constructor({ onPick, territories, branchId = () => null }) {
    this.onPick = onPick;
    this.territories = territories;
    // The till's branch reads a number typed the local way ("0100 …") in its own country.
    this.branchId = branchId;
    this.dialog = $("customer");
    this.timer = null;
    this.seq = 0;
    for (const button of this.dialog.querySelectorAll("[data-close]")) button.onclick = () => this.dialog.close();
    this.dialog.querySelector("[data-walkin]").onclick = () => this.pick(null);
    $("customer-q").addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.search(), 250);
    });
    $("cn-save").addEventListener("click", () => this.create());
    $("customer-form").addEventListener("submit", (event) => event.preventDefault());
  }

  open() {
    this.error("");
    $("customer-q").value = "";
    $("customer-results").replaceChildren();
    this.dialog.showModal();
    $("customer-q").focus();
  }

  error(text) {
    $("customer-error").textContent = text || "";
    $("customer-error").hidden = !text;
  }

  pick(customer) {
    this.onPick(customer);
    this.dialog.close();
  }

  async search() {
    const q = $("customer-q").value.trim();
    if (q.length < 2) return;
    const seq = ++this.seq;
    try {
      const page = await call("GET", `/api/v1/customers?q=${encodeURIComponent(q)}&page_size=20`);
      if (seq !== this.seq) return;
      this.error(page.items.length ? "" : t("No customer matches; create one below."));
      $("customer-results").replaceChildren(
        ...page.items.map((c) =>
          h(
            "li",
            {},
            h(
              "button",
              { class: "pos-option", attrs: { type: "button" }, dataset: { customerId: c.id }, on: { click: () => this.pick(c) } },
              h("strong", {}, h("bdi", { text: c.name })),
              c.company_name ? [" · ", h("bdi", { text: c.company_name })] : null,
              // Phone numbers read left to right inside Arabic too: each isolated.
              h("small", { class: "pos-phones" }, c.phones.map((p) => bdi(p.phone))),
            ),
          ),
        ),
      );
      if (!page.items.length) {
        $("customer-new").open = true;
        if (/^[+\d\s()-]+$/.test(q)) $("cn-phone").value = q;
        else $("cn-name").value = q;
      }
    } catch (error) {
      this.error(describeError(error));
    }
  }

  async create() {
    this.error("");
    const name = $("cn-name").value.trim();
    const phone = $("cn-phone").value.trim();
    const address = $("cn-address").value.trim();
    const territory = Number($("cn-territory").value) || null;
    if (!name || !phone) return this.error(t("A new customer needs a name and a phone."));
    const body = { name, phones: [phone] };
    if (this.branchId()) body.branch_id = this.branchId();
    if (address) body.addresses = [{ address, territory_id: territory, is_default: true }];
    try {
      this.pick(await call("POST", "/api/v1/customers", body));
      for (const id of ["cn-name", "cn-phone", "cn-address"]) $(id).value = "";
    } catch (error) {
      this.error(describeError(error));
    }
  }
}
