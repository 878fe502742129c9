// The simulator's coordinator: what each change does, with an explicit state (on the root as
// data-sim-state):
//   loading  the runtime is not up (not asked for yet, or booting); precomputed settings still show
//   idle     nothing under way
//   warming  the page's own setting computes in the background, so view-only controls answer at once
//   running  a run of the reader's setting is under way
//   parked   a long setting waits for Run
//   error    the runtime could not load
// Every change ends one of three ways: shown again from this tab or from the build's precomputed
// results (no run), live in the worker, or (if long) on request after an estimate.

import { Controls } from "./controls.mjs";
import { KnownResults } from "./known-results.mjs";
import { toWorker } from "./protocol.mjs";
import { RuntimeClient } from "./runtime-client.mjs";
import { UrlState } from "./url-state.mjs";
import { View } from "./view.mjs";

const ASK_ABOVE_S = 2; // a setting estimated to take longer waits for Run (the promise: live answers within 2 s)
const IDLE_MS = 1000; // background work (runtime snapshot, offline copy) starts once the simulator is idle this long

export class Simulator {
  constructor(root) {
    this.root = root;
    this.config = JSON.parse(root.querySelector("[data-sim-config]").textContent);
    this.name = this.config.name;
    this.controls = new Controls(root, this.config);
    this.url = new UrlState(root, this.config, this.controls.schema);
    this.view = new View(root);
    this.known = new KnownResults(this.config);
    this.runtime = new RuntimeClient(this.config, this.workerHandlers(), (saved) => { root.dataset.simSnapshot = saved ? "saved" : "failed"; });
    this.requestId = 0;
    this.lastFrame = null; // the frame on screen (partial or final), once one came from here
    this.lastComplete = null; // {frame, path} of the last final frame shown; null: the build's own
    this.parked = null; // {id, request, remaining, download, reason}: a long setting waiting for Run
    this.pending = null; // a request waiting for the runtime to load
    this.confirmed = new Set(); // request ids the reader asked for with Run
    this.failure = null; // why the runtime could not load
    this.warmingUp = false;
    this.enter("loading");
  }

  enter(state) { this.state = this.root.dataset.simState = state; }

  // After a run ends, or the runtime comes or goes: the state that nothing under way leaves.
  settle() {
    this.enter(this.failure ? "error" : !this.runtime.ready ? "loading" : this.warmingUp ? "warming" : "idle");
  }

  workerHandlers() {
    // Messages about a run count only for the newest request; each one resets the watchdog.
    const current = (handle) => (message) => {
      if (message.id !== this.requestId) return;
      this.runtime.arm(() => this.onSilent());
      handle(message);
    };
    const parkedBy = (message) => ({ id: message.id, request: this.sent, remaining: message.remaining, download: message.download });
    return {
      stage: ({ stage }) => {
        // A restart after a silent run keeps saying why; a result shown meanwhile (the build's,
        // for a link or a "Try this") keeps saying what it is.
        const why = this.parked?.reason ? `${this.parked.reason} Restarting: ` : (!this.pending && this.resultText ? `${this.resultText} ` : "");
        this.view.showStage(stage, why);
      },
      ready: ({ timings }) => this.onReady(timings),
      fatal: ({ message }) => this.fail(message),
      warmed: ({ complete }) => {
        // For tests and benchmarks: "done" when view-only controls now answer at once, "stopped"
        // when a run of other settings took the worker first (the warm-up yields to the reader).
        this.root.dataset.simWarm = complete ? "done" : "stopped";
        this.warmingUp = false;
        if (this.state === "warming") this.settle();
        this.idleSoon();
      },
      // The policy blocked something in the worker: the browser reports it there, not here.
      violation: ({ blocked, directive }) => console.error(`Content-Security-Policy blocked ${blocked} (${directive}) in the simulator worker`),
      error: current(({ id, message }) => {
        this.endRun();
        if (id === this.linkRequestId) this.rejectLink(message);
        else this.view.setStatus("error", `Could not run with these settings: ${message}`);
      }),
      estimate: current((message) => {
        this.endRun();
        this.restoreComplete();
        this.offerRun(parkedBy(message), "");
      }),
      stopped: current((message) => {
        this.endRun();
        this.restoreComplete();
        this.offerRun(parkedBy(message), message.download ? "Download stopped." : `Stopped at ${Math.round(100 * message.progress)}%; Run goes on from there.`);
      }),
      progress: current(({ progress, phase, remaining }) => this.view.showProgress(progress, phase, remaining)),
      partial: current(({ payload, remaining }) => this.show(JSON.parse(payload), false, remaining)),
      result: current(({ id, payload, worked }) => this.showFinal(JSON.parse(payload), this.confirmed.has(id) ? "on-request" : "live", { worked })),
      verdict: (message) => this.runtime.answered(message), // judged for an experiment (sim-page.mjs)
    };
  }

