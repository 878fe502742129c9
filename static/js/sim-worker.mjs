// Simulator worker: boots Pyodide + NumPy, installs the simulators package, runs requests.
//
// Page -> worker: {type: "init", runtime}  then  {type: "run", id, sim, module, params, seed}
// Worker -> page: {type: "stage", stage}, {type: "ready", timings},
//                 {type: "partial"|"result", id, payload}, {type: "error", id, message},
//                 {type: "fatal", message}
// A payload is a frame envelope as JSON text, made by simulators.bridge: the same shape the
// build put in the page ({svg, table, readouts, progress, phase, done, result}).
// Only the newest run matters: an older run stops at its next step, a queued one never starts.

let bridge = null;
let latestId = 0;

const post = (message) => self.postMessage(message);
const breathe = () => new Promise((resolve) => setTimeout(resolve, 0)); // let new messages in

async function sha256Hex(buffer) {
  if (!self.crypto || !self.crypto.subtle) return null; // not a secure context: cannot check here
  const digest = await self.crypto.subtle.digest("SHA-256", buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  return response;
}

async function init(runtime) {
  const started = performance.now();
  const timings = {};
  const indexURL = new URL(runtime.indexURL, self.location.href).href;
  try {
    // Start the downloads that do not depend on the runtime now, so they overlap its boot.
    const archive = fetchOk(new URL(runtime.archive, self.location.href).href).then((r) => r.arrayBuffer());
    post({ type: "stage", stage: "runtime" });
    const { loadPyodide } = await import(indexURL + "pyodide.mjs");
    // `packages` downloads NumPy while the runtime boots (measured: faster than loading it after).
    const pyodide = await loadPyodide({ indexURL, packages: ["numpy"] });
    timings.runtime_and_numpy = performance.now() - started;
    post({ type: "stage", stage: "simulators" });
    const buffer = await archive;
    const digest = await sha256Hex(buffer);
    if (digest !== null && digest !== runtime.archiveSha256) {
      throw new Error(`simulators archive hash mismatch (expected ${runtime.archiveSha256}, got ${digest})`);
    }
    pyodide.unpackArchive(buffer, "zip", { extractDir: "/home/pyodide/sim" });
    pyodide.runPython("import sys\nsys.path.insert(0, '/home/pyodide/sim')\nimport simulators.bridge");
    bridge = pyodide.pyimport("simulators.bridge");
    timings.simulators = performance.now() - started;
    post({ type: "ready", timings });
  } catch (err) {
    post({ type: "fatal", message: String((err && err.message) || err) });
  }
}

function pythonMessage(err) {
  // A PythonError's message is the whole traceback; the reader needs its last line.
  const lines = String((err && err.message) || err).trim().split("\n");
  return lines[lines.length - 1].replace(/^[\w.]*(Error|Exception): /, "");
}

async function run({ id, sim, module, params, seed }) {
  if (id !== latestId) return; // superseded before it started
  let generator = null;
  try {
    generator = bridge.frames_json(sim, JSON.stringify(params), seed, module ?? null);
    let last = null;
    for (;;) {
      const step = generator.next();
      if (step.done) break;
      last = step.value;
      if (id !== latestId) return;
      post({ type: "partial", id, payload: last });
      await breathe();
      if (id !== latestId) return; // a newer request arrived while we yielded
    }
    post({ type: "result", id, payload: last });
  } catch (err) {
    if (id === latestId) post({ type: "error", id, message: pythonMessage(err) });
  } finally {
    if (generator) generator.destroy();
  }
}

self.onmessage = (event) => {
  const message = event.data;
  if (message.type === "init") {
    init(message.runtime);
  } else if (message.type === "run") {
    latestId = message.id;
    // Defer, so a burst of queued requests collapses to the newest one.
    setTimeout(() => run(message), 0);
  }
};
