// The simulator's controls: their values, and the rules between them, applied from the schema
// the build writes into the page (simulators/kit/params.py is where those rules are defined;
// sitegen/controls.py draws the controls).

const LOG_POSITIONS = 1000; // a log-scale slider moves over positions 0..1000 (sitegen/controls.py)
const TYPING_PAUSE_MS = 600; // typed values run once the reader pauses (or presses Enter), not per key

export class Controls {
  constructor(root, config) {
    this.root = root;
    this.config = config;
    this.schema = Object.fromEntries(config.schema.map((p) => [p.name, p]));
    this.form = root.querySelector("[data-sim-controls]");
    this.form.addEventListener("submit", (event) => event.preventDefault()); // Enter in a field runs, never submits
    this.typingTimer = null;
  }

  has(name) {
    return name in this.schema;
  }

  value(name) {
    const input = this.form.elements[name];
    const spec = this.schema[name];
    if (spec.kind === "bool") return input.checked;
    if (spec.values) return spec.values[Number(input.value)]; // a slider over listed values
    if (input.dataset.scale === "log") {
      // A value set from a link or a reset is kept exactly; a moved slider gives the value at its position.
      return input.dataset.exact !== undefined ? Number(input.dataset.exact) : fromLogPosition(spec, Number(input.value));
    }
    if (spec.kind === "int") return Number.parseInt(input.value, 10);
    if (spec.kind === "float") return Number.parseFloat(input.value);
    return input.value;
  }

  set(name, value) {
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

  // Every control and the seed at once (a reset, a link, an experiment's setting).
  setAll(params, seed) {
    for (const [name, value] of Object.entries(params)) this.set(name, value);
    this.set("seed", seed);
    this.applyDependencies();
  }

  current() {
    const params = {};
    for (const name of Object.keys(this.schema)) params[name] = this.value(name);
    return { params, seed: Number.parseInt(this.form.elements.seed.value, 10) };
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
    output.textContent = `${this.value(name)}${spec.unit ? " " + spec.unit : ""}`;
    // A slider whose position is not its value (listed values, a log scale) says its value to screen readers.
    if (spec.values || spec.scale === "log") this.form.elements[name].setAttribute("aria-valuetext", output.textContent);
  }

  // Controls that depend on others: a bound that follows another control ("max_from"), and a
  // control that cannot change the result in the current setting ("used_when"), which is
  // disabled with its reason shown.
  applyDependencies() {
    for (const spec of this.config.schema) {
      const input = this.form.elements[spec.name];
      if (spec.max_from) {
        const bound = this.value(spec.max_from);
        input.max = String(bound);
        if (Number(input.value) > bound) input.value = String(bound);
        this.showOutput(spec.name);
      }
      if (spec.used_when) {
        const used = Object.entries(spec.used_when).every(([other, allowed]) => allowed.includes(this.value(other)));
        input.disabled = !used;
        input.closest(".control").toggleAttribute("data-unused", !used);
        const note = input.closest(".control").querySelector("[data-unused-note]");
        if (note) note.hidden = used;
      }
    }
  }

  // Every control and action of the simulator, the figure's own buttons apart.
  enable() {
    for (const element of this.root.querySelectorAll("input, select, textarea, button")) element.disabled = false;
    this.applyDependencies();
  }

  disable() {
    for (const element of this.root.querySelectorAll("input, select, textarea, button")) element.disabled = true;
  }

  // `changed()` once per change (the caller applies the rules between controls): keystrokes and pastes into a field wait for a pause (or Enter,
  // or leaving the field); a spinner step or a slider calls it at once.
  bind(changed) {
    const typing = (event) => typeof event.inputType === "string" && event.inputType !== ""
      && event.target.matches("textarea, input[type=text], input[type=number]");
    const now = () => {
      this.typingTimer = null;
      changed();
    };
    this.form.addEventListener("input", (event) => {
      if (event.target.dataset.scale === "log") delete event.target.dataset.exact;
      if (event.target.name && event.target.name !== "seed") this.showOutput(event.target.name);
      clearTimeout(this.typingTimer);
      if (typing(event)) this.typingTimer = setTimeout(now, TYPING_PAUSE_MS);
      else now();
    });
    const runTypedNow = () => {
      if (this.typingTimer === null) return;
      clearTimeout(this.typingTimer);
      now();
    };
    this.form.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.target.matches("input[type=text], input[type=number]")) runTypedNow();
    });
    this.form.addEventListener("change", runTypedNow); // leaving a field runs what was typed
  }

  // A figure may offer moves: an element with data-param and data-value sets that control, by
  // click or by Enter/Space (the simulator gives it role=button, tabindex); `moved(target)` follows.
  bindFigureMoves(figure, moved) {
    const move = (event) => {
      const target = event.target.closest("[data-param]");
      if (!target || !this.has(target.dataset.param)) return;
      if (event.type === "keydown" && event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      this.set(target.dataset.param, target.dataset.value);
      moved(target);
    };
    figure.addEventListener("click", move);
    figure.addEventListener("keydown", move);
  }
}

function fromLogPosition(spec, position) {
  const raw = spec.min * (spec.max / spec.min) ** (position / LOG_POSITIONS);
  const stepped = spec.min + Math.round((raw - spec.min) / spec.step) * spec.step;
  const value = Math.min(spec.max, Math.max(spec.min, stepped));
  return spec.kind === "int" ? Math.round(value) : value;
}