  startRuntime() {
    this.view.showStage("runtime");
    this.runtime.start();
  }

  onReady(timings) {
    this.root.dataset.simTimings = JSON.stringify(timings);
    this.controls.enable();
    this.root.dispatchEvent(new CustomEvent("simulator-live", { bubbles: true })); // static/js/offline.js keeps the runtime now
    // A link answered from the build's frames before the runtime was up keeps saying so.
    this.view.setStatus("live", this.resultText ? `${this.resultText} Ready to re-run in your browser.`
      : "Ready: change a setting to re-run the simulator in your browser.");
    const waiting = this.pending;
    this.pending = null;
    // Not for a link to other settings: it could not use the warm-up's caches, and would wait
    // for its first step (0.7 s on the RL page) before the worker stopped it.
    if (this.config.warmUp && (!waiting || this.known.onlyViewDiffers(waiting))) this.warmUp();
    this.settle();
    if (waiting) this.send(waiting, waiting.confirmed);
    else if (this.parked) this.offerRun(this.parked, `${this.parked.reason ?? ""} The runtime restarted.`.trimStart());
    this.idleSoon();
  }

  fail(reason) {
    this.runtime.lost();
    this.failure = reason; // settings the build computed still show; others say why they cannot run
    this.settle();
    this.root.dispatchEvent(new CustomEvent("simulator-failed", { bubbles: true })); // static/js/offline.js waits no longer
    const shown = this.lastComplete ? "these settings" : "the default settings"; // a shipped setting may show already
    this.view.setStatus("error", `The interactive runtime could not load (${reason}). The figure shows the result `
      + `computed when this page was built, at ${shown}; other settings computed then still show.`);
  }

  // A run that stops talking: the worker is replaced. The reader keeps the settings and may
  // ask for them again with Run once the runtime is back.
  onSilent() {
    this.runtime.terminate(); // before endRun: no background work starts on a runtime that is gone
    this.endRun();
    this.restoreComplete();
    this.controls.disable();
    const silent = `The run went ${this.config.runtime.timeoutMs / 1000} s without reporting progress and was stopped.`;
    this.parked = { id: this.requestId, request: this.sent, remaining: null, reason: silent };
    this.startRuntime();
    this.view.setStatus("error", `${silent} The runtime is restarting, then Run tries again.`);
  }

  // Work for later visits (the runtime snapshot, the offline copy in static/js/offline.js) waits
  // until the runtime is up and the simulator has been idle for IDLE_MS, so that it never takes
  // the CPU from the reader's first tries (measured: an offline copy made meanwhile slowed the
  // first redraw after a change from 0.15 s to 0.45 s). A page that makes the snapshot boots its
  // helper after it, from its worker (runtime-client.mjs; at once where a core is free for it).
  idleSoon() {
    clearTimeout(this.idleTimer);
    if (this.wentIdle || !["idle", "parked"].includes(this.state)) return;
    this.idleTimer = setTimeout(() => {
      this.wentIdle = true;
      this.runtime.saveSnapshot(); // unless the runtime made it already (a helper booting beside the run)
      document.dispatchEvent(new CustomEvent("simulator-idle"));
    }, IDLE_MS);
  }

  request() {
    this.controls.applyDependencies();
    const request = this.controls.current();
    this.url.write(request);
    this.answer(request);
  }

  async answer(request) {
    const id = ++this.requestId;
    this.root.dataset.simRequest = String(id);
    this.linkRequestId = request.fromLink ? id : null;
    this.parked = null;
    this.view.hideRun();
    if (this.runtime.ready) this.runtime.post(toWorker.cancel());
    this.endRun();
    const seen = this.known.recall(request);
    if (seen) return this.showFinal(seen.frame, seen.path, { cached: true });
    const file = this.known.shippedFile(request);
    const shipped = file && (await this.known.load(file));
    if (shipped) {
      if (id === this.requestId) this.showFinal(shipped, "precomputed");
      return;
    }
    if (id !== this.requestId) return;
    if (this.runtime.ready) this.send(request, request.confirmed);
    else if (this.failure) {
      this.view.setStatus("error", `These settings need the interactive runtime, which could not load (${this.failure}). `
        + "The figure shows the last result; settings computed when the page was built still show.");
    } else {
      this.pending = request;
      this.startNow?.(); // controls work before the runtime: a setting that needs it starts it (sim-page.mjs sets startNow)
      this.view.say("Waiting for the runtime to load, then these settings run.");
    }
  }

