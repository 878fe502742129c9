// The messages between a simulator page and its worker, written once: the page
// (runtime-client.mjs) and the worker (static/js/sim-worker.mjs) both build them with these
// functions and receive them through `dispatch`.
//
// A payload is a frame envelope as JSON text, made by simulators.bridge: the same shape the
// build put in the page ({svg, table, readouts, progress, phase, done, result}). Times are in
// seconds; `remaining` is null until the run has measured its rate.

// Page -> worker
export const toWorker = {
  // boot, and import the page's simulator (module) alone
  init: (runtime, sim, module) => ({ type: "init", runtime, sim, module }),
  // instead of init: save a runtime snapshot for later pages, then idle, or with helper
  // ({sim, module}) go on as init would and become a helper worker
  snapshot: (runtime, helper = null) => ({ type: "snapshot", runtime, helper }),
  // ask: seconds a run the reader did not ask for may take before it waits for Run; null: run to the end
  // helpers: helper workers ready to take parts of the run (simulators.kit.parts)
  run: (id, { sim, module, params, seed }, ask, helpers = 0) => ({ type: "run", id, sim, module, params, seed, ask, helpers }),
  // go on with a parked run, or start `fallback` (a run message) if the worker no longer holds it
  resume: (id, fallback) => ({ type: "resume", id, fallback }),
  stop: (id) => ({ type: "stop", id }), // park the running run at its next step
  cancel: () => ({ type: "cancel" }), // drop whatever runs or waits
  forget: () => ({ type: "forget" }), // empty the simulators' own caches (benchmarks time first visits)
  // compute the page's own setting in the background: fills the simulator's caches so that its
  // view-only controls answer at once. shown: the URL of the build's frame of that setting, from
  // which a simulator with `reframe` answers view-only changes meanwhile (null: none)
  warm: ({ sim, module, params, seed }, viewOnly, shown) => ({ type: "warm", sim, module, params, seed, viewOnly, shown }),
  // an experiment's claims (their text) on a frame the page shows ({result, readouts}); labels: path -> name
  judge: (id, claims, labels, frame) => ({ type: "judge", id, claims, labels, frame }),
  // to a helper worker: compute part `key` of run `id`
  part: (id, { sim, module, params, seed }, key) => ({ type: "part", id, sim, module, params, seed, key }),
  // to the run's worker: the part a helper computed (payload: JSON text), or why it failed
  give: (id, key, payload) => ({ type: "give", id, key, payload }),
  partLost: (id, key, failure) => ({ type: "give", id, key, failure }),
};

// Worker -> page
export const toPage = {
  stage: (stage) => ({ type: "stage", stage }), // "runtime", then "simulators"
  ready: (timings) => ({ type: "ready", timings }),
  fatal: (message) => ({ type: "fatal", message }),
  warmed: (complete) => ({ type: "warmed", complete }), // false: a run of other settings stopped it
  snapshotSaved: (bytes, ms) => ({ type: "snapshot-saved", bytes, ms }),
  snapshotFailed: (message) => ({ type: "snapshot-failed", message }),
  violation: (directive, blocked) => ({ type: "violation", directive, blocked }), // the page's policy refused something
  partial: (id, payload, worked, remaining) => ({ type: "partial", id, payload, worked, remaining }),
  result: (id, payload, worked) => ({ type: "result", id, payload, worked }),
  progress: (id, progress, phase, remaining) => ({ type: "progress", id, progress, phase, remaining }),
  // parked: longer than `ask`, or needs a file not downloaded yet (download: {label, bytes}); waits for resume
  estimate: (id, { remaining, worked, progress, download }) => ({ type: "estimate", id, remaining, worked, progress, download }),
  stopped: (id, { remaining, worked, progress, download }) => ({ type: "stopped", id, remaining, worked, progress, download }),
  error: (id, message) => ({ type: "error", id, message }),
  delegate: (id, keys) => ({ type: "delegate", id, keys }), // parts of run `id` for the helper workers, in the order it needs them
  partDone: (id, key, payload) => ({ type: "part-done", id, key, payload }), // from a helper
  partFailed: (id, key, message) => ({ type: "part-failed", id, key, message }),
  // simulators.kit.claims.verdict: {holds, failing, found} or {error}
  verdict: (id, verdict) => ({ type: "verdict", id, verdict }),
};

// handlers[message.type](message). A type the receiver has no handler for is a bug on one
// side of the seam, reported as such rather than dropped.
export function dispatch(message, handlers) {
  const handler = handlers[message?.type];
  if (!handler) throw new Error(`simulator worker protocol: no handler for a '${message?.type}' message`);
  return handler(message);
}
