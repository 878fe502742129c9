// Offline reading: register this build's service worker (sw.js at the site's root, written by
// sitegen/offline.py) and, once a simulator has loaded here, ask it to keep the runtime too,
// so that every topic page and its simulator open without a network from then on. With
// offline reading switched off (site.yaml), remove what an earlier build installed instead.
// Nothing starts before the page has loaded, nor on a simulator page before its simulator is
// up and idle: keeping pages for later must not compete with the first visit's own downloads
// and runs (measured: an install meanwhile slowed the first redraw after a change threefold).
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

  // Start once the page has loaded and, on a simulator page, once the page script says its
  // runtime is out of the way: up and idle, failed, or not starting yet (sim-page.mjs starts
  // it when the simulator nears the viewport). Listening from now on: it may say so before load.
  var waiting = { load: true, simulator: Boolean(document.querySelector("[data-sim]")) };
  var on = script.dataset.offline !== "off";
  function ready(what) {
    if (!waiting[what]) return;
    waiting[what] = false;
    if (!waiting.load && !waiting.simulator) (on ? register : switchOff)();
  }
  ["simulator-idle", "simulator-failed", "simulator-waiting"].forEach(function (type) {
    document.addEventListener(type, function () { ready("simulator"); });
  });
  if (document.readyState === "complete") ready("load");
  else window.addEventListener("load", function () { ready("load"); });
  if (!on) return;

  document.addEventListener("simulator-live", function () {
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) registration.active.postMessage({ type: "keep-runtime" });
    });
  });
})();