  // A link whose settings cannot run: the controls go back to what the figure shows (the
  // build's frame), so the two never disagree, and the message names the control at fault.
  rejectLink(reason) {
    const shown = this.lastComplete ? this.lastComplete.frame.result : { params: this.config.defaults, seed: this.config.seed };
    const params = Object.fromEntries(Object.keys(this.controls.schema).map((name) => [name, shown.params[name] ?? this.config.defaults[name]]));
    this.controls.setAll(params, shown.seed ?? this.config.seed);
    this.url.write(this.controls.current());
    this.view.setStatus("error", `This link's settings could not be used: ${reason.replace(/\.?$/, ".")} The figure and the controls show the default settings.`);
  }

  // The figure shows the build's frame; computing it once more in the background fills the
  // simulator's caches, so its view-only controls (the time shown, the head shown) answer at
  // once. A warm-up asked for again replaces the one before.
  warmUp() {
    this.warmingUp = true;
    if (this.state === "idle") this.enter("warming");
    this.runtime.warm(this.config.defaults, this.config.seed);
  }

  send(request, confirmed = false) {
    this.beginRun(request);
    if (confirmed) this.confirmed.add(this.requestId);
    this.runtime.run(this.requestId, request, confirmed ? null : ASK_ABOVE_S);
  }

  // What the page shows and remembers whenever the worker starts (or resumes) a run.
  beginRun(request) {
    this.sent = request;
    this.requestedAt = performance.now();
    clearTimeout(this.idleTimer);
    this.runtime.arm(() => this.onSilent());
    this.view.startClock(this.requestedAt);
    this.view.setStatus("live", "Computing…");
    this.enter("running");
  }

  endRun() {
    this.runtime.disarm();
    this.view.stopClock();
    if (this.state === "running" || this.state === "parked") this.settle();
    this.idleSoon();
  }

  // A long setting: say how long it should take here and wait for Run. The figure keeps the
  // last complete result; the controls keep what the reader chose.
  offerRun(parked, prefix) {
    this.parked = parked;
    this.root.dataset.simFirstFrame = String(parked.id); // for benchmarks: the page has answered
    this.view.offerRun(parked, prefix, this.runtime.ready);
    this.enter("parked");
  }

  runParked() {
    const parked = this.parked;
    if (!parked || !this.runtime.ready) return;
    this.parked = null;
    this.view.hideRun();
    this.confirmed.add(parked.id);
    this.beginRun(parked.request);
    this.runtime.resume(parked.id, parked.request);
  }

  show(frame, final, remaining = null) {
    this.lastFrame = frame;
    this.view.show(frame, final);
    if (!final) {
      this.root.dataset.simFirstFrame = String(this.requestId);
      this.view.showProgress(frame.progress, frame.phase, remaining);
    }
  }

  // A final frame, from wherever it came; remembered for this tab and for a later Stop.
  showFinal(frame, path, { cached = false, worked = null } = {}) {
    this.endRun();
    this.show(frame, true);
    if (!cached) this.known.remember({ params: frame.result.params, seed: frame.result.seed }, frame, path);
    this.lastComplete = { frame, path };
    this.root.dispatchEvent(new CustomEvent("sim-result", { detail: { frame, path, cached } })); // static/js/experiments.mjs
    this.root.dataset.simPath = path;
    this.root.toggleAttribute("data-sim-cached", cached);
    this.root.dataset.simFirstFrame = this.root.dataset.simDone = String(this.requestId);
    this.resultText = this.view.whereFrom(path, frame.result.seed, worked ?? (performance.now() - this.requestedAt) / 1000, cached);
    this.view.setStatus(this.runtime.ready ? "live" : this.view.status, this.resultText);
  }

  // After a Stop or a failed run: the figure goes back to the last complete result.
  restoreComplete() {
    if (this.lastFrame === null || (this.lastComplete && this.lastFrame === this.lastComplete.frame)) return;
    if (this.lastComplete) this.show(this.lastComplete.frame, true);
    else {
      this.lastFrame = null;
      this.frameShown().then((frame) => { if (frame && this.lastFrame === null) this.show(frame, true); });
    }
  }

  // What the figure shows: the last frame computed here, or before any run, the build's own.
  async frameShown() {
    if (this.lastFrame) return this.lastFrame;
    try {
      return await this.known.firstFrame();
    } catch (error) {
      this.view.say(`Could not export the build-time result (${error.message}).`);
      return null;
    }
  }
}
