// The till's offline copy: the service worker (/pos-sw.js) keeps the page, its scripts and the last API
// answers the till starts from; this module registers it and, on a cold load, hands it the answers the page
// already fetched before the worker took control, so the 112 KB catalog is not downloaded a second time
// just to be kept.

// pos-sw.js keeps API answers (and product pictures) in this cache; the names must agree.
export const DATA_CACHE = "passline-pos-data";

/** Register the worker; resolves {controlled, fresh}: `fresh` when this load was not yet under it. */
export async function registerWorker() {
  if (!("serviceWorker" in navigator)) return { controlled: false, fresh: false };
  const fresh = !navigator.serviceWorker.controller;
  try {
    await navigator.serviceWorker.register("/pos-sw.js", { scope: "/pos" });
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
    }
    return { controlled: true, fresh };
  } catch (error) {
    console.warn("no offline support:", error);
    return { controlled: false, fresh };
  }
}

/** Keep `data` as the worker's copy of GET `url` (what it would have saved had it seen the answer). */
export async function keepForOffline(url, data) {
  if (!("caches" in window) || data === undefined) return;
  const cache = await caches.open(DATA_CACHE);
  const body = JSON.stringify(data);
  await cache.put(new URL(url, window.location.origin).href, new Response(body, { headers: { "Content-Type": "application/json" } }));
}
