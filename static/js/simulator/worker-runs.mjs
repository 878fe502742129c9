// The simulator worker's runs: only the newest request matters, a run the reader did not ask
// for waits for Run once it would take longer than `ask`, a file a run needs is fetched on
// request, and the page's own setting warms the simulator's caches in the background.
//
// How long a run will take comes from the run itself: after a short probe, the time it has
// worked divided by the progress it reports (simulators share progress out by cost). A run
// that would take longer than `ask` is parked between two steps, losing nothing, until the
// reader presses Run. An older run stops at its next step. A run that needs a large file it
// does not have (simulators.kit.assets: the sentence encoder) is parked the same way, with
// the file's size; Run downloads it, checks it and goes on.

import { toPage } from "./protocol.mjs";
import { assetSize, download } from "./worker-assets.mjs";
import { pythonMessage } from "./worker-boot.mjs";

const PROBE_MS = 400; // work measured before a run is judged quick or long
const NEARLY_DONE_MS = 500; // a run with less than this left is never parked
const FRAME_MS = 300; // a partial frame is drawn at most this often; progress alone in between
const PROGRESS_MS = 250;

let runtime = null; // {pyodide, bridge, config}: set once booted
let latestId = 0;
let parked = null; // the run waiting for the reader: {id, run, worked, confirmed, ask, stop}
let active = null; // the run being worked on, so that a stop can reach it
let warming = null; // the background run of the page's own settings: {params, seed, viewOnly, stop, waiter, done}

const post = (message) => self.postMessage(message);
const seconds = (ms) => (ms === null ? null : ms / 1000);
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

export function useRuntime(booted, config) {
  runtime = { ...booted, config };
}

const current = (job) => job.id === latestId && !job.stop;

// A run blocked on a part a helper worker computes (kit.parts) sleeps until the part arrives,
// the run is stopped or superseded, or it is time to say it is still alive.
let wake = null;
const nudge = () => { const resolve = wake; wake = null; resolve?.(); };
const nap = () => new Promise((resolve) => { wake = resolve; setTimeout(nudge, PROGRESS_MS); });

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
  const progress = job.run.work_progress; // parts that helpers compute meanwhile are not this worker's time
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
  // Nearly done: finishing is quicker than asking. (A rate measured late, after a long first
  // step or while helpers computed parts, once parked diffusion runs with 0.0 s left.)
  if (job.worked < PROBE_MS || (left !== null && left < NEARLY_DONE_MS)) return false;
  if (!job.judged && measured(job)) {
    job.judged = true;
    if (left !== null && job.worked + left > limit) return true;
  }
  return job.worked > limit && (left === null || left > limit);
}

