// How long a simulator run will take, and whether a run the reader did not ask for waits for
// Run (worker-runs.mjs). A job: {run (simulators.bridge.Run), worked (ms of this worker's time),
// ask (s, the limit), confirmed}; the functions below keep their own marks on it.

const PROBE_MS = 400; // work measured before a run is judged quick or long
const NEARLY_DONE_MS = 500; // a run with less than this left is never parked
const RATE_WINDOW_MS = 200; // work after the first progress report that the rate is measured over

// Milliseconds still to go; null before any progress. Measured from the first progress report
// on, so that setup a run does once (building a maze's data, sampling a test set) does not
// count as if every later step cost as much.
export function remaining(job) {
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
export function cleared(job, left) {
  if (!job.cleared && (job.worked >= PROBE_MS || (left !== null && job.worked + left <= 1000 * job.ask))) job.cleared = true;
  return job.confirmed || job.cleared;
}

// Whether a run the reader did not ask for should wait for Run: judged once, on its whole
// projected time, when the probe is over and a rate is measured; then again if it overruns the
// limit (only while at least as much is left). A run that ends within the limit never waits.
export function tooLong(job, left) {
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
