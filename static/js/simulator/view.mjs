// What the reader sees of a simulator: its status line and progress, the figure (placed from a
// frame envelope: simulators.bridge makes it, with every text already formatted), its readouts
// and table, and the Run offer for a long setting. No decisions here, only drawing.

import { aboutTime, withSubscripts } from "./text.mjs";

const STAGES = {
  runtime: "Loading the Python runtime and NumPy (1 of 2)…",
  simulators: "Installing the simulator (2 of 2)…",
};

// Which of a sideways row's panels is in view: the one whose left edge is nearest the row's.
function panelInView(row, panels) {
  const left = row.getBoundingClientRect().left;
  const distance = (panel) => Math.abs(panel.getBoundingClientRect().left - left);
  return panels.reduce((best, panel, i) => (distance(panel) < distance(panels[best]) ? i : best), 0);
}

export class View {
  constructor(root) {
    this.root = root;
    this.message = root.querySelector("[data-sim-message]");
    this.progress = root.querySelector("[data-sim-progress]");
    this.elapsed = root.querySelector("[data-sim-elapsed]");
    this.estimate = root.querySelector("[data-sim-estimate]");
    this.runButton = root.querySelector('[data-action="run"]');
    this.stopButton = root.querySelector('[data-action="stop"]');
    this.experimentNote = root.querySelector("[data-sim-experiment]");
    this.figure = root.querySelector("[data-sim-svg]");
    this.clock = null;
    this.focusAfterRedraw = null; // the id of the figure's button a keyboard reader pressed
    this.lastResultPanels = this.panelHtml(); // the prerendered frame's, until a result replaces it
    this.followed = false;
    window.addEventListener("resize", () => { clearTimeout(this.resizeTimer); this.resizeTimer = setTimeout(() => this.sizePanelRow(), 150); });
  }

  get status() {
    return this.root.dataset.simStatus;
  }

  // A status and, if given, its message (the live region screen readers hear).
  setStatus(status, text) {
    this.root.dataset.simStatus = status;
    if (text !== undefined) this.message.textContent = text;
  }

  // The message, keeping the status as it is.
  say(text) {
    this.setStatus(this.status, text);
  }

  // The runtime's loading stage, after `why` (what the figure shows meanwhile, or why it restarts).
  showStage(stage, why = "") {
    this.setStatus("loading", why + STAGES[stage]);
  }

