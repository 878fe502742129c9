// Helper workers for runs whose work splits into independent parts (simulators.kit.parts): the
// run's own worker hands the page the parts it wants computed elsewhere ("delegate"), helpers
// compute them with the same code, and each result goes back to the run ("give"). Each part is
// seeded on its own, so the figure is the same, bit for bit, with or without helpers.
//
// Helpers boot one after another, after the run's worker, from the runtime snapshot when the
// site has one. A helper that dies is replaced and its part tried once more; a second failure
// is reported to the run, which stops with an error naming the part.

import { dispatch, toWorker } from "./protocol.mjs";

const MOST_WORKERS = 4; // the run's worker and its helpers

// Helpers this device can afford: one worker per core up to MOST_WORKERS, fewer where memory is
// small (each holds a runtime of about 100 MB; navigator.deviceMemory is in GB, capped at 8).
export function helperCount(nav = navigator) {
  const cores = Math.min(MOST_WORKERS, nav.hardwareConcurrency || 1);
  const memory = nav.deviceMemory ?? 8;
  return Math.max(0, (memory <= 2 ? 1 : memory <= 4 ? Math.min(cores, 2) : cores) - 1);
}

export class HelperPool {
  // spawn(): {worker, runtime}, as for the run's worker; give(message): to the run's worker.
  constructor(config, spawn, give, size = helperCount()) {
    this.config = config;
    this.spawn = spawn;
    this.give = give;
    this.size = size;
    this.helpers = []; // {worker, ready, busy: job or null}
    this.queue = []; // jobs waiting for a helper: {id, setting, key, tries}
    this.booting = false;
    this.broken = false; // a helper could not boot: no more are started
    this.held = false; // no helper boots until release() (runtime-client.mjs: the snapshot first)
  }

  get ready() {
    return this.helpers.filter((helper) => helper.ready).length;
  }

  // Boot the next missing helper, one at a time.
  fill() {
    if (this.held || this.booting || this.broken || this.helpers.length >= this.size) return;
    this.booting = true;
    const { worker, runtime } = this.spawn(this.config);
    const helper = { worker, ready: false, busy: null };
    this.helpers.push(helper);
    const handlers = {
      ready: () => {
        helper.ready = true;
        this.booting = false;
        this.pump();
        this.fill();
      },
      fatal: () => this.lose(helper, true),
      "part-done": ({ id, key, payload }) => this.done(helper, toWorker.give(id, key, payload)),
      "part-failed": ({ id, key, message }) => this.done(helper, toWorker.partLost(id, key, message)),
      stage: () => {},
      violation: () => {}, // the run's worker reports the page's policy; a helper runs the same code
    };
    worker.onmessage = (event) => dispatch(event.data, handlers);
    worker.onerror = () => this.lose(helper, !helper.ready);
    worker.postMessage(toWorker.init(runtime, this.config.name, this.config.module));
  }

  release() {
    this.held = false;
    this.fill();
  }

  // Parts of run `id` at `setting` ({sim, module, params, seed}), in the order the run needs them.
  assign(id, setting, keys) {
    this.queue = this.queue.filter((job) => job.id === id).concat(keys.map((key) => ({ id, setting, key, tries: 0 })));
    this.pump();
  }

  pump() {
    for (const helper of this.helpers) {
      if (!helper.ready || helper.busy || !this.queue.length) continue;
      helper.busy = this.queue.shift();
      helper.busy.tries += 1;
      helper.worker.postMessage(toWorker.part(helper.busy.id, helper.busy.setting, helper.busy.key));
    }
  }

  done(helper, message) {
    helper.busy = null;
    this.give(message);
    this.pump();
  }

  // A helper died (or could not boot): replace it, and try its part once more.
  lose(helper, atBoot) {
    this.retire(helper);
    if (atBoot) {
      this.booting = false;
      this.broken = true; // the run's worker computes everything, as without helpers
    }
    const job = helper.busy;
    if (job && job.tries >= 2) this.give(toWorker.partLost(job.id, job.key, "its helper worker stopped twice"));
    else if (job) this.queue.unshift(job);
    if (atBoot) this.queue.splice(0).forEach((left) => this.give(toWorker.partLost(left.id, left.key, "no helper worker could start")));
    this.fill();
  }

  // No queued part is needed any more (a new run, or the run failed); parts being computed finish.
  clear() {
    this.queue = [];
  }

  // The reader stopped run `id`: the helpers busy with it stop too (a part cannot be interrupted
  // otherwise) and are replaced; the run computes what they had not handed in itself.
  halt(id) {
    this.clear();
    for (const helper of this.helpers.filter((h) => h.busy && h.busy.id === id)) this.retire(helper);
    this.fill();
  }

  retire(helper) {
    helper.worker.terminate();
    this.helpers = this.helpers.filter((other) => other !== helper);
  }

  terminate() {
    for (const helper of this.helpers) helper.worker.terminate();
    this.helpers = [];
    this.queue = [];
    this.booting = false;
  }
}
