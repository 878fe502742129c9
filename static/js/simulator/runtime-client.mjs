// The page's side of the simulator's worker: starting it (and the snapshot worker that makes
// later pages start faster), sending it requests, and a watchdog for runs that stop talking.
// Messages are those of protocol.mjs; `handlers` receive the worker's, by type.

import { bootsBesideRun, HelperPool } from "./pool.mjs";
import { dispatch, toWorker } from "./protocol.mjs";

let snapshotRequested = false; // one per page, however many simulators it has

// Whether a worker that booted with these timings leaves the snapshot (and NumPy's bytecode) for
// later pages to make: not when it booted from both or refused the snapshot, nor once this page
// has asked for it. A snapshot without bytecode (saved before there was any, or its bytecode
// damaged and dropped) is made again, whole.
const snapshotWanted = (timings) => "caches" in window && !snapshotRequested && !timings.snapshot_refused
  && !(timings.from_snapshot && timings.bytecode);

// A worker running sim-worker.mjs, and the runtime settings to send it. Started from a blob:
// URL that imports the real script, so that the worker inherits this page's
// Content-Security-Policy (a worker loaded from its own URL would take its policy from HTTP
// headers, which static hosts rarely let a site set).
function spawn(config) {
  const script = new URL(config.runtime.worker, document.baseURI).href;
  const boot = URL.createObjectURL(new Blob([`import ${JSON.stringify(script)};`], { type: "text/javascript" }));
  const worker = new Worker(boot, { type: "module" });
  worker.addEventListener("message", () => URL.revokeObjectURL(boot), { once: true });
  // Runtime URLs in the config are relative to this page; the worker lives elsewhere.
  const runtime = { ...config.runtime };
  runtime.indexURL = new URL(runtime.indexURL, document.baseURI).href;
  runtime.archive = new URL(runtime.archive, document.baseURI).href;
  for (const asset of Object.values(runtime.assets || {})) asset.url = new URL(asset.url, document.baseURI).href;
  return { worker, runtime };
}

export class RuntimeClient {
  // snapshotDone(saved): this page saved the runtime snapshot for later pages, or failed to
  constructor(config, handlers, snapshotDone = () => {}) {
    this.config = config;
    this.handlers = handlers;
    this.snapshotDone = snapshotDone;
    this.worker = null;
    this.ready = false; // the worker has booted and imported the simulator
    this.watchdog = null;
    this.verdicts = new Map(); // judge request id -> resolve, until the worker answers
    this.judged = 0;
    // Helper workers, for a simulator whose runs split into parts (pool.mjs).
    this.pool = config.parts ? new HelperPool(config, spawn, (message) => this.post(message)) : null;
    this.settings = new Map(); // run id -> its setting, while its parts may be asked for
    this.snapshotDue = false; // this page makes the runtime snapshot for later pages, and has not yet
    this.snapshotting = false; // its worker is making it
  }

  get started() {
    return this.worker !== null;
  }

  // A helper is wanted and may boot beside the run's worker now, not only once the page is idle.
  get helperBootsNow() {
    return Boolean(this.pool?.wanted) && bootsBesideRun();
  }

  start() {
    const { worker, runtime } = spawn(this.config);
    this.worker = worker;
    worker.onmessage = (event) => {
      const message = event.data;
      if (message.type === "delegate") return this.pool?.assign(message.id, this.settings.get(message.id), message.keys);
      if (message.type === "ready") {
        this.ready = true;
        // One runtime boots at a time: helpers start after this worker, so that they never delay
        // the first answer, and after the snapshot for later pages if this page makes one (then
        // they boot from it). Measured on the diffusion page: the run's worker, a helper and the
        // snapshot's worker at once took the renderer to 653 MB, against 557 MB one after another.
        this.snapshotDue = snapshotWanted(message.timings);
        if (this.pool) this.pool.held = this.snapshotDue;
        this.pool?.fill();
        // Where a core is free for it, the snapshot's worker (the helper to be) starts at once;
        // elsewhere both wait until the page is idle (coordinator.mjs).
        if (this.snapshotDue && this.helperBootsNow) this.saveSnapshot();
      }
      // A run that waits for Run keeps its helpers working: Run then finds their parts done.
      if (message.type === "error") this.pool?.clear();
      dispatch(message, this.handlers);
    };
    worker.onerror = (event) => this.handlers.fatal({ type: "fatal", message: event.message || "the worker script could not start" });
    worker.postMessage(toWorker.init(runtime, this.config.name, this.config.module));
  }