function park(job, type, download = null) {
  parked = job;
  const left = remaining(job);
  post(toPage[type](job.id, { remaining: seconds(left), worked: job.worked / 1000, progress: job.run.progress, download }));
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
      if (job.run.waiting) {
        post(toPage.progress(job.id, job.run.progress, job.run.phase, null));
        await nap();
        continue;
      }
      job.worked += performance.now() - began;
      const needs = job.run.needs;
      if (needs) {  // the run starts again once the file is here
        if (!job.confirmed) return park(job, "estimate", assetSize(runtime, needs));
        if (!(await download(runtime, job, needs, current))) return job.stop ? park(job, "stopped", assetSize(runtime, needs)) : release(job);
        continue;
      }
      if (!more || job.run.done) break;
      const left = remaining(job);
      if (!job.confirmed && tooLong(job, left)) return park(job, "estimate");
      const now = performance.now();
      if (cleared(job, left) && job.run.dirty && now - lastFrame >= FRAME_MS) {
        const drawn = performance.now();
        const payload = job.run.frame_json();
        job.worked += performance.now() - drawn;
        post(toPage.partial(job.id, payload, job.worked / 1000, seconds(left)));
        lastFrame = lastProgress = performance.now();
      } else if (now - lastProgress >= PROGRESS_MS) {
        post(toPage.progress(job.id, job.run.progress, job.run.phase, seconds(left)));
        lastProgress = now;
      }
      await breathe();
    }
    const drawn = performance.now();
    const payload = job.run.frame_json();
    job.worked += performance.now() - drawn;
    if (job.id === latestId) post(toPage.result(job.id, payload, job.worked / 1000));
    release(job);
  } catch (err) {
    if (job.id === latestId) post(toPage.error(job.id, pythonMessage(err)));
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
    run = runtime.bridge.Run(sim, JSON.stringify(params), seed, module ?? null);
    while (!job.stop && run.advance() && !run.needs) {
      if (job.waiter === latestId && performance.now() - lastProgress >= PROGRESS_MS) {
        post(toPage.progress(job.waiter, run.progress, run.phase, null));
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

async function start({ id, sim, module, params, seed, ask, helpers }) {
  if (warming) {
    if (answeredByWarming(warming, params, seed)) warming.waiter = id;
    else warming.stop = true; // at its next step
    await warming.done;
  }
  if (id !== latestId) return; // superseded before it started
  let run;
  try {
    run = runtime.bridge.Run(sim, JSON.stringify(params), seed, module ?? null);
    const handed = JSON.parse(run.delegate(helpers ?? 0));
    if (handed.length) post(toPage.delegate(id, handed));
  } catch (err) {
    post(toPage.error(id, pythonMessage(err)));
    return;
  }
  drive({ id, run, worked: 0, confirmed: ask === null || ask === undefined, ask, stop: false });
}

// --- the page's requests (protocol.mjs) ---------------------------------------------------

export function run(message) {
  latestId = message.id;
  dropParked();
  nudge();
  // Deferred, so that a burst of queued requests collapses to the newest one.
  setTimeout(() => start(message), 0);
}

export function resume({ id, fallback }) {
  latestId = id;
  if (parked && parked.id === id) {
    const job = parked;
    parked = null;
    if (job.halted) job.run.take_back(); // Stop stopped the helpers too: what they had not handed in is computed here
    Object.assign(job, { confirmed: true, stop: false });
    drive(job);
  } else {
    dropParked();
    setTimeout(() => start({ ...fallback, id, ask: null }), 0);
  }
}

export function stop({ id }) {
  if (active && active.id === id) active.stop = active.halted = true;
  nudge();
}

export function cancel() {
  latestId = 0;
  dropParked();
  nudge();
}

// A part a helper worker computed for the run `id` (kit.parts), or its failure: to the run that asked.
export function give({ id, key, payload, failure }) {
  const job = [active, parked].find((held) => held && held.id === id);
  if (!job) return;
  if (failure === undefined) job.run.give(key, payload); else job.run.fail(key, failure);
  nudge();
}

// As a helper worker: compute one part of a run the page's worker is driving.
export function part({ id, sim, module, params, seed, key }) {
  try {
    post(toPage.partDone(id, key, runtime.bridge.part_json(sim, JSON.stringify(params), seed, key, module ?? null)));
  } catch (err) {
    post(toPage.partFailed(id, key, pythonMessage(err)));
  }
}

export function forget() {
  runtime.pyodide.pyimport("simulators.kit.cache").clear_all();
}

// A warm-up asked for again replaces the one before (benchmarks warm again after "forget").
export function warmUp(message) {
  if (warming) warming.stop = true;
  const job = { params: message.params, seed: message.seed, viewOnly: message.viewOnly ?? [], stop: false, waiter: null };
  job.done = warm(job, message).then((complete) => {
    if (warming !== job) return; // replaced: the newer one reports
    warming = null;
    post(toPage.warmed(complete));
  });
  warming = job;
}

// An experiment's verdict, by the code the build checked it with; a run under way is not disturbed.
export function judge({ id, claims, labels, frame }) {
  const json = (value) => JSON.stringify(value);
  let verdict;
  try {
    verdict = JSON.parse(runtime.bridge.judge(json(claims), json(labels), json({ result: frame.result, readouts: frame.readouts })));
  } catch (err) {
    verdict = { error: pythonMessage(err) };
  }
  post(toPage.verdict(id, verdict));
}
