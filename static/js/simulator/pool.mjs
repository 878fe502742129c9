// Helper workers for runs whose work splits into independent parts (simulators.kit.parts): the
// run's own worker hands the page the parts it wants computed elsewhere ("delegate"), helpers
// compute them with the same code, and each result goes back to the run ("give"). Each part is
// seeded on its own, so the figure is the same, bit for bit, with or without helpers.
//
// Helpers boot one after another, after the run's worker, from the runtime snapshot when the
// site has one. A helper that dies is replaced and its part tried once more; a second failure
// is reported to the run, which stops with an error naming the part.

import { dispatch, toWorker } from "./protocol.mjs";

// Helpers this device can afford: one, where it has a second core and more than 2 GB of memory
// (navigator.deviceMemory is in GB, capped at 8). Each helper holds a runtime of its own, about
// 120 MB of the page's process (bench/page_memory.py --cores N): with three, as a 4-core device
// would have used, the diffusion page peaked at 779 MB and the lightest at 671 MB, against a goal
// of 600; with one, at 405 and 331 MB on 4 cores (494 and 420 MB on 2, where it boots later).
// A tab that large is what a phone closes first, so a page keeps to one helper.
export function helperCount(nav = navigator) {
  const cores = nav.hardwareConcurrency || 1;
  const memory = nav.deviceMemory ?? 8;
  return cores >= 2 && memory > 2 ? 1 : 0;
}

// Whether a helper may boot while the run's worker is busy (its warm-up): only where a core is
// left for it beside that worker and the page. Measured on this 2-core machine, a helper booted
// at once was ready 4.4-5.9 s after the page went live instead of 10-18 s, but it slowed the
// warm-up by 2 s (gated attention 4.7 -> 6.8 s, diffusion 11.4 -> 13.8 s), and a view-only
// change waits for that.
export function bootsBesideRun(nav = navigator) {
  return (nav.hardwareConcurrency || 1) >= 3;
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

  get wanted() {
    return !this.booting && !this.broken && this.helpers.length < this.size;
  }

  // Boot the next missing helper, one at a time.
  fill() {
    if (this.held || !this.wanted) return;
    const { worker, runtime } = this.spawn(this.config);
    this.adopt(worker);
    worker.postMessage(toWorker.init(runtime, this.config.name, this.config.module));
  }

  // A worker booting as a helper (sent init, or the snapshot's worker going on as one).
  adopt(worker) {
    this.booting = true;
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
  }

  // Helpers may boot; `worker`, if any, is already booting as one.
  release(worker = null) {
    this.held = false;
    if (worker && this.wanted) this.adopt(worker);
    else worker?.terminate();
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
