// Offline reading is turned off for this site (site.yaml: offline: false). The pages' own
// script (static/js/offline.js) removes an earlier build's worker and caches on the next
// visit; this file does the same for a browser that updates the worker before that.
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(`companion ${self.registration.scope} `)) await caches.delete(name);
    }
    await self.registration.unregister();
  })());
});
