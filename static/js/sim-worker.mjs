// Simulator worker: boots Pyodide + NumPy, installs the simulators package, runs requests.
//
// Page -> worker: {type: "init", runtime, sim, module}   boot, and import the page's simulator (module) alone
//                 {type: "snapshot", runtime}      instead of init: save a runtime snapshot for later pages, then idle
//                 {type: "run", id, sim, module, params, seed, ask}   ask: seconds, or null to run to the end
//                 {type: "resume", id, fallback}   go on with a parked run (or start `fallback`, a run message)
//                 {type: "stop", id}               park the running run at its next step
//                 {type: "cancel"}                 drop whatever runs or waits
//                 {type: "forget"}                 empty the simulators' own caches (benchmarks time first visits)
//                 {type: "warm", sim, module, params, seed, viewOnly}   compute these in the background: fills the
//                                                  simulator's caches so its view-only controls answer at once
// Worker -> page: {type: "stage", stage}, {type: "ready", timings}, {type: "fatal", message}, {type: "warmed", complete}
//                 {type: "snapshot-saved", bytes, ms}, {type: "snapshot-failed", message}   (snapshot workers)
//                 {type: "violation", directive, blocked}   the Content-Security-Policy refused something
//                 {type: "partial", id, payload, worked, remaining}, {type: "result", id, payload, worked}
//                 {type: "progress", id, progress, phase, remaining}   (seconds; remaining is null until known)
//                 {type: "estimate", id, remaining, worked, download}   parked: longer than `ask`, or needs a
//                                                  file not downloaded yet (download: {label, bytes}); waits for resume
//                 {type: "stopped", id, remaining, progress}  parked on request
//                 {type: "error", id, message}
// A payload is a frame envelope as JSON text, made by simulators.bridge: the same shape the
// build put in the page ({svg, table, readouts, progress, phase, done, result}).
//
// How long a run will take comes from the run itself: after a short probe, the time it has
// worked divided by the progress it reports (simulators share progress out by cost). A run
// that would take longer than `ask` is parked between two steps, losing nothing, until the
// reader presses Run. Only the newest run matters: an older one stops at its next step.
// A run that needs a large file it does not have (simulators.kit.assets: the sentence encoder)
// is parked the same way, with the file's size; Run downloads it, checks it and goes on.

const PROBE_MS = 400; // work measured before a run is judged quick or long
const FRAME_MS = 300; // a partial frame is drawn at most this often; progress alone in between
const PROGRESS_MS = 250;

let bridge = null;
let forget = null; // simulators.kit.cache.clear_all
let pyodide = null;
let runtimeConfig = null;
let latestId = 0;
let parked = null; // the run waiting for the reader: {id, run, worked, confirmed, ask, stop}
let active = null; // the run being worked on, so that a stop can reach it
let warming = null; // the background run of the page's own settings: {params, seed, viewOnly, stop, waiter, done}

const post = (message) => self.postMessage(message);
// The worker inherits the page's Content-Security-Policy; a refusal is reported only here, so pass it on.
self.addEventListener("securitypolicyviolation", (event) =>
  post({ type: "violation", directive: event.effectiveDirective, blocked: event.blockedURI }));
// Let new messages in between steps. Not through setTimeout(0): a worker clamps nested timers to
// 4 ms, so a run of 150 steps sat idle for 0.6 s, time its estimate never saw (measured in
// Chromium: 4.06 ms a yield by timer, 0.008 ms by a message to itself, which still queues
// behind the page's messages).
const selfChannel = new MessageChannel();
const breathers = [];
selfChannel.port1.onmessage = () => breathers.shift()();
const breathe = () => new Promise((resolve) => {
  breathers.push(resolve);
  selfChannel.port2.postMessage(null);
});

