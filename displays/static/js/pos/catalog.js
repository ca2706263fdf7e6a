// The till's catalog: one document (GET /api/v1/pos/catalog) with the branch's money rules, the till's
// profile, categories, products (prices, units, barcodes, stock, bundle groups) and territories. The
// service worker keeps the last copy, so an offline reload still has it. Barcode lookup happens here, from
// that document: a scanner's code is matched without a round trip.
//
// A server without the POS catalog endpoint (404) gets the same document assembled from the plain
// catalog reads (/products, /categories, /territories): no bundles, no stock counts.

import { Offline, Refused, call } from "./net.js";

export class Catalog {
  constructor(doc) {
    this.doc = doc;
    this.branch = doc.branch;
    this.profile = doc.profile || null;
    this.categories = [...(doc.categories || [])].sort(
      (a, b) => (a.sort_order || 0) - (b.sort_order || 0) || a.name.localeCompare(b.name),
    );
    this.territories = (doc.territories || []).filter((t) => t.active !== false);
    this.products = doc.products || [];
    this.byId = new Map(this.products.map((p) => [p.id, p]));
    this.byCode = new Map();
    for (const product of this.products) {
      for (const code of product.barcodes || []) this.byCode.set(code.code, { product, unit: code.unit });
    }
  }

  product(id) {
    return this.byId.get(Number(id)) || null;
  }

  /** {product, unit} for a scanned code, or null. */
  scan(code) {
    return this.byCode.get(String(code).trim()) || null;
  }

  /** Products of a category (all with none), whose name or sku contains every word of `query`. */
  filter({ category = null, query = "" } = {}) {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    return this.products.filter((p) => {
      if (category && p.category !== category && !words.length) return false;
      const text = `${p.name} ${p.sku}`.toLowerCase();
      return words.every((w) => text.includes(w));
    });
  }

  territory(id) {
    return this.territories.find((t) => t.id === Number(id)) || null;
  }
}

/** The catalog document's URL for a branch and till (the service worker keeps it under this URL). */
export function catalogUrl(branch, profileId) {
  const query = new URLSearchParams({ branch_id: branch.id });
  if (profileId) query.set("pos_profile_id", profileId);
  return `/api/v1/pos/catalog?${query}`;
}

/** The document for a branch and till, from the POS endpoint or assembled from the plain reads. */
export async function loadCatalog(branch, profileId) {
  try {
    return new Catalog(await call("GET", catalogUrl(branch, profileId)));
  } catch (error) {
    // Offline with no saved POS document: the plain reads may still have saved copies.
    const missing = error instanceof Refused && error.status === 404;
    if (!missing && !(error instanceof Offline)) throw error;
  }
  return new Catalog(await assemble(branch));
}

async function assemble(branch) {
  const products = [];
  for (let page = 1; ; page += 1) {
    const answer = await call("GET", `/api/v1/products?branch_id=${branch.id}&page_size=200&page=${page}`);
    products.push(...answer.items);
    if (products.length >= answer.total || !answer.items.length) break;
  }
  const [categories, territories] = await Promise.all([
    call("GET", "/api/v1/categories"),
    call("GET", "/api/v1/territories"),
  ]);
  return {
    catalog_version: "",
    branch,
    profile: null,
    categories,
    territories,
    products: products.map((p) => ({
      id: p.id,
      sku: p.sku,
      name: p.name,
      kind: "item",
      category: p.category.code,
      base_unit: p.base_unit,
      barcodes: [
        ...(p.barcode ? [{ code: p.barcode, unit: p.base_unit }] : []),
        ...p.units.filter((u) => u.barcode).map((u) => ({ code: u.barcode, unit: u.unit })),
      ],
      units: p.units,
      prices: p.prices,
      tax_rate: p.tax_rate,
      station_code: p.station_code,
      stock_tracked: p.stock_tracked,
      stock: null,
      bundle_groups: [],
    })),
  };
}
