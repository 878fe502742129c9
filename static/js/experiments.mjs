// Experiments in the prose (sitegen/experiments/): "Try this" sets the page's simulator to the
// experiment's setting and runs it; every final result at that setting gets the claims' verdict
// beside it. No claim is evaluated here: at a seed the build ran, the page shows the build's
// verdict; at any other, the simulator's worker judges with the same Python
// (simulators.kit.claims.verdict), which also formats the values shown.

const FROM = {
  live: "computed in your browser",
  "on-request": "computed in your browser",
  precomputed: "computed when this page was built",
};

// The experiment whose "Try this" was pressed last: the reader's later runs at its setting (a new
// seed, say) are checked against it. Another experiment takes a result only at a seed it was built with.
let active = null;

class Experiment {
  constructor(box, simulator) {
    this.box = box;
    this.simulator = simulator;
    this.config = JSON.parse(box.querySelector("[data-experiment-config]").textContent);
    this.live = box.querySelector("[data-experiment-live]");
    this.asked = false; // the reader pressed Try this and has not seen its result yet
    box.querySelector('[data-action="try"]').addEventListener("click", (event) => {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return; // a new tab keeps the link
      event.preventDefault();
      this.asked = true;
      active = this;
      this.say("Running in the simulator below…");
      simulator.trySetting(this.config.params, this.config.seed);
    });
    simulator.root.addEventListener("sim-result", (event) => this.check(event.detail));
  }

  say(text) {
    this.live.replaceChildren(...this.simulator.subscripted(text));
  }

  matches(result) {
    return this.simulator.sameSetting(result.params, this.config.params)
      && (active === this || this.config.seeds.includes(Number(result.seed)));
  }

  async check({ frame, path, cached }) {
    const checking = this.checking = (this.checking ?? 0) + 1; // a later result replaces this one
    if (!this.matches(frame.result)) {
      if (this.asked) { this.asked = false; this.say(""); } // the reader moved on before it finished
      return;
    }
    const seed = Number(frame.result.seed);
    let verdict = this.config.verdicts[String(seed)];
    if (!verdict) {
      this.say(`Your run (seed ${seed}): checking the claims…`);
      try {
        verdict = await this.simulator.judge(this.config.claims, this.config.labels, frame);
      } catch (error) {
        verdict = { error: error.message };
      }
      if (checking !== this.checking) return;
    }
    const where = cached ? "shown again" : FROM[path];
    const checked = this.config.seeds.includes(seed) ? "" :
      ` The build checked ${this.config.seeds.length > 1 ? "seeds" : "seed"} ${this.config.seeds.join(", ")}; a toy this small can behave differently at another seed.`;
    if (verdict.error) this.say(`Your run (seed ${seed}): the claims could not be checked (${verdict.error}).`);
    else if (verdict.holds) this.say(`Your run (seed ${seed}, ${where}): the claims hold. ${verdict.found}.`);
    else {
      const failing = verdict.failing;
      this.say(`Your run (seed ${seed}, ${where}): ${failing.length === 1 ? "a claim does" : "claims do"} not hold (${failing.join("; ")}). ${verdict.found}.${checked}`);
    }
    const holds = Boolean(verdict.holds);
    this.box.dataset.claimLive = holds ? "holds" : "fails";
    if (this.asked) {
      this.asked = false;
      this.simulator.showExperiment(`${this.config.label}: ${holds ? "the claims hold on this run" : "a claim does not hold on this run"}.`,
        `#${this.box.id}`);
    }
  }
}

const root = document.querySelector("[data-sim]");
if (root && root.simulator) {
  for (const box of document.querySelectorAll("[data-experiment]")) new Experiment(box, root.simulator);
}
