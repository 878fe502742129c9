// Offline reading: register this build's service worker (sw.js at the site's root, written by
// sitegen/offline.py) and, once a simulator has loaded here, ask it to keep the runtime too,
// so that every topic page and its simulator open without a network from then on. With
// offline reading switched off (site.yaml), remove what an earlier build installed instead.
// Nothing starts before the page has loaded: keeping pages for later must not compete with
// the first visit's own downloads.
(function () {
  if (!("serviceWorker" in navigator)) return; // plain http on another host: no service workers
  var script = document.currentScript;
  var url = new URL(script.dataset.serviceWorker, document.baseURI).href;
  var scope = new URL(".", url).href;

  function switchOff() {
    navigator.serviceWorker.getRegistrations().then(function (registrations) {
      return Promise.all(registrations.filter(function (r) { return r.scope === scope; })
        .map(function (r) { return r.unregister(); }));
    }).then(function () { return caches.keys(); }).then(function (names) {
      // This site's caches only: another site may share the origin.
      names.forEach(function (name) { if (name.indexOf("companion " + scope + " ") === 0) caches.delete(name); });
    });
  }

  function register() {
    // For the reader's tools and the tests: what this build keeps offline.
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "offline-ready") document.documentElement.dataset.offline = event.data.kept;
    });
    navigator.serviceWorker.register(url).catch(function (error) {
      console.warn("Offline reading is not available: " + error.message);
    });
  }

  var on = script.dataset.offline !== "off";
  var start = on ? register : switchOff;
  if (document.readyState === "complete") start();
  else window.addEventListener("load", start);
  if (!on) return;

  document.addEventListener("simulator-live", function () {
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) registration.active.postMessage({ type: "keep-runtime" });
    });
  });
})();