async function sha256Hex(buffer) {
  if (!self.crypto || !self.crypto.subtle) return null; // not a secure context: cannot check here
  const digest = await self.crypto.subtle.digest("SHA-256", buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  return response;
}

// Pyodide 0.29 logs a failed WebAssembly compile (a missing or truncated pyodide.asm.wasm, as
// after a partial upload) and then waits forever. Every compile in the worker goes through
// here, so such a failure ends the boot under way with a message instead. Each boot attempt
// (from a snapshot, then without) races a promise of its own.
let failBoot = null;
let wasmHooked = false;
function wasmFailures() {
  const failed = new Promise((_, reject) => { failBoot = reject; });
  failed.catch(() => {}); // only the boot awaits it
  if (!wasmHooked) {
    wasmHooked = true;
    for (const name of ["compile", "compileStreaming", "instantiate", "instantiateStreaming"]) {
      const original = WebAssembly[name];
      WebAssembly[name] = function (...args) {
        return original.apply(this, args).catch((error) => {
          failBoot?.(new Error(`the WebAssembly runtime did not compile (${error.message || error})`));
          throw error;
        });
      };
    }
  }
  return failed;
}

async function init(runtime, sim, module) {
  runtimeConfig = runtime;
  const started = performance.now();
  const timings = {};
  const indexURL = new URL(runtime.indexURL, self.location.href).href;
  try {
    // Start the downloads that do not depend on the runtime now, so they overlap its boot.
    const archive = fetchOk(new URL(runtime.archive, self.location.href).href).then((r) => r.arrayBuffer());
    post({ type: "stage", stage: "runtime" });
    const { loadPyodide } = await import(indexURL + "pyodide.mjs");
    const snapshot = await savedSnapshot(indexURL);
    if (snapshot) {
      try {
        pyodide = await Promise.race([loadPyodide({ indexURL, _loadSnapshot: snapshot }), wasmFailures()]);
        await pyodide.loadPackage("numpy", { messageCallback: () => {} });
        timings.from_snapshot = true;
      } catch (err) {
        // A snapshot this runtime cannot take back: drop it and boot as without one.
        console.warn(`Booting without the saved runtime snapshot (${err.message || err})`);
        await forgetSnapshot();
        pyodide = null;
        timings.snapshot_refused = true; // and the page makes no new one
      }
    }
    // `packages` downloads NumPy while the runtime boots (measured: faster than loading it after).
    pyodide ??= await Promise.race([loadPyodide({ indexURL, packages: ["numpy"] }), wasmFailures()]);
    timings.runtime_and_numpy = performance.now() - started;
    post({ type: "stage", stage: "simulators" });
    const buffer = await archive;
    const digest = await sha256Hex(buffer);
    if (digest !== null && digest !== runtime.archiveSha256) {
      throw new Error(`simulators archive hash mismatch (expected ${runtime.archiveSha256}, got ${digest})`);
    }
    pyodide.unpackArchive(buffer, "zip", { extractDir: "/home/pyodide/sim" });
    pyodide.runPython("import sys\nsys.path.insert(0, '/home/pyodide/sim')\nimport simulators.bridge");
    bridge = pyodide.pyimport("simulators.bridge");
    bridge.simulator(sim, module).destroy(); // imports NumPy and this page's simulator, not the other six
    forget = pyodide.pyimport("simulators.kit.cache").clear_all;
    timings.simulators = performance.now() - started;
    post({ type: "ready", timings });
  } catch (err) {
    post({ type: "fatal", message: pythonMessage(err) }); // a failed import is a whole traceback
  }
}

// A memory snapshot of the runtime just after Python starts (before NumPy: Pyodide 0.29 cannot
// yet snapshot loaded packages). Booting from it skips most of Python's start-up, so the first
// simulator page a reader opens makes one in the background (makeSnapshot, in a worker of its
// own) and later pages start from it. Kept in Cache Storage under the runtime's versioned URL,
// one per site; any doubt about it (a read error, a failed restore) and the page boots as before.
const SNAPSHOT_CACHE = "pyodide memory snapshot";
const snapshotKey = (indexURL) => indexURL + "memory-snapshot";

async function savedSnapshot(indexURL) {
  try {
    if (!self.caches) return null;
    const found = await (await caches.open(SNAPSHOT_CACHE)).match(snapshotKey(indexURL));
    return found ? new Uint8Array(await found.arrayBuffer()) : null;
  } catch {
    return null; // storage refused (private mode, quota): boot without
  }
}

async function forgetSnapshot() {
  try { await caches.delete(SNAPSHOT_CACHE); } catch { /* nothing kept */ }
}

async function makeSnapshot(runtime) {
  const started = performance.now();
  try {
    const indexURL = new URL(runtime.indexURL, self.location.href).href;
    const { loadPyodide } = await import(indexURL + "pyodide.mjs");
    const fresh = await Promise.race([loadPyodide({ indexURL, _makeSnapshot: true }), wasmFailures()]);
    const bytes = fresh.makeMemorySnapshot();
    await caches.delete(SNAPSHOT_CACHE); // one snapshot per site: an older runtime's goes
    await (await caches.open(SNAPSHOT_CACHE)).put(snapshotKey(indexURL),
      new Response(bytes, { headers: { "content-type": "application/octet-stream" } }));
    post({ type: "snapshot-saved", bytes: bytes.length, ms: performance.now() - started });
  } catch (err) {
    post({ type: "snapshot-failed", message: String((err && err.message) || err) });
  }
}

function pythonMessage(err) {
  // A PythonError's message is the whole traceback; the reader needs its last line.
  const lines = String((err && err.message) || err).trim().split("\n");
  return lines[lines.length - 1].replace(/^[\w.]*(Error|Exception): /, "");
}

function release(job) {
  if (!job) return;
  try { job.run.close(); } catch { /* already finished */ }
  job.run.destroy();
}

function dropParked() {
  release(parked);
  parked = null;
}

const RATE_WINDOW_MS = 200; // work after the first progress report that the rate is measured over

// Milliseconds still to go; null before any progress. Measured from the first progress report
// on, so that setup a run does once (building a maze's data, sampling a test set) does not
// count as if every later step cost as much.
function remaining(job) {
  const progress = job.run.progress;
  if (progress <= 0) return null;
  job.base ??= { worked: job.worked, progress };
  const span = job.worked - job.base.worked;
  if (span >= RATE_WINDOW_MS && progress > job.base.progress) return span / (progress - job.base.progress) * (1 - progress);
  return job.worked * (1 - progress) / progress;
}

// Whether the estimate has a measured rate behind it. Until it has, the projection counts setup
// as if every step cost as much, so it may not park a run: a 0.7 s run whose first step did all
// its setup was parked as "about 3 s" that way.
function measured(job) {
  return Boolean(job.base) && job.worked - job.base.worked >= RATE_WINDOW_MS;
}

// Whether a run the reader did not ask for may draw: once its whole projected time fits the limit
// (before a rate is measured the projection counts setup as if every step cost as much, so it
// errs long and an early yes is safe), or once it has worked through the probe unparked. A run
// that overruns later is still parked by tooLong.
function cleared(job, left) {
  if (!job.cleared && (job.worked >= PROBE_MS || (left !== null && job.worked + left <= 1000 * job.ask))) job.cleared = true;
  return job.confirmed || job.cleared;
}

// Whether a run the reader did not ask for should wait for Run: judged once, on its whole
// projected time, when the probe is over and a rate is measured; then again if it overruns the
// limit (only while at least as much is left). A run that ends within the limit never waits.
function tooLong(job, left) {
  const limit = 1000 * job.ask;
  if (job.worked < PROBE_MS) return false;
  if (!job.judged && measured(job)) {
    job.judged = true;
    if (left !== null && job.worked + left > limit) return true;
  }
  return job.worked > limit && (left === null || left > limit);
}

function park(job, type, download = null) {
  parked = job;
  const left = remaining(job);
  post({ type, id: job.id, remaining: left === null ? null : left / 1000, worked: job.worked / 1000, progress: job.run.progress, download });
}

// The file the run asked for, with progress while it arrives; false if the run was superseded
// or stopped meanwhile (the part downloaded is dropped).
async function download(job, name) {
  const asset = runtimeConfig.assets && runtimeConfig.assets[name];
  if (!asset) throw new Error(`needs ${name}, which this site does not ship`);
  const response = await fetchOk(new URL(asset.url, self.location.href).href);
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0;
  let lastProgress = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (job.id !== latestId || job.stop) {
      reader.cancel();
      return false;
    }
    chunks.push(value);
    received += value.length;
    if (performance.now() - lastProgress >= PROGRESS_MS) {
      const mb = (n) => (n / 1e6).toFixed(1);
      post({ type: "progress", id: job.id, progress: Math.min(1, received / asset.bytes), phase: `downloading ${asset.label}, ${mb(received)} of ${mb(asset.bytes)} MB`, remaining: null });
      lastProgress = performance.now();
    }
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) { bytes.set(chunk, offset); offset += chunk.length; }
  const digest = await sha256Hex(bytes);
  if (digest !== null && digest !== asset.sha256) throw new Error(`${asset.url}: hash mismatch (a partial or stale upload?)`);
  const path = `/home/pyodide/assets/${asset.url.split("/").pop()}`;
  pyodide.FS.mkdirTree("/home/pyodide/assets");
  pyodide.FS.writeFile(path, bytes);
  pyodide.pyimport("simulators.kit.assets").provide(name, path);
  return true;
}

