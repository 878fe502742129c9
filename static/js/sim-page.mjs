// Page side of a simulator: generic for every simulator (no per-simulator drawing here).
// Binds the controls generated from PARAMS, keeps parameters and seed in the URL, talks to
// the worker, swaps in the SVG the simulator rendered, and reports honest progress.

const LOG_POSITIONS = 1000; // a log-scale slider moves over positions 0..1000 (sitegen/controls.py)
const TYPING_PAUSE_MS = 600; // typed values run once the reader pauses (or presses Enter), not per key
const ASK_ABOVE_S = 2; // a setting estimated to take longer waits for Run (the promise: live answers within 2 s)
const TAB_CACHE_SIZE = 40; // final frames kept for settings seen before in this tab
const IDLE_MS = 1000; // background work (runtime snapshot, offline copy) starts once the simulator is idle this long
let snapshotRequested = false;
const INLINE_TEXT_UP_TO = 500; // characters: a longer text value goes into links compressed (static/js/share-link.mjs)

const STAGES = {
  runtime: "Loading the Python runtime and NumPy (1 of 2)…",
  simulators: "Installing the simulator (2 of 2)…",
};

function download(filename, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// Export SVG: the figure's panels joined into one standalone SVG, placed as the reader sees
// them (side by side on a desktop, stacked on a phone). Colours fall back to the light theme's.
function joinPanels(box) {
  const NS = "http://www.w3.org/2000/svg";
  const origin = box.getBoundingClientRect();
  const root = document.createElementNS(NS, "svg");
  const group = box.querySelector(".sim-panels");
  let width = 0, height = 0;
  const placed = [];
  for (const panel of box.querySelectorAll("svg.sim-panel")) {
    const r = panel.getBoundingClientRect();
    const copy = panel.cloneNode(true);
    const [x, y] = [r.left - origin.left, r.top - origin.top];
    for (const [name, value] of [["x", x], ["y", y], ["width", r.width], ["height", r.height]]) copy.setAttribute(name, value.toFixed(1));
    copy.removeAttribute("class");
    placed.push(copy);
    [width, height] = [Math.max(width, x + r.width), Math.max(height, y + r.height)];
  }
  root.setAttribute("viewBox", `0 0 ${width.toFixed(1)} ${height.toFixed(1)}`);
  root.setAttribute("width", width.toFixed(1));
  root.setAttribute("height", height.toFixed(1));
  const title = document.createElementNS(NS, "title");
  title.textContent = group ? group.getAttribute("aria-label") : "";
  const desc = document.createElementNS(NS, "desc");
  desc.textContent = group ? group.querySelector(".visually-hidden")?.textContent ?? "" : "";
  const paper = document.createElementNS(NS, "rect");
  for (const [name, value] of [["width", "100%"], ["height", "100%"], ["fill", "#ffffff"]]) paper.setAttribute(name, value);
  root.append(title, desc, paper, ...placed);
  return new XMLSerializer().serializeToString(root);
}

// "about 40 s": rounded as a person would say it, never more precise than the estimate is.
function aboutTime(seconds) {
  if (seconds === null || seconds === undefined) return "more than a few seconds";
  if (seconds < 10) return `about ${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 90) return `about ${Math.round(seconds / 5) * 5} s`;
  return `about ${Math.round(seconds / 60)} min`;
}

// Settings compare by value: a link's "16" is the control's 16.
function sameValue(a, b) {
  if (typeof a !== "number" && typeof b !== "number") return String(a) === String(b);
  const [x, y] = [Number(a), Number(b)];
  return x === y || Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x));
}

// τ_gen as τ<sub>gen</sub>, the pattern of simulators/kit/svg.py SUBSCRIPT (the build does the
// same to the first frame's headers); nodes, never HTML, so a header cannot inject markup.
const SUBSCRIPT = /(?<![A-Za-z])([A-Za-z\u0391-\u03a9\u03b1-\u03c9])_([a-z]+)/g;
function withSubscripts(text) {
  const nodes = [];
  let at = 0;
  for (const match of text.matchAll(SUBSCRIPT)) {
    nodes.push(text.slice(at, match.index) + match[1], Object.assign(document.createElement("sub"), { textContent: match[2] }));
    at = match.index + match[0].length;
  }
  nodes.push(text.slice(at));
  return nodes;
}

function toCSV(table) {
  const cell = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  return [table.columns, ...table.rows].map((row) => row.map(cell).join(",")).join("\n") + "\n";
}

class Simulator {
  constructor(root) {
    this.root = root;
    this.config = JSON.parse(root.querySelector("[data-sim-config]").textContent);
    this.name = this.config.name;
    this.schema = Object.fromEntries(this.config.schema.map((p) => [p.name, p]));
    this.form = root.querySelector("[data-sim-controls]");
    this.form.addEventListener("submit", (event) => event.preventDefault()); // Enter in a field runs, never submits
    this.message = root.querySelector("[data-sim-message]");
    this.progress = root.querySelector("[data-sim-progress]");
    this.elapsed = root.querySelector("[data-sim-elapsed]");
    this.clock = null;
    this.requestId = 0;
    this.typingTimer = null;
    this.lastFrame = null; // the frame on screen (partial or final), once one came from here
    this.lastComplete = null; // {frame, path} of the last final frame shown; null: the build's own
    this.tabCache = new Map(); // request key -> {frame, path}: settings seen before in this tab
    this.parked = null; // {id, request, remaining}: a long setting waiting for Run, or stopped
    this.confirmed = new Set(); // request ids the reader asked for with Run
    this.ready = false;
    this.estimate = root.querySelector("[data-sim-estimate]");
    this.runButton = root.querySelector('[data-action="run"]');
    this.stopButton = root.querySelector('[data-action="stop"]');
    this.experimentNote = root.querySelector("[data-sim-experiment]");
    this.linkNote = root.querySelector("[data-sim-link-note]");
    this.urlWrites = 0;
    this.urlWritten = Promise.resolve();
    this.readFromURL();
  }

  setStatus(status, text) {
    this.root.dataset.simStatus = status;
    if (text !== undefined) this.message.textContent = text;
  }

  // While a run is under way: a ticking elapsed time beside the status (outside the live
  // region, so a screen reader is not told every tick) and a visible progress track.
  startClock() {
    this.stopClock();
    this.root.dataset.simBusy = "";
    const tick = () => { this.elapsed.textContent = `${((performance.now() - this.requestedAt) / 1000).toFixed(1)} s`; };
    tick();
    this.clock = setInterval(tick, 200);
    this.stopButton.hidden = false;
    this.stopButton.disabled = false;
  }

  stopClock() {
    clearInterval(this.clock);
    this.clock = null;
    delete this.root.dataset.simBusy;
    this.elapsed.textContent = "";
    this.progress.style.width = "0";
    this.stopButton.hidden = true;
  }

  // --- state <-> controls <-> URL ---------------------------------------------------
  readFromURL() {
    const query = new URLSearchParams(location.search);
    this.urlParams = {};
    this.urlTexts = {}; // NAME.z (compressed) or NAME.local (left out of the link): share-link.mjs
    for (const [key, value] of query) {
      if (key === "seed" || key in this.schema) this.urlParams[key] = value;
      const [name, form] = key.split(/\.(?=[a-z]+$)/);
      if (form && this.schema[name]?.kind === "text") this.urlTexts[name] = { form: "." + form, value };
    }
  }

  // Long texts in the link: decompressed, or read back from this tab where the link left them out.
  async readTextsFromURL() {
    if (Object.keys(this.urlTexts).length === 0) return [];
    const { COMPRESSED, LEFT_OUT, decompress, kept } = await this.shareLink();
    const missing = [];
    for (const [name, { form, value }] of Object.entries(this.urlTexts)) {
      if (form === COMPRESSED) {
        try {
          this.urlParams[name] = await decompress(value);
        } catch {
          this.linkProblem = `${this.schema[name].label} (${name}) is damaged in this link and could not be read`;
        }
      } else if (form === LEFT_OUT) {
        const text = kept(this.name, name);
        if (text === null) missing.push(name);
        else this.urlParams[name] = text;
      }
    }
    return missing;
  }

  shareLink() {
    this.shareLinkModule ??= import(new URL(this.config.shareLink, document.baseURI).href);
    return this.shareLinkModule;
  }

  // Under the actions: which texts links to this view leave out, or which this link lacked.
  showLinkNote(names, opened = false) {
    this.linkNote.hidden = names.length === 0;
    if (names.length === 0) return;
    const labels = names.map((name) => this.schema[name].label).join(" and ");
    const [it, is] = names.length === 1 ? ["it", "is"] : ["them", "are"];
    this.linkNote.textContent = opened
      ? `This link was made with ${labels} too long to fit in a link, and ${is === "is" ? "it is" : "they are"} not kept in this browser, so the example text is shown instead.`
      : `${labels} ${is} too long for a link even compressed, so links to this view leave ${it} out (the page they open says so). This tab keeps ${it}: a reload does not lose ${it}.`;
  }

  controlValue(name) {
    const input = this.form.elements[name];
    const spec = this.schema[name];
    if (spec.kind === "bool") return input.checked;
    if (spec.values) return spec.values[Number(input.value)]; // a slider over listed values (simulators/kit/params.py)
    if (input.dataset.scale === "log") {
      // A value set from a link or a reset is kept exactly; a moved slider gives the value at its position.
      return input.dataset.exact !== undefined ? Number(input.dataset.exact) : this.fromLogPosition(spec, Number(input.value));
    }
    if (spec.kind === "int") return Number.parseInt(input.value, 10);
    if (spec.kind === "float") return Number.parseFloat(input.value);
    return input.value;
  }

  fromLogPosition(spec, position) {
    const raw = spec.min * (spec.max / spec.min) ** (position / LOG_POSITIONS);
    const stepped = spec.min + Math.round((raw - spec.min) / spec.step) * spec.step;
    const value = Math.min(spec.max, Math.max(spec.min, stepped));
    return spec.kind === "int" ? Math.round(value) : value;
  }

  setControl(name, value) {
    const input = this.form.elements[name];
    if (!input) return;
    const spec = this.schema[name];
    if (spec && spec.kind === "bool") input.checked = value === true || value === "true" || value === "1";
    else if (spec?.values) {
      // The nearest listed value; one not listed (an old link) is refused by the simulator, by name.
      const distance = (v) => Math.abs(v - Number(value));
      input.value = String(spec.values.indexOf(spec.values.reduce((best, v) => (distance(v) < distance(best) ? v : best))));
    } else if (input.dataset.scale === "log") {
      const number = Math.min(spec.max, Math.max(spec.min, Number(value)));
      input.value = String(Math.round(LOG_POSITIONS * Math.log(number / spec.min) / Math.log(spec.max / spec.min)));
      input.dataset.exact = String(number);
    } else input.value = value;
    this.showOutput(name);
  }

  // "1,234 of 50,000 characters" under a text box; past the limit it says so (nothing is cut).
  showCount(name) {
    const counter = this.form.querySelector(`[data-char-count="${name}"]`);
    if (!counter) return;
    const [length, max] = [this.form.elements[name].value.length, Number(counter.dataset.max)];
    const count = `${length.toLocaleString("en")} of ${max.toLocaleString("en")} characters`;
    counter.toggleAttribute("data-over", length > max);
    counter.textContent = length > max ? `${count}: ${(length - max).toLocaleString("en")} over the limit. Nothing was cut; shorten it to run.` : count;
  }

  showOutput(name) {
    this.showCount(name);
    const output = this.form.querySelector(`[data-output="${name}"]`);
    if (!output) return;
    const spec = this.schema[name];
    output.textContent = `${this.controlValue(name)}${spec.unit ? " " + spec.unit : ""}`;
    // A slider whose position is not its value (listed values, a log scale) says its value to screen readers.
    if (spec.values || spec.scale === "log") this.form.elements[name].setAttribute("aria-valuetext", output.textContent);
  }

  // Controls that depend on others: a bound that follows another control ("max_from"), and a
  // control that cannot change the result in the current setting ("used_when"), which is
  // disabled with its reason shown (the same rules as simulators/kit/params.py).
  applyDependencies() {
    for (const spec of this.config.schema) {
      const input = this.form.elements[spec.name];
      if (spec.max_from) {
        const bound = this.controlValue(spec.max_from);
        input.max = String(bound);
        if (Number(input.value) > bound) input.value = String(bound);
        this.showOutput(spec.name);
      }
      if (spec.used_when) {
        const used = Object.entries(spec.used_when).every(([other, allowed]) => allowed.includes(this.controlValue(other)));
        input.disabled = !used;
        input.closest(".control").toggleAttribute("data-unused", !used);
        const note = input.closest(".control").querySelector("[data-unused-note]");
        if (note) note.hidden = used;
      }
    }
  }

  currentRequest() {
    const params = {};
    for (const name of Object.keys(this.schema)) params[name] = this.controlValue(name);
    return { params, seed: Number.parseInt(this.form.elements.seed.value, 10) };
  }

  writeURL({ params, seed }) {
    const query = new URLSearchParams(location.search);
    const long = {};
    for (const [name, value] of Object.entries(params)) {
      for (const key of [...query.keys()]) if (key.startsWith(name + ".")) query.delete(key);
      if (String(value) === String(this.config.defaults[name])) query.delete(name);
      else if (this.schema[name].kind === "text" && String(value).length > INLINE_TEXT_UP_TO) {
        query.delete(name);
        long[name] = String(value);
      } else query.set(name, String(value));
    }
    if (seed === this.config.seed) query.delete("seed");
    else query.set("seed", String(seed));
    const write = ++this.urlWrites;
    const replace = (fitted, leftOut) => {
      if (write !== this.urlWrites) return; // a later change has written its own
      const search = fitted.toString();
      history.replaceState(null, "", location.pathname + (search ? "?" + search : "") + location.hash);
      this.showLinkNote(leftOut);
    };
    if (Object.keys(long).length === 0) {
      replace(query, []);
      this.urlWritten = Promise.resolve();
      return;
    }
    this.urlWritten = this.shareLink()
      .then(({ fitInLink }) => fitInLink(query, long, this.name, location.origin + location.pathname + location.hash))
      .then(({ query: fitted, leftOut }) => replace(fitted, leftOut))
      .catch(() => { // no CompressionStream: the text goes in as it is, as before
        for (const [name, value] of Object.entries(long)) query.set(name, value);
        replace(query, []);
      });
  }

  // --- worker ---------------------------------------------------------------------
  // A worker running sim-worker.mjs, and the runtime settings to send it.
  spawnWorker() {
    // Started from a blob: URL that imports the real script, so that the worker inherits this
    // page's Content-Security-Policy (a worker loaded from its own URL would take its policy
    // from HTTP headers, which static hosts rarely let a site set).
    const script = new URL(this.config.runtime.worker, document.baseURI).href;
    const boot = URL.createObjectURL(new Blob([`import ${JSON.stringify(script)};`], { type: "text/javascript" }));
    const worker = new Worker(boot, { type: "module" });
    worker.addEventListener("message", () => URL.revokeObjectURL(boot), { once: true });
    // Runtime URLs in the config are relative to this page; the worker lives elsewhere.
    const runtime = { ...this.config.runtime };
    runtime.indexURL = new URL(runtime.indexURL, document.baseURI).href;
    runtime.archive = new URL(runtime.archive, document.baseURI).href;
    for (const asset of Object.values(runtime.assets || {})) asset.url = new URL(asset.url, document.baseURI).href;
    return { worker, runtime };
  }

  startWorker() {
    this.setStatus("loading", STAGES.runtime);
    const { worker, runtime } = this.spawnWorker();
    this.worker = worker;
    this.worker.onmessage = (event) => this.onWorkerMessage(event.data);
    this.worker.onerror = (event) => this.fail(event.message || "the worker script could not start");
    this.worker.postMessage({ type: "init", runtime, sim: this.name, module: this.config.module });
  }

  // Work for later visits (the runtime snapshot below, the offline copy in static/js/offline.js)
  // waits until the runtime is up and the simulator has been idle for IDLE_MS, so that it never
  // takes the CPU from the reader's first tries (measured: an offline copy made meanwhile
  // slowed the first redraw after a change from 0.15 s to 0.45 s).
  idleSoon() {
    clearTimeout(this.idleTimer);
    if (this.wentIdle || !this.ready || this.clock || this.warming) return; // the clock ticks while a run is under way
    this.idleTimer = setTimeout(() => {
      this.wentIdle = true;
      if (this.makesSnapshot) this.saveSnapshot();
      document.dispatchEvent(new CustomEvent("simulator-idle"));
    }, IDLE_MS);
  }

  // Later pages boot from a snapshot of the runtime that the first one saves (sim-worker.mjs),
  // made in a worker of its own; the outcome is on the root as data-sim-snapshot, for tests
  // and benches.
  saveSnapshot() {
    if (!("caches" in window) || snapshotRequested) return;
    snapshotRequested = true; // one per page, however many simulators it has
    const { worker, runtime } = this.spawnWorker();
    worker.onmessage = ({ data }) => {
      this.root.dataset.simSnapshot = data.type === "snapshot-saved" ? "saved" : "failed";
      if (data.type === "snapshot-failed") console.warn(`No runtime snapshot for later pages: ${data.message}`);
      worker.terminate();
    };
    worker.onerror = () => worker.terminate();
    worker.postMessage({ type: "snapshot", runtime });
  }

  fail(reason) {
    this.ready = false;
    this.failure = reason; // settings the build computed still show; others say why they cannot run
    document.dispatchEvent(new CustomEvent("simulator-failed")); // static/js/offline.js waits no longer
    this.setStatus("error",
      `The interactive runtime could not load (${reason}). The figure shows the result computed when this page was built, at the default settings.`);
  }

  onWorkerMessage(message) {
    if (message.type === "stage") {
      // A restart after a silent run keeps saying why while the runtime loads again.
      // A result shown meanwhile (the build's, for a link or a "Try this") keeps saying what it is.
      const why = this.parked?.reason ? `${this.parked.reason} Restarting: ` : (!this.pending && this.resultText ? `${this.resultText} ` : "");
      this.setStatus("loading", why + STAGES[message.stage]);
    } else if (message.type === "warmed") {
      // For tests and benchmarks: "done" when view-only controls now answer at once, "stopped"
      // when a run of other settings took the worker first (the warm-up yields to the reader).
      this.root.dataset.simWarm = message.complete ? "done" : "stopped";
      this.warming = false;
      this.idleSoon();
    } else if (message.type === "violation") {
      // The policy blocked something in the worker: the browser reports it there, not here.
      console.error(`Content-Security-Policy blocked ${message.blocked} (${message.directive}) in the simulator worker`);
    } else if (message.type === "fatal") {
      this.fail(message.message);
    } else if (message.type === "ready") {
      this.ready = true;
      this.root.dataset.simTimings = JSON.stringify(message.timings);
      this.makesSnapshot = !message.timings.from_snapshot && !message.timings.snapshot_refused;
      this.enable();
      document.dispatchEvent(new CustomEvent("simulator-live")); // static/js/offline.js keeps the runtime now
      // A link answered from the build's frames before the runtime was up keeps saying so.
      this.setStatus("live", this.resultText ? `${this.resultText} Ready to re-run in your browser.`
        : "Ready: change a setting to re-run the simulator in your browser.");
      const waiting = this.pending;
      this.pending = null;
      // Not for a link to other settings: it could not use the warm-up's caches, and would wait
      // for its first step (0.7 s on the RL page) before the worker stopped it.
      if (this.config.viewOnly.length && (!waiting || this.differsOnlyInViewOnly(waiting))) this.warmUp();
      if (waiting) this.send(waiting, waiting.confirmed);
      else if (this.parked) this.offerRun(this.parked, `${this.parked.reason ?? ""} The runtime restarted.`.trimStart());
      this.idleSoon();
    } else if (message.id === this.requestId) {
      this.armWatchdog();
      if (message.type === "error") {
        this.endRun();
        if (message.id === this.linkRequestId) this.rejectLink(message.message);
        else this.setStatus("error", `Could not run with these settings: ${message.message}`);
      } else if (message.type === "estimate") {
        this.endRun();
        this.restoreComplete();
        this.offerRun({ id: message.id, request: this.sent, remaining: message.remaining, download: message.download }, "");
      } else if (message.type === "stopped") {
        this.endRun();
        this.restoreComplete();
        this.offerRun({ id: message.id, request: this.sent, remaining: message.remaining, download: message.download },
          message.download ? "Download stopped." : `Stopped at ${Math.round(100 * message.progress)}%; Run goes on from there.`);
      } else if (message.type === "progress") {
        this.showProgress(message.progress, message.phase, message.remaining);
      } else {
        const frame = JSON.parse(message.payload);
        if (message.type === "result") this.showFinal(frame, this.confirmed.has(message.id) ? "on-request" : "live", { worked: message.worked });
        else this.show(frame, false, message.remaining);
      }
    }
  }

  armWatchdog() {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.onTimeout(), this.config.runtime.timeoutMs);
  }

  endRun() {
    clearTimeout(this.watchdog);
    this.stopClock();
    this.idleSoon();
  }

  onTimeout() {
    // A run that stops talking is cancelled the only reliable way: a fresh worker. The reader
    // keeps the settings and may ask for them again with Run once the runtime is back.
    this.worker.terminate();
    this.worker = null;
    this.ready = false; // before endRun: no background work starts on a runtime that is gone
    this.endRun();
    this.restoreComplete();
    this.disable();
    const silent = `The run went ${this.config.runtime.timeoutMs / 1000} s without reporting progress and was stopped.`;
    this.parked = { id: this.requestId, request: this.sent, remaining: null, reason: silent };
    this.startWorker();
    this.setStatus("error", `${silent} The runtime is restarting, then Run tries again.`);
  }

  request() {
    this.typingTimer = null;
    this.applyDependencies();
    const request = this.currentRequest();
    this.writeURL(request);
    this.answer(request);
  }

  requestKey({ params, seed }) {
    return JSON.stringify([this.config.schema.map((spec) => params[spec.name]), seed]);
  }

  // A result the build computed for exactly these settings: its file, or null.
  precomputedFor({ params, seed }) {
    const entry = this.config.precomputed.find((e) => sameValue(e.seed, seed) && this.sameSetting(e.params, params));
    return entry ? entry.file : null;
  }

  // Whether two settings agree on every control, by value (also for static/js/experiments.mjs).
  sameSetting(params, other) {
    return this.config.schema.every((spec) => sameValue(params[spec.name], other[spec.name]));
  }

  // Every change ends one of three ways: shown again from this tab's memory or from the build's
  // precomputed results (no run), live in the worker, or (if long) on request after an estimate.
  async answer(request) {
    this.requestId += 1;
    const id = this.requestId;
    this.root.dataset.simRequest = String(id);
    this.linkRequestId = request.fromLink ? id : null;
    this.parked = null;
    this.hideRun();
    if (this.worker && this.ready) this.worker.postMessage({ type: "cancel" });
    this.endRun();
    const seen = this.tabCache.get(this.requestKey(request));
    if (seen) return this.showFinal(seen.frame, seen.path, { cached: true });
    const file = this.precomputedFor(request);
    if (file) {
      try {
        const response = await fetch(new URL(file, document.baseURI));
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const frame = await response.json();
        if (id === this.requestId) this.showFinal(frame, "precomputed");
        return;
      } catch {
        // A missing file (a partial upload) costs only speed: compute it instead.
      }
    }
    if (id !== this.requestId) return;
    if (this.ready) this.send(request, request.confirmed);
    else if (this.failure) {
      this.setStatus("error", `These settings need the interactive runtime, which could not load (${this.failure}). `
        + "The figure shows the last result; settings computed when the page was built still show.");
    } else {
      this.pending = request;
      this.startNow?.(); // controls work before the runtime: a setting that needs it starts it
      this.setStatus(this.root.dataset.simStatus, "Waiting for the runtime to load, then these settings run.");
    }
  }

  // A link whose settings cannot run: the controls go back to what the figure shows (the
  // build's frame), so the two never disagree, and the message names the control at fault.
  rejectLink(reason) {
    const shown = this.lastComplete ? this.lastComplete.frame.result : { params: this.config.defaults, seed: this.config.seed };
    for (const name of Object.keys(this.schema)) this.setControl(name, shown.params[name] ?? this.config.defaults[name]);
    this.setControl("seed", shown.seed ?? this.config.seed);
    this.applyDependencies();
    this.writeURL(this.currentRequest());
    this.setStatus("error", `This link's settings could not be used: ${reason.replace(/\.?$/, ".")} The figure and the controls show the default settings.`);
  }

  // The figure shows the build's frame; computing it once more in the background fills the
  // simulator's caches, so its view-only controls (the time shown, the head shown) answer at
  // once. The worker reports "warmed"; a warm-up asked for again replaces the one before.
  warmUp() {
    this.warming = true;
    this.worker.postMessage({ type: "warm", sim: this.name, module: this.config.module, params: this.config.defaults,
                              seed: this.config.seed, viewOnly: this.config.viewOnly });
  }

  // Whether a request asks for the page's own settings but for its view-only controls.
  differsOnlyInViewOnly(request) {
    if (String(request.seed) !== String(this.config.seed)) return false;
    const defaults = this.config.defaults;
    const names = new Set([...Object.keys(defaults), ...Object.keys(request.params)]);
    return [...names].every((name) => this.config.viewOnly.includes(name)
      || JSON.stringify(request.params[name]) === JSON.stringify(defaults[name]));
  }

  // What the page shows and remembers whenever the worker starts (or resumes) a run.
  beginRun(request) {
    this.sent = request;
    this.requestedAt = performance.now();
    clearTimeout(this.idleTimer);
    this.armWatchdog();
    this.startClock();
    this.setStatus("live", "Computing…");
  }

  send(request, confirmed = false) {
    this.beginRun(request);
    const message = { type: "run", id: this.requestId, sim: this.name, module: this.config.module, ...request };
    delete message.fromLink;
    delete message.confirmed;
    if (confirmed) {
      this.confirmed.add(this.requestId);
      this.worker.postMessage({ ...message, ask: null });
    } else this.worker.postMessage({ ...message, ask: ASK_ABOVE_S });
  }

  // A long setting: say how long it should take here and wait for Run. The figure keeps the
  // last complete result; the controls keep what the reader chose.
  offerRun(parked, prefix) {
    this.parked = parked;
    this.root.dataset.simFirstFrame = String(parked.id); // for benchmarks: the page has answered
    this.runButton.hidden = false;
    this.runButton.disabled = !this.ready;
    const lead = prefix ? prefix + " " : "";
    if (parked.download) {  // a file the run needs: say what it is and how large, never fetch it unasked
      const size = parked.download.bytes ? `${Math.round(parked.download.bytes / 1e6)}\u00a0MB` : "large";
      this.estimate.textContent = `${size} download`;
      this.setStatus("ready-to-run", `${lead}These settings need ${parked.download.label} (${size}, downloaded once per visit). Press Run to fetch it; the figure shows the previous result.`);
      return;
    }
    this.estimate.textContent = aboutTime(parked.remaining);
    this.setStatus("ready-to-run", `${lead}These settings take ${aboutTime(parked.remaining)} ${prefix && parked.remaining != null ? "more " : ""}in your browser: press Run to compute them. The figure shows the previous result.`);
  }

  hideRun() {
    this.runButton.hidden = true;
    this.estimate.textContent = "";
  }

  runParked() {
    const parked = this.parked;
    if (!parked || !this.ready) return;
    this.parked = null;
    this.hideRun();
    this.confirmed.add(parked.id);
    this.beginRun(parked.request);
    const fallback = { type: "run", sim: this.name, module: this.config.module, params: parked.request.params, seed: parked.request.seed };
    this.worker.postMessage({ type: "resume", id: parked.id, fallback });
  }

  showProgress(progress, phase, remaining) {
    this.progress.style.width = `${Math.round(100 * progress)}%`;
    const left = remaining === null || remaining === undefined ? "" : `, ${aboutTime(remaining)} left`;
    this.setStatus("live", `Computing… ${phase} (${Math.round(100 * progress)}%${left})`);
  }

  show(frame, final, remaining = null) {
    // `frame` is the envelope the adapter made (simulators.bridge): text is already formatted.
    this.lastFrame = frame;
    const box = this.root.querySelector("[data-sim-svg]");
    const across = box.querySelector(".sim-panels")?.scrollLeft ?? 0; // the panel a phone reader swiped to
    box.innerHTML = frame.svg;
    this.fitPanelRow(across);
    if (this.focusAfterRedraw) {
      // Keyboard players keep their place: refocus the same move button, or the first one.
      const again = box.querySelector(`[id="${this.focusAfterRedraw}"]`) || box.querySelector("[data-param]");
      if (again) again.focus();
      if (final) this.focusAfterRedraw = null;
    }
    for (const [path, text] of Object.entries(frame.readouts)) {
      const cell = this.root.querySelector(`[data-readout="${path}"]`);
      if (cell) cell.textContent = text;
    }
    this.showTable(frame.table);
    if (!final) {
      this.root.dataset.simFirstFrame = String(this.requestId);
      this.showProgress(frame.progress, frame.phase, remaining);
    }
  }

  // A final frame, from wherever it came; remembered for this tab and for a later Stop.
  showFinal(frame, path, { cached = false, worked = null } = {}) {
    this.endRun();
    this.show(frame, true);
    const request = { params: frame.result.params, seed: frame.result.seed };
    if (!cached) {
      this.tabCache.delete(this.requestKey(request));
      this.tabCache.set(this.requestKey(request), { frame, path });
      if (this.tabCache.size > TAB_CACHE_SIZE) this.tabCache.delete(this.tabCache.keys().next().value);
    }
    this.lastComplete = { frame, path };
    this.root.dispatchEvent(new CustomEvent("sim-result", { detail: { frame, path, cached } })); // static/js/experiments.mjs
    this.root.dataset.simPath = path;
    this.root.toggleAttribute("data-sim-cached", cached);
    this.root.dataset.simFirstFrame = String(this.requestId);
    this.root.dataset.simDone = String(this.requestId);
    const seed = `seed ${frame.result.seed}`;
    const elapsed = worked ?? (performance.now() - this.requestedAt) / 1000;
    const status = {
      precomputed: `Computed when this page was built, at these settings (${seed}).`,
      live: `Computed in your browser in ${elapsed.toFixed(1)} s (${seed}).`,
      "on-request": `Computed in your browser in ${elapsed.toFixed(1)} s, on request (${seed}).`,
    }[path];
    this.resultText = cached ? `Shown again: ${status.charAt(0).toLowerCase()}${status.slice(1).replace(/ in [\d.]+ s/, "")}` : status;
    this.setStatus(this.ready ? "live" : this.root.dataset.simStatus, this.resultText);
  }

  // After a Stop or a failed run: the figure goes back to the last complete result.
  restoreComplete() {
    if (this.lastFrame === null || (this.lastComplete && this.lastFrame === this.lastComplete.frame)) return;
    if (this.lastComplete) this.show(this.lastComplete.frame, true);
    else {
      this.lastFrame = null;
      this.frameToExport().then((frame) => { if (frame && this.lastFrame === null) this.show(frame, true); });
    }
  }

  showTable(table) {
    const body = this.root.querySelector("[data-sim-table] tbody");
    if (!body) return;
    // Caption and columns can depend on the settings (the head shown, the models compared).
    this.root.querySelector("[data-sim-table-caption]").textContent = table.caption;
    this.root.querySelector("[data-sim-table] thead tr").replaceChildren(...table.columns.map((column) => {
      const th = Object.assign(document.createElement("th"), { scope: "col" });
      th.append(...withSubscripts(column));
      return th;
    }));
    body.replaceChildren(...table.rows.map((row) => {
      const tr = document.createElement("tr");
      for (const value of row) tr.append(Object.assign(document.createElement("td"), { textContent: value }));
      return tr;
    }));
  }

  // What the figure shows: the last frame computed here, or before any run, the build's own.
  async frameToExport() {
    if (this.lastFrame) return this.lastFrame;
    try {
      const response = await fetch(new URL(this.config.firstFrame, document.baseURI));
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return await response.json();
    } catch (error) {
      this.setStatus(this.root.dataset.simStatus, `Could not export the build-time result (${error.message}).`);
      return null;
    }
  }

  // An experiment's "Try this" (static/js/experiments.mjs): its whole setting, run at once
  // (the reader asked for it: no estimate first), with the simulator brought into view.
  trySetting(params, seed) {
    for (const [name, value] of Object.entries(params)) this.setControl(name, value);
    this.setControl("seed", seed);
    this.applyDependencies();
    const request = this.currentRequest();
    this.writeURL(request);
    const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
    this.root.scrollIntoView({ block: "start", behavior: still ? "auto" : "smooth" });
    this.root.querySelector("h2").focus({ preventScroll: true });
    this.experimentNote.hidden = true;
    this.startNow?.();
    this.answer({ ...request, confirmed: true });
  }

  // Text with τ_gen written as τ<sub>gen</sub>, as nodes (for static/js/experiments.mjs too).
  subscripted(text) {
    return withSubscripts(text);
  }

  // What an experiment found on the reader's run, under the status, with the way back to the text.
  showExperiment(text, back) {
    this.experimentNote.querySelector("[data-sim-experiment-text]").replaceChildren(...withSubscripts(text));
    this.experimentNote.querySelector("a").href = back;
    this.experimentNote.hidden = false;
  }

  // --- controls ---------------------------------------------------------------------
  enable() {
    for (const element of this.root.querySelectorAll("input, select, textarea, button")) element.disabled = false;
    this.applyDependencies();
  }

  disable() {
    for (const element of this.root.querySelectorAll("input, select, textarea, button")) element.disabled = true;
  }

  bind() {
    // Keystrokes and pastes into a field wait for a pause; a spinner step or a slider runs at once.
    const typing = (event) => typeof event.inputType === "string" && event.inputType !== ""
      && event.target.matches("textarea, input[type=text], input[type=number]");
    this.form.addEventListener("input", (event) => {
      if (event.target.dataset.scale === "log") delete event.target.dataset.exact;
      if (event.target.name && event.target.name !== "seed") this.showOutput(event.target.name);
      clearTimeout(this.typingTimer);
      if (typing(event)) this.typingTimer = setTimeout(() => this.request(), TYPING_PAUSE_MS);
      else this.request();
    });
    const runTypedNow = () => {
      if (this.typingTimer === null) return;
      clearTimeout(this.typingTimer);
      this.typingTimer = null;
      this.request();
    };
    this.form.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.target.matches("input[type=text], input[type=number]")) runTypedNow();
    });
    this.form.addEventListener("change", runTypedNow); // leaving a field runs what was typed
    const actions = {
      "copy-link": async () => {
        await this.urlWritten;
        const done = () => this.setStatus(this.root.dataset.simStatus, "Link to this exact view copied.");
        if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(location.href).then(done, () => {});
        else this.setStatus(this.root.dataset.simStatus, `Link to this view: ${location.href}`);
      },
      run: () => this.runParked(),
      stop: () => this.worker?.postMessage({ type: "stop", id: this.requestId }),
      reset: () => {
        for (const [name, value] of Object.entries(this.config.defaults)) this.setControl(name, value);
        this.setControl("seed", this.config.seed);
        this.request();
      },
      "new-seed": () => {
        this.setControl("seed", Math.floor(Math.random() * 2 ** 31));
        this.request();
      },
      "export-svg": () => download(`${this.name}.svg`, "image/svg+xml", joinPanels(this.root.querySelector("[data-sim-svg]"))),
      "export-json": async () => {
        const frame = await this.frameToExport();
        if (frame) download(`${this.name}.json`, "application/json", JSON.stringify(frame.result, null, 1));
      },
      "export-csv": async () => {
        const frame = await this.frameToExport();
        if (frame) download(`${this.name}.csv`, "text/csv", toCSV(frame.table));
      },
    };
    for (const button of this.root.querySelectorAll("[data-action]")) {
      button.addEventListener("click", () => actions[button.dataset.action]());
    }
    // A figure may offer moves: an element with data-param and data-value sets that control
    // and re-runs, by click or by Enter/Space (the simulator gives it role=button, tabindex).
    const figure = this.root.querySelector("[data-sim-svg]");
    const figureAction = (event) => {
      const target = event.target.closest("[data-param]");
      if (!target || !(target.dataset.param in this.schema)) return;
      if (event.type === "keydown" && event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      this.setControl(target.dataset.param, target.dataset.value);
      this.focusAfterRedraw = target.id || null;
      this.request();
    };
    figure.addEventListener("click", figureAction);
    figure.addEventListener("keydown", figureAction);
  }

  async start() {
    this.bind();
    // Controls work before the runtime loads: settings the build computed show at once, others
    // wait for it. Exports and the link work on the build's frame from the start.
    this.enable();
    this.trackStickyHeights();
    this.fitPanelRow();
    this.showLinkNote(await this.readTextsFromURL(), true);
    if (this.linkProblem) {
      this.rejectLink(this.linkProblem);
      this.urlParams = {};
    }
    const fromURL = Object.keys(this.urlParams).length > 0;
    for (const [name, value] of Object.entries(this.urlParams)) this.setControl(name, value);
    const workable = "Worker" in window && typeof WebAssembly === "object";
    if (fromURL) {
      // The page shows the default frame; the link asks for another view: precomputed, or run once ready.
      const params = { ...this.config.defaults, ...this.urlParams };
      delete params.seed;
      this.answer({ params, seed: this.urlParams.seed ?? this.config.seed, fromLink: true });
    }
    if (!workable) {
      this.fail("this browser lacks Web Workers or WebAssembly");
      return;
    }
    this.startWhenNeeded(fromURL);
  }

  // In one column the panels sit in a row that scrolls sideways (site.css): a redraw keeps the
  // panel in view, and the row is as tall as that panel, not as the tallest one.
  fitPanelRow(scrollLeft = 0) {
    const row = this.root.querySelector("[data-sim-svg] .sim-panels");
    if (!row || getComputedStyle(row).display !== "flex") return;
    row.scrollLeft = scrollLeft;
    if (row.scrollWidth > row.clientWidth) row.tabIndex = 0; // keyboard readers scroll it with the arrow keys
    const fit = () => {
      const panels = [...row.querySelectorAll(":scope > .sim-panel")];
      const left = row.getBoundingClientRect().left;
      const shown = panels.reduce((best, p) => (Math.abs(p.getBoundingClientRect().left - left) < Math.abs(best.getBoundingClientRect().left - left) ? p : best), panels[0]);
      if (shown) row.style.setProperty("--panel-row-height", `${shown.getBoundingClientRect().height}px`);
    };
    fit();
    row.addEventListener("scroll", () => { clearTimeout(this.fitTimer); this.fitTimer = setTimeout(fit, 80); }, { passive: true });
  }

  // In one column the status bar and the figure stick at the top while the controls scroll
  // (site.css): their heights place the figure under the bar, and a control scrolled to under both.
  trackStickyHeights() {
    if (!("ResizeObserver" in window)) return;
    for (const [selector, name] of [["[data-sim-svg]", "--sim-figure-height"], [".sim-statusbar", "--sim-status-height"]]) {
      const element = this.root.querySelector(selector);
      new ResizeObserver(() => this.root.style.setProperty(name, `${element.offsetHeight}px`)).observe(element);
    }
  }

  // Whether the page was opened at this simulator (a link to #simulator, or to a part of it).
  linkedTo() {
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id && document.getElementById(id);
    return Boolean(target) && (this.root.contains(target) || target.contains(this.root));
  }

  // The runtime is 15 MB: fetch it when the simulator comes within two screens of the viewport
  // (so it is ready by the time a reader scrolls to it), when the reader touches it, or at
  // once for a link that asks for a setting or points at the simulator (without waiting for
  // the observer's first report); never for a reader who only reads the text.
  startWhenNeeded(now) {
    let observer = null;
    const begin = this.startNow = () => {
      if (this.worker) return;
      observer?.disconnect();
      this.startWorker();
    };
    if (now || this.linkedTo() || !("IntersectionObserver" in window)) return begin();
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
  const simulator = new Simulator(root);
  root.simulator = simulator; // for debugging and tests
  simulator.start();
}
