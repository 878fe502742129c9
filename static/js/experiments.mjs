// Experiments in the prose (sitegen/experiments.py): "Try this" sets the page's simulator to the
// experiment's setting and runs it; every final result at that setting is checked against the
// experiment's claims, as the build checked them, and the verdict is shown beside it.

// The claim trees of sitegen/claims.py, walked the same way as its `evaluate`.
function evaluate(tree, result) {
  const [head, ...rest] = tree;
  if (head === "compare") {
    const [ops, sides] = rest;
    const values = sides.map((side) => evaluate(side, result));
    return ops.every((op, i) => compare(op, values[i], values[i + 1]));
  }
  if (head === "num") return rest[0];
  if (head === "path") return numberAt(result, rest[0]);
  if (head === "min" || head === "max") {
    const values = rest.flatMap((child) => (child[0] === "path" ? numbersAt(result, child[1]) : [evaluate(child, result)]));
    return head === "min" ? Math.min(...values) : Math.max(...values);
  }
  const args = rest.map((child) => evaluate(child, result));
  switch (head) {
    case "neg": return -args[0];
    case "abs": return Math.abs(args[0]);
    case "+": return args[0] + args[1];
    case "-": return args[0] - args[1];
    case "*": return args[0] * args[1];
    case "/":
      if (args[1] === 0) throw new Error("division by zero");
      return args[0] / args[1];
    default: throw new Error(`unknown operation '${head}'`);
  }
}

// Numbers within 1e-9 (relative) are equal, as sitegen/claims.py TOLERANCE says.
function compare(op, a, b) {
  const same = Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  return { "<": a < b && !same, "<=": a < b || same, ">": a > b && !same, ">=": a > b || same, "==": same, "!=": !same }[op];
}

// simulators/kit/contract.py lookup: dict keys or list indices along a dotted path.
function lookup(result, path) {
  let value = result;
  for (const part of path.split(".")) {
    if (value === null || value === undefined) break;
    value = Array.isArray(value) && /^\d+$/.test(part) ? value[Number(part)] : value[part];
  }
  return value;
}

function asNumber(value, path) {
  if (typeof value === "boolean") return Number(value);
  if (typeof value !== "number") throw new Error(`the result has no number at '${path}'`);
  return value;
}

function numberAt(result, path) {
  return asNumber(lookup(result, path), path);
}

// A path with "*": the numbers at every item there (claims.py numbers_at).
function numbersAt(result, path) {
  const at = path.indexOf(".*");
  if (at < 0) return [numberAt(result, path)];
  const items = Object.values(lookup(result, path.slice(0, at)) ?? {});
  const rest = path.slice(at + 3);
  return items.flatMap((item) => (rest ? numbersAt(item, rest) : [asNumber(item, path)]));
}

// Readouts come formatted by the simulator; any other number is shown to three figures.
function shown(frame, path) {
  if (frame.readouts[path] !== undefined) return frame.readouts[path];
  const numbers = numbersAt(frame.result, path).map((n) => String(Number(n.toPrecision(3))));
  return numbers.length === 1 ? numbers[0] : `${Math.min(...numbers)}–${Math.max(...numbers)}`;
}

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

  check({ frame, path, cached }) {
    if (!this.matches(frame.result)) {
      if (this.asked) { this.asked = false; this.say(""); } // the reader moved on before it finished
      return;
    }
    const seed = Number(frame.result.seed);
    let verdict;
    try {
      const failing = this.config.claims.filter((claim) => !evaluate(claim.tree, frame.result));
      verdict = failing.length === 0 ? "holds" : "fails";
      const values = Object.entries(this.config.paths).map(([p, label]) => `${label} ${shown(frame, p)}`).join("; ");
      const where = cached ? "shown again" : FROM[path];
      const checked = this.config.seeds.includes(seed) ? "" :
        ` The build checked ${this.config.seeds.length > 1 ? "seeds" : "seed"} ${this.config.seeds.join(", ")}; a toy this small can behave differently at another seed.`;
      this.say(verdict === "holds"
        ? `Your run (seed ${seed}, ${where}): the claims hold. ${values}.`
        : `Your run (seed ${seed}, ${where}): ${failing.length === 1 ? "a claim does" : "claims do"} not hold (${failing.map((c) => c.text).join("; ")}). ${values}.${checked}`);
    } catch (error) {
      verdict = "fails";
      this.say(`Your run (seed ${seed}): the claims could not be checked (${error.message}).`);
    }
    this.box.dataset.claimLive = verdict;
    if (this.asked) {
      this.asked = false;
      this.simulator.showExperiment(`${this.config.label}: ${verdict === "holds" ? "the claims hold on this run" : "a claim does not hold on this run"}.`,
        `#${this.box.id}`);
    }
  }
}

const root = document.querySelector("[data-sim]");
if (root && root.simulator) {
  for (const box of document.querySelectorAll("[data-experiment]")) new Experiment(box, root.simulator);
}