function assetSize(name) {
  const asset = runtimeConfig.assets && runtimeConfig.assets[name];
  return asset ? { label: asset.label, bytes: asset.bytes } : { label: name, bytes: null };
}

async function drive(job) {
  active = job;
  let lastFrame = -Infinity; // a live try draws nothing until it is cleared
  let lastProgress = performance.now();
  try {
    for (;;) {
      if (job.id !== latestId) return release(job); // superseded or cancelled
      if (job.stop) return park(job, "stopped");
      const began = performance.now();
      const more = job.run.advance();
      job.worked += performance.now() - began;
      const needs = job.run.needs;
      if (needs) {  // the run starts again once the file is here
        if (!job.confirmed) return park(job, "estimate", assetSize(needs));
        if (!(await download(job, needs))) return job.stop ? park(job, "stopped", assetSize(needs)) : release(job);
        continue;
      }
      if (!more || job.run.done) break;
      const left = remaining(job);
      if (!job.confirmed && tooLong(job, left)) return park(job, "estimate");
      const now = performance.now();
      if (cleared(job, left) && now - lastFrame >= FRAME_MS) {
        const drawn = performance.now();
        const payload = job.run.frame_json();
        job.worked += performance.now() - drawn;
        post({ type: "partial", id: job.id, payload, worked: job.worked / 1000, remaining: left === null ? null : left / 1000 });
        lastFrame = lastProgress = performance.now();
      } else if (now - lastProgress >= PROGRESS_MS) {
        post({ type: "progress", id: job.id, progress: job.run.progress, phase: job.run.phase, remaining: left === null ? null : left / 1000 });
        lastProgress = now;
      }
      await breathe();
    }
    const drawn = performance.now();
    const payload = job.run.frame_json();
    job.worked += performance.now() - drawn;
    if (job.id === latestId) post({ type: "result", id: job.id, payload, worked: job.worked / 1000 });
    release(job);
  } catch (err) {
    if (job.id === latestId) post({ type: "error", id: job.id, message: pythonMessage(err) });
    release(job);
  }
}