  // A run that stops talking is cancelled the only reliable way: this worker goes (start() makes another).
  terminate() {
    this.pool?.terminate();
    this.worker?.terminate();
    this.worker = null;
    this.ready = false;
    for (const resolve of this.verdicts.values()) resolve({ error: "the runtime restarted before it answered" });
    this.verdicts.clear();
  }

  // The worker reported that it cannot run (its boot failed).
  lost() {
    this.ready = false;
  }

  post(message) {
    this.worker?.postMessage(message);
  }

  // ask: seconds before a run the reader did not ask for waits for Run; null to run to the end.
  run(id, { params, seed }, ask) {
    this.pool?.clear();
    this.post(toWorker.run(id, this.remember(id, params, seed), ask, this.pool?.ready ?? 0));
  }

  resume(id, { params, seed }) {
    this.post(toWorker.resume(id, toWorker.run(id, this.remember(id, params, seed), null, this.pool?.ready ?? 0)));
  }

  // The setting of run `id`, kept for the parts its worker hands out: only the newest run's are ever computed.
  remember(id, params, seed) {
    this.settings.clear();
    this.settings.set(id, this.setting(params, seed));
    return this.settings.get(id);
  }

  // Stop stops the helpers too; the resumed run computes the parts they had not handed in itself.
  stop(id) {
    this.post(toWorker.stop(id));
    this.pool?.halt(id);
  }

  // The page's own setting, whose frame the build made (config.firstFrame).
  warm(params, seed) {
    const shown = this.config.reframe ? new URL(this.config.firstFrame, document.baseURI).href : null;
    this.post(toWorker.warm(this.setting(params, seed), this.config.viewOnly, shown));
  }

  // The verdict of claims on a frame, judged in the worker (a promise of simulators.kit.claims.verdict).
  judge(claims, labels, frame) {
    const id = ++this.judged;
    this.post(toWorker.judge(id, claims, labels, { result: frame.result, readouts: frame.readouts }));
    return new Promise((resolve) => this.verdicts.set(id, resolve));
  }

  // The worker's answer to judge().
  answered({ id, verdict }) {
    this.verdicts.get(id)?.(verdict);
    this.verdicts.delete(id);
  }

  setting(params, seed) {
    return { sim: this.config.name, module: this.config.module, params, seed };
  }

  // `silent()` once the run has said nothing for the site's timeout.
  arm(silent) {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(silent, this.config.runtime.timeoutMs);
  }

  disarm() {
    clearTimeout(this.watchdog);
  }

  // Later pages boot from a snapshot of the runtime that the first one saves (sim-worker.mjs),
  // made in a worker of its own once the page is idle; snapshotDone(saved) reports the outcome. The
  // helpers held back for it boot afterwards, whatever the outcome; the first is the snapshot's
  // worker itself, which goes on from the runtime it saved: one runtime boot less (measured on
  // the gated-attention page, the helper is ready 1.4 s after the snapshot instead of 1.9 s).
  saveSnapshot() {
    const after = (worker = null) => {
      this.snapshotDue = false;
      this.snapshotting = false;
      if (this.pool && this.ready) this.pool.release(worker);
      else worker?.terminate();
    };
    if (this.snapshotting) return; // asked again while it is made
    if (!this.snapshotDue || snapshotRequested) return after();
    snapshotRequested = true;
    this.snapshotting = true;
    const { worker, runtime } = spawn(this.config);
    const helper = this.pool?.wanted ? { sim: this.config.name, module: this.config.module } : null;
    worker.onmessage = ({ data }) => {
      const saved = data.type === "snapshot-saved";
      if (!saved) console.warn(`No runtime snapshot for later pages: ${data.message}`);
      if (!saved || !helper) worker.terminate();
      this.snapshotDone(saved);
      after(saved && helper ? worker : null);
    };
    worker.onerror = () => {
      worker.terminate();
      after();
    };
    worker.postMessage(toWorker.snapshot(runtime, helper));
  }
}