  // While a run is under way: a ticking elapsed time beside the status (outside the live
  // region, so a screen reader is not told every tick) and a visible progress track.
  startClock(since) {
    this.stopClock();
    this.root.dataset.simBusy = "";
    const tick = () => { this.elapsed.textContent = `${((performance.now() - since) / 1000).toFixed(1)} s`; };
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

  showProgress(progress, phase, remaining) {
    this.progress.style.width = `${Math.round(100 * progress)}%`;
    const left = remaining === null || remaining === undefined ? "" : `, ${aboutTime(remaining)} left`;
    this.setStatus("live", `Computing… ${phase} (${Math.round(100 * progress)}%${left})`);
  }

  // A frame envelope (`final`, or a partial one while a run goes on): the figure, readouts and table.
  show(frame, final) {
    const across = this.figure.querySelector(".sim-panels")?.scrollLeft ?? 0; // the panel a phone reader swiped to
    this.figure.innerHTML = frame.svg;
    this.fitPanelRow(across);
    this.followChange(final);
    if (this.focusAfterRedraw) {
      // Keyboard players keep their place: refocus the same move button, or the first one.
      const again = this.figure.querySelector(`[id="${this.focusAfterRedraw}"]`) || this.figure.querySelector("[data-param]");
      if (again) again.focus();
      if (final) this.focusAfterRedraw = null;
    }
    for (const [path, text] of Object.entries(frame.readouts)) {
      const cell = this.root.querySelector(`[data-readout="${path}"]`);
      if (cell) cell.textContent = text;
    }
    this.showTable(frame.table);
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

  // Where a final frame came from, as the status says it.
  whereFrom(path, seed, elapsed, cached) {
    const status = {
      precomputed: `Computed when this page was built, at these settings (seed ${seed}).`,
      live: `Computed in your browser in ${elapsed.toFixed(1)} s (seed ${seed}).`,
      "on-request": `Computed in your browser in ${elapsed.toFixed(1)} s, on request (seed ${seed}).`,
    }[path];
    return cached ? `Shown again: ${status.charAt(0).toLowerCase()}${status.slice(1).replace(/ in [\d.]+ s/, "")}` : status;
  }

  // A long setting waits for Run: how long it should take here, or the file it needs.
  offerRun({ remaining, download }, prefix, canRun) {
    this.runButton.hidden = false;
    this.runButton.disabled = !canRun;
    const lead = prefix ? prefix + " " : "";
    if (download) {  // never fetched unasked
      const size = download.bytes ? `${Math.round(download.bytes / 1e6)}\u00a0MB` : "large";
      this.estimate.textContent = `${size} download`;
      this.setStatus("ready-to-run", `${lead}These settings need ${download.label} (${size}, downloaded once per visit). Press Run to fetch it; the figure shows the previous result.`);
      return;
    }
    this.estimate.textContent = aboutTime(remaining);
    this.setStatus("ready-to-run", `${lead}These settings take ${aboutTime(remaining)} ${prefix && remaining != null ? "more " : ""}in your browser: press Run to compute them. The figure shows the previous result.`);
  }

  hideRun() {
    this.runButton.hidden = true;
    this.estimate.textContent = "";
  }

  // What an experiment found on the reader's run, under the status, with the way back to the text.
  showExperiment(text, back) {
    this.experimentNote.querySelector("[data-sim-experiment-text]").replaceChildren(...withSubscripts(text));
    this.experimentNote.querySelector("a").href = back;
    this.experimentNote.hidden = false;
  }

  hideExperiment() {
    this.experimentNote.hidden = true;
  }

  // In one column the panels sit in a row that scrolls sideways (site.css): a redraw keeps the
  // panel in view, and the row is as tall as that panel, not as the tallest one.
  fitPanelRow(scrollLeft = 0) {
    const row = this.figure.querySelector(".sim-panels");
    if (!row) return;
    row.scrollLeft = scrollLeft;
    row.addEventListener("scroll", () => { clearTimeout(this.fitTimer); this.fitTimer = setTimeout(() => this.sizePanelRow(), 80); }, { passive: true });
    this.sizePanelRow();
  }

  // The row's height and tab stop, again whenever the width changes the layout (a phone turned,
  // a window resized: axe found a sideways row left without its tab stop): a row that scrolls is
  // a tab stop, so that keyboard readers can scroll it with the arrow keys.
  sizePanelRow() {
    const row = this.figure.querySelector(".sim-panels");
    if (!row) return;
    const sideways = getComputedStyle(row).display === "flex";
    if (sideways && row.scrollWidth > row.clientWidth) row.tabIndex = 0;
    else row.removeAttribute("tabindex");
    const panels = [...row.querySelectorAll(":scope > .sim-panel")];
    const shown = sideways && panels[panelInView(row, panels)];
    if (shown) row.style.setProperty("--panel-row-height", `${shown.getBoundingClientRect().height}px`);
  }

  panelHtml() {
    return [...this.figure.querySelectorAll(".sim-panels > .sim-panel")].map((panel) => panel.outerHTML);
  }

  // In one column, the panels in their sideways row and the one in view; null when they are all shown.
  panelRow() {
    const row = this.figure.querySelector(".sim-panels");
    if (!row || getComputedStyle(row).display !== "flex") return null;
    const panels = [...row.querySelectorAll(":scope > .sim-panel")];
    return { row, shown: panelInView(row, panels), html: panels.map((panel) => panel.outerHTML) };
  }

  // A control that changes only panels out of view would change nothing the phone reader sees:
  // when the panel in view is as the last result had it and another is not, bring the first
  // changed one into view, once per result (a run's partial frames then fill it in place).
  followChange(final) {
    const now = this.panelRow();
    const before = this.lastResultPanels;
    if (now && before && !this.followed && now.html.length === before.length && now.html[now.shown] === before[now.shown]) {
      const changed = now.html.findIndex((html, i) => html !== before[i]);
      if (changed >= 0) {
        const panel = now.row.querySelectorAll(":scope > .sim-panel")[changed]; // an <svg>: no offsetLeft
        now.row.scrollLeft += panel.getBoundingClientRect().left - now.row.getBoundingClientRect().left;
        this.followed = true;
      }
    }
    if (final) {
      this.lastResultPanels = now?.html ?? this.panelHtml();
      this.followed = false;
    }
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
}
