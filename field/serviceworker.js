/* The field app's service worker (served by django-pwa at /serviceworker.js, scope /field/).
 *
 * It precaches the app shell under a versioned cache name and answers the app's
 * pages and files from it, so the app opens without a network. The version and
 * the file list come from /field/sw-version.js: any change there is a new worker.
 * A new worker installs beside the old one and WAITS: the page tells the surveyor
 * a new version is ready and activates it only when they accept (so an update
 * never happens in the middle of a form). It never touches IndexedDB, where the
 * outbox and the drafts live: an update cannot lose them.
 */
/* global FIELD_SHELL */
importScripts("/field/sw-version.js");

const PREFIX = "pcgd-field-shell-";
const CACHE = PREFIX + FIELD_SHELL.version;
const SHELL_PAGE = "/field/";
const PRECACHED = new Set(FIELD_SHELL.files);

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // "no-cache": revalidate with the server (a 304 costs a few bytes), never a stale copy.
    await cache.addAll(FIELD_SHELL.files.map((url) => new Request(url, { cache: "no-cache", credentials: "same-origin" })));
    if (!self.registration.active) await self.skipWaiting(); // the very first install: nothing to replace
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith(PREFIX) && name !== CACHE).map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "SKIP_WAITING") self.skipWaiting();
  if (data.type === "VERSION" && event.ports[0]) event.ports[0].postMessage({ version: FIELD_SHELL.version });
});

async function fromCache(request, key) {
  const cache = await caches.open(CACHE);
  // Vary (Cookie, Accept-Language) is ignored: a shell file is the same for everyone.
  const hit = await cache.match(key || request, { ignoreVary: true });
  if (hit) return hit;
  return fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.startsWith(SHELL_PAGE)) {
    event.respondWith(fromCache(request, SHELL_PAGE));
    return;
  }
  if (PRECACHED.has(url.pathname + url.search)) event.respondWith(fromCache(request));
  // Everything else (the API, sign-in, other pages) goes to the network as usual.
});
