// The till's service worker (served as /pos-sw.js, scope /pos): it keeps the page, its scripts, the
// Socket.IO client, the last catalog answers and the product pictures, so a reload with the network gone
// still opens the till and sells.
//
// Scripts and styles are the content-hashed /assets/<digest>/… URLs the page loads (an import map sends
// every module import there): the server writes their list into this file (SHELL below), so a new release
// is a new worker, which fetches the new files and drops the old ones. Hashed files and pictures never
// change under their URL: cache first. The page and the API reads: network first, the copy as fallback, so
// a connected till always has the current prices. Writes (POST) and the socket pass straight through; the
// page queues the sales it cannot send (static/js/pos/queue.js).

const SHELL = self.PASSLINE_SHELL || [];
const DIGEST = self.PASSLINE_DIGEST || "dev";
const SHELL_CACHE = `passline-pos-shell-${DIGEST}`;
// The page and the API answers outlive a release (an update must not empty the offline catalog);
// js/pos/offline.js writes into it too.
const DATA_CACHE = "passline-pos-data";
// API reads the till needs to start offline: its start document, and the reads of the long way (tills, the
// catalog and its fallback reads, the open shift, the paused channels).
const API_READS = [
  /^\/api\/v1\/pos\/start$/,
  /^\/api\/v1\/pos\/(profiles|catalog)(\/\d+\/shift)?$/,
  /^\/api\/v1\/(products|categories|territories)$/,
  /^\/api\/v1\/menu\/branches\/\d+\/pauses$/,
];

self.addEventListener("install", (event) => {
  // Most of the shell is in the browser's HTTP cache already (the page just loaded it, cached for a year);
  // the page itself is fetched once more, as the first load was not under this worker.
  const shell = caches.open(SHELL_CACHE).then((cache) => Promise.all(SHELL.map((url) => cache.add(url).catch(() => null))));
  const page = caches.open(DATA_CACHE).then((cache) => cache.add("/pos").catch(() => null));
  event.waitUntil(Promise.all([shell, page]).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== SHELL_CACHE && n !== DATA_CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

function immutable(url) {
  return url.pathname.startsWith("/assets/") || url.pathname.startsWith("/media/products/");
}

function kept(request, url) {
  if (request.method !== "GET" || url.origin !== self.location.origin) return false;
  if (request.mode === "navigate") return url.pathname === "/pos";
  if (immutable(url) || url.pathname.startsWith("/vendor/socket.io/")) return true;
  return API_READS.some((pattern) => pattern.test(url.pathname));
}

function offline(url) {
  // The shared http layer reads `code`: the till treats it as "no network" (js/pos/net.js).
  return new Response(JSON.stringify({ code: "pos_offline", detail: "offline, and no saved copy of " + url.pathname }), {
    status: 503,
    headers: { "Content-Type": "application/json", "X-Pos-Offline": "1" },
  });
}

async function cacheFirst(request, url) {
  const cache = await caches.open(url.pathname.startsWith("/assets/") ? SHELL_CACHE : DATA_CACHE);
  const copy = await cache.match(request);
  if (copy) return copy;
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    return offline(url);
  }
}

async function networkFirst(request, url) {
  const cache = await caches.open(DATA_CACHE);
  // The page is kept under its bare path: `/pos?x` and `/pos` are the same till.
  const key = request.mode === "navigate" ? "/pos" : request;
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) await cache.put(key, response.clone());
    return response;
  } catch (error) {
    const copy = await cache.match(key, { ignoreSearch: request.mode === "navigate" });
    return copy || offline(url);
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (!kept(event.request, url)) return;
  event.respondWith(immutable(url) ? cacheFirst(event.request, url) : networkFirst(event.request, url));
});
