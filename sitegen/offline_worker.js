// The offline service worker of one build. sitegen/offline.py writes it to the site's root as
// sw.js, after a line `const BUILD = {...}` that lists every file of the build by group, with
// its URL (as pages request it) and sha256:
//   pages       every page, style sheet, script, font and first frame: kept when this installs
//   runtime     Pyodide, NumPy, the simulators archive, precomputed frames: kept once a
//               simulator has loaded (the page sends "keep-runtime"), and from then on by each
//               new build, which copies unchanged files from the old cache
//   on_request  large files some settings download (the sentence encoder): kept when fetched
//
// One cache per build, replaced as a whole when a new build activates, and every file checked
// against its sha256 before it is kept: a reader never gets two builds' files mixed, even from
// a host caught in the middle of an upload. Pages come from the network first (so a new build
// is seen on the next visit) and from the cache when the network fails. Every other file's URL
// names its content (a ?v= hash, a hashed name or a versioned folder), so it comes from the
// cache first.

const SCOPE = self.registration.scope;
const PREFIX = `companion ${SCOPE} `; // this site's caches: another site may share the origin (user.github.io/other/)
const CACHE = PREFIX + BUILD.version;
const KEPT_RUNTIME = new URL("sw.js?kept=runtime", SCOPE).href; // marks a cache that holds the runtime

const FILES = new Map(); // absolute URL -> {group, sha256}
for (const group of ["pages", "runtime", "on_request"]) {
  for (const [url, sha256] of Object.entries(BUILD[group] || {})) FILES.set(new URL(url, SCOPE).href, { group, sha256 });
}
const urlsOf = (group) => [...FILES].filter(([, file]) => file.group === group).map(([url]) => url);

async function sha256Hex(buffer) {
  const digest = await crypto.subtle.digest("SHA-256", buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// Keep a response only if it is this build's file, byte for byte.
async function keep(cache, url, response) {
  if (!response.ok) return false;
  const body = await response.clone().arrayBuffer();
  if ((await sha256Hex(body)) !== FILES.get(url).sha256) return false;
  await cache.put(url, response);
  return true;
}

async function fromOlderBuilds(url) {
  for (const name of await caches.keys()) {
    if (!name.startsWith(PREFIX) || name === CACHE) continue;
    const response = await (await caches.open(name)).match(url);
    if (response) return response;
  }
  return null;
}

async function fill(cache, group) {
  await Promise.all(urlsOf(group).map(async (url) => {
    if (await cache.match(url)) return;
    const old = await fromOlderBuilds(url);
    if (old && (await keep(cache, url, old))) return;
    const response = await fetch(url, { cache: "no-cache" }); // revalidate: the HTTP cache may hold an older build
    if (!(await keep(cache, url, response))) throw new Error(`${url} is not this build's file (HTTP ${response.status})`);
  }));
}

async function keptRuntimeBefore() {
  for (const name of await caches.keys()) {
    if (name.startsWith(PREFIX) && (await (await caches.open(name)).match(KEPT_RUNTIME))) return true;
  }
  return false;
}

async function keepRuntime(cache) {
  await fill(cache, "runtime");
  await cache.put(KEPT_RUNTIME, new Response("runtime"));
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await fill(cache, "pages"); // a failure here leaves the previous build in charge; the browser retries later
    if (await keptRuntimeBefore()) await keepRuntime(cache).catch(() => {}); // best effort: kept again on the next run
    await self.skipWaiting(); // pages come from the network first, so taking over at once mixes nothing
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "keep-runtime") return;
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    let kept = "pages";
    try {
      await keepRuntime(cache);
      kept = "runtime";
    } catch (error) {
      console.warn(`The simulators' runtime is not kept for offline use: ${error.message}`);
    }
    if (event.source) event.source.postMessage({ type: "offline-ready", kept });
  })());
});

// The cached copy of a page: a folder's URL means its index.html; the query (a simulator's
// settings) does not change the file.
function pageURL(url) {
  const page = new URL(url.pathname, url.origin);
  if (page.pathname.endsWith("/")) page.pathname += "index.html";
  return page.href;
}

async function page(request) {
  try {
    return await fetch(request);
  } catch (offline) {
    const cached = (await caches.match(pageURL(new URL(request.url)), { cacheName: CACHE }))
      || (await caches.match(new URL("404.html", SCOPE).href, { cacheName: CACHE }));
    if (cached) return cached;
    throw offline;
  }
}

async function file(event, url) {
  const cached = await caches.match(url, { cacheName: CACHE });
  if (cached) return cached;
  const response = await fetch(event.request);
  // Kept on the way through, into this build's cache only while it exists: caches.open would
  // bring back a cache that a newer build (or switching offline reading off) just deleted.
  if (await caches.has(CACHE)) event.waitUntil(caches.open(CACHE).then((cache) => keep(cache, url, response.clone())).catch(() => false));
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || !request.url.startsWith(self.location.origin + "/")) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (FILES.has(request.url)) {
    event.respondWith(file(event, request.url));
  }
});
