// Page side of a simulator, the same for every simulator: one per [data-sim] root. This module
// wires the page (its buttons, its link, when the runtime starts); the modules in simulator/ do
// one job each: coordinator.mjs what each change does, controls.mjs the controls and their rules,
// url-state.mjs the link, view.mjs what the reader sees, known-results.mjs results shown without
// a run, runtime-client.mjs the worker, exports.mjs the files, protocol.mjs the messages.

import { Simulator } from "./simulator/coordinator.mjs";
import { exportActions } from "./simulator/exports.mjs";
import { toWorker } from "./simulator/protocol.mjs";
import { withSubscripts } from "./simulator/text.mjs";

class SimulatorPage extends Simulator {
  // --- for static/js/experiments.mjs ---------------------------------------------------
  // An experiment's "Try this": its whole setting, run at once (the reader asked for it: no
  // estimate first), with the simulator brought into view.
  trySetting(params, seed) {
    this.controls.setAll(params, seed);
    const request = this.controls.current();
    this.url.write(request);
    const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
    this.root.scrollIntoView({ block: "start", behavior: still ? "auto" : "smooth" });
    this.root.querySelector("h2").focus({ preventScroll: true });
    this.view.hideExperiment();
    this.startNow?.();
    this.answer({ ...request, confirmed: true });
  }

  subscripted(text) {
    return withSubscripts(text);
  }

  sameSetting(params, other) {
    return this.known.sameSetting(params, other);
  }

  showExperiment(text, back) {
    this.view.showExperiment(text, back);
  }

  // An experiment's verdict on a frame, judged in the worker by the build's own code (started for
  // it if need be): simulators.kit.claims.verdict.
  async judge(claims, labels, frame) {
    if (!this.runtime.ready) await this.runtimeUp();
    return this.runtime.judge(claims, labels, frame);
  }

  runtimeUp() {
    return new Promise((resolve, reject) => {
      const failed = () => reject(new Error(`the interactive runtime could not load (${this.failure})`));
      if (this.failure) return failed();
      this.root.addEventListener("simulator-live", resolve, { once: true });
      this.root.addEventListener("simulator-failed", failed, { once: true });
      this.startNow?.();
    });
  }

  // --- for tests and benchmarks -------------------------------------------------------
  get form() { return this.controls.form; }
  get warming() { return this.warmingUp; }
  get ready() { return this.runtime.ready; }
  controlValue(name) { return this.controls.value(name); }
  forgetResults() { // as on a first visit: nothing seen in this tab, nothing in the simulator's caches
    this.known.forget();
    this.runtime.post(toWorker.forget());
  }

  bind() {
    this.controls.bind(() => this.request());
    this.controls.bindFigureMoves(this.view.figure, (target) => {
      this.view.focusAfterRedraw = target.id || null;
      this.request();
    });
    const actions = {
      "copy-link": async () => {
        await this.url.written;
        const done = () => this.view.say("Link to this exact view copied.");
        if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(location.href).then(done, () => {});
        else this.view.say(`Link to this view: ${location.href}`);
      },
      run: () => this.runParked(),
      stop: () => this.runtime.stop(this.requestId),
      reset: () => {
        this.controls.setAll(this.config.defaults, this.config.seed);
        this.request();
      },
      "new-seed": () => {
        this.controls.set("seed", Math.floor(Math.random() * 2 ** 31));
        this.request();
      },
      ...exportActions(this.root, this.name, () => this.frameShown()),
    };
    for (const button of this.root.querySelectorAll("[data-action]")) {
      button.addEventListener("click", () => actions[button.dataset.action]());
    }
  }

  async start() {
    this.bind();
    // Controls work before the runtime loads: settings the build computed show at once, others
    // wait for it. Exports and the link work on the build's frame from the start.
    this.controls.enable();
    this.view.trackStickyHeights();
    this.view.fitPanelRow();
    this.url.showLinkNote(await this.url.readTexts(), true);
    if (this.url.problem) {
      this.rejectLink(this.url.problem);
      this.url.params = {};
    }
    const linked = this.url.params;
    const fromURL = Object.keys(linked).length > 0;
    for (const [name, value] of Object.entries(linked)) this.controls.set(name, value);
    if (fromURL) {
      // The page shows the default frame; the link asks for another view: precomputed, or run once ready.
      const params = { ...this.config.defaults, ...linked };
      delete params.seed;
      this.answer({ params, seed: linked.seed ?? this.config.seed, fromLink: true });
    }
    if (!("Worker" in window && typeof WebAssembly === "object")) {
      this.fail("this browser lacks Web Workers or WebAssembly");
      return;
    }
    this.startWhenNeeded(fromURL);
  }

  // The runtime is 15 MB: fetch it when the simulator comes within two screens of the viewport
  // (so it is ready by the time a reader scrolls to it), when the reader touches it, or at
  // once for a link that asks for a setting or points at the simulator (without waiting for
  // the observer's first report); never for a reader who only reads the text.
  startWhenNeeded(now) {
    let observer = null;
    const begin = this.startNow = () => {
      if (this.runtime.started) return;
      observer?.disconnect();
      this.startRuntime();
    };
    if (now || this.url.pointsAt(this.root) || !("IntersectionObserver" in window)) return begin();
    let firstReport = true;
    observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) begin();
      // Out of reach at load: static/js/offline.js need not wait for a runtime that may never start.
      else if (firstReport) document.dispatchEvent(new CustomEvent("simulator-waiting"));
      firstReport = false;
    }, { rootMargin: "200% 0px" });
    observer.observe(this.root);
    for (const type of ["pointerdown", "focusin"]) this.root.addEventListener(type, begin, { once: true });
  }
}

for (const root of document.querySelectorAll("[data-sim]")) {
  const simulator = new SimulatorPage(root);
  root.simulator = simulator; // for debugging and tests
  simulator.start();
}

