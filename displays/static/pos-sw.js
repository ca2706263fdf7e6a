// The till's service worker (served as /pos-sw.js, scope /pos): it keeps the page, its scripts, the
// Socket.IO client and the last catalog answers, so a reload with the network gone still opens the till.
//
// Network first, cache as the fallback, for everything it keeps: a connected till always runs the
// current scripts and prices, and each good answer refreshes the copy. Writes (POST) and the socket pass
// straight through; the page itself queues sales it cannot send (static/js/pos/queue.js).

const CACHE = "passline-pos-v1";
const SHELL = [
  "/pos",
  "/static/css/app.css",
  "/static/css/pos.css",
  "/static/js/api.js",
  "/static/js/clock.js",
  "/static/js/live.js",
  "/static/js/pos.js",
  "/static/js/pos/catalog.js",
  "/static/js/pos/checkout.js",
  "/static/js/pos/customers.js",
  "/static/js/pos/decimal.js",
  "/static/js/pos/pricing.js",
  "/static/js/pos/queue.js",
  "/static/js/pos/refused.js",
  "/static/js/pos/shift.js",
  "/static/js/pos/util.js",
  "/static/js/ref.js",
  "/vendor/socket.io/socket.io.esm.min.js",
];
// API reads the till needs to start offline: tills, the catalog (and its fallback reads), the open shift.
const API_READS = [
  /^\/api\/v1\/pos\/(profiles|catalog)(\/\d+\/shift)?$/,
  /^\/api\/v1\/(products|categories|territories)$/,
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => Promise.all(SHELL.map((url) => cache.add(url).catch(() => null))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

function kept(request, url) {
  if (request.method !== "GET" || url.origin !== self.location.origin) return false;
  if (request.mode === "navigate") return url.pathname === "/pos";
  if (url.pathname.startsWith("/static/") || url.pathname.startsWith("/vendor/socket.io/")) return true;
  return API_READS.some((pattern) => pattern.test(url.pathname));
}

async function networkFirst(request, url) {
  const cache = await caches.open(CACHE);
  // The page is kept under its bare path: `/pos?x` and `/pos` are the same till.
  const key = request.mode === "navigate" ? "/pos" : request;
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) await cache.put(key, response.clone());
    return response;
  } catch (error) {
    const copy = await cache.match(key, { ignoreSearch: request.mode === "navigate" });
    if (copy) return copy;
    return new Response(JSON.stringify({ detail: "offline, and no saved copy of " + url.pathname }), {
      status: 503,
      headers: { "Content-Type": "application/json", "X-Pos-Offline": "1" },
    });
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (!kept(event.request, url)) return;
  event.respondWith(networkFirst(event.request, url));
});