// The warm-up yields to the reader: a run that differs from it only in view-only controls
// waits for it (its caches answer that run at once) and reports its progress meanwhile; any
// other run stops it, so that nobody waits for a background job (on the RL page it takes 20 s).
async function warm(job, { sim, module, params, seed }) {
  let run = null;
  let lastProgress = performance.now();
  try {
    run = bridge.Run(sim, JSON.stringify(params), seed, module ?? null);
    while (!job.stop && run.advance() && !run.needs) {
      if (job.waiter === latestId && performance.now() - lastProgress >= PROGRESS_MS) {
        post({ type: "progress", id: job.waiter, progress: run.progress, phase: run.phase, remaining: null });
        lastProgress = performance.now();
      }
      await breathe();
    }
    return !job.stop && run.done;
  } catch {
    return false; // the page's own settings ran at build time; a failure here only loses the head start
  } finally {
    if (run) release({ run });
  }
}

function answeredByWarming(job, params, seed) {
  if (String(seed) !== String(job.seed)) return false;
  const names = new Set([...Object.keys(job.params), ...Object.keys(params)]);
  return [...names].every((name) => job.viewOnly.includes(name) || JSON.stringify(job.params[name]) === JSON.stringify(params[name]));
}

async function start({ id, sim, module, params, seed, ask }) {
  if (warming) {
    if (answeredByWarming(warming, params, seed)) warming.waiter = id;
    else warming.stop = true; // at its next step
    await warming.done;
  }
  if (id !== latestId) return; // superseded before it started
  let run;
  try {
    run = bridge.Run(sim, JSON.stringify(params), seed, module ?? null);
  } catch (err) {
    post({ type: "error", id, message: pythonMessage(err) });
    return;
  }
  drive({ id, run, worked: 0, confirmed: ask === null || ask === undefined, ask, stop: false });
}

self.onmessage = (event) => {
  const message = event.data;
  if (message.type === "init") {
    init(message.runtime, message.sim, message.module);
  } else if (message.type === "snapshot") {
    makeSnapshot(message.runtime);
  } else if (message.type === "run") {
    latestId = message.id;
    dropParked();
    // Defer, so a burst of queued requests collapses to the newest one.
    setTimeout(() => start(message), 0);
  } else if (message.type === "resume") {
    latestId = message.id;
    if (parked && parked.id === message.id) {
      const job = parked;
      parked = null;
      Object.assign(job, { confirmed: true, stop: false });
      drive(job);
    } else {
      dropParked();
      setTimeout(() => start({ ...message.fallback, id: message.id, ask: null }), 0);
    }
  } else if (message.type === "stop") {
    if (active && active.id === message.id) active.stop = true;
  } else if (message.type === "cancel") {
    latestId = 0;
    dropParked();
  } else if (message.type === "forget") {
    forget();
  } else if (message.type === "warm") {
    // A warm-up asked for again replaces the one before (benchmarks warm again after "forget").
    if (warming) warming.stop = true;
    const job = { params: message.params, seed: message.seed, viewOnly: message.viewOnly ?? [], stop: false, waiter: null };
    job.done = warm(job, message).then((complete) => {
      if (warming !== job) return; // replaced: the newer one reports
      warming = null;
      post({ type: "warmed", complete });
    });
    warming = job;
  }
};
