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
import { differsOnlyInView } from "./text.mjs";
import { cleared, remaining, tooLong } from "./worker-estimate.mjs";
import { assetSize, download } from "./worker-assets.mjs";
import { pythonMessage } from "./worker-boot.mjs";

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
  await job.shown;
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

const answeredByWarming = (job, params, seed) => differsOnlyInView(job.viewOnly, job, { params, seed });

// A view-only change while the warm-up still fills the caches: drawn at once from the build's
// frame of the warm-up's setting by the simulator's reframe (diffusion's t: 0.1 s, where the
// warm-up trains for seconds). False where it cannot; the run then waits for the warm-up.
async function reframed(id, job, { sim, module, params, seed }) {
  const shown = await job.shown;
  if (!shown || id !== latestId) return false;
  try {
    const payload = runtime.bridge.reframe_json(sim, JSON.stringify(params), seed, shown, module ?? null);
    if (!payload) return false;
    post(toPage.result(id, payload, null)); // the page says how long the reader waited, the warm-up's step included
    return true;
  } catch {
    return false; // the run reports what is wrong with the setting
  }
}

const fetchResult = (url) => fetch(url).then((response) => (response.ok ? response.json() : null))
  .then((frame) => frame && JSON.stringify(frame.result)).catch(() => null);

async function start({ id, sim, module, params, seed, ask, helpers }) {
  if (warming && answeredByWarming(warming, params, seed) && (await reframed(id, warming, { sim, module, params, seed }))) return;
  if (id !== latestId) return; // superseded meanwhile
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
  // The build's result of this setting (JSON text), fetched before the warm-up's first step: a
  // response that lands while a step computes waits for that step to end.
  job.shown = message.shown ? fetchResult(message.shown) : Promise.resolve(null);
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
