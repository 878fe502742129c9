// The simulator worker's boot: Pyodide and NumPy (from a saved runtime snapshot when there is
// one), then the simulators package, checked against its hash, and the page's simulator alone.
// Also the snapshot itself, made by a worker of its own for later pages.

import { toPage } from "./protocol.mjs";

const post = (message) => self.postMessage(message);

export async function sha256Hex(buffer) {
  if (!self.crypto || !self.crypto.subtle) return null; // not a secure context: cannot check here
  const digest = await self.crypto.subtle.digest("SHA-256", buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  return response;
}

// Pyodide 0.29 logs a failed WebAssembly compile (a missing or truncated pyodide.asm.wasm, as
// after a partial upload) and then waits forever. Every compile in the worker goes through
// here, so such a failure ends the boot under way with a message instead. Each boot attempt
// (from a snapshot, then without) races a promise of its own.
let failBoot = null;
let wasmHooked = false;
function wasmFailures() {
  const failed = new Promise((_, reject) => { failBoot = reject; });
  failed.catch(() => {}); // only the boot awaits it
  if (!wasmHooked) {
    wasmHooked = true;
    for (const name of ["compile", "compileStreaming", "instantiate", "instantiateStreaming"]) {
      const original = WebAssembly[name];
      WebAssembly[name] = function (...args) {
        return original.apply(this, args).catch((error) => {
          failBoot?.(new Error(`the WebAssembly runtime did not compile (${error.message || error})`));
          throw error;
        });
      };
    }
  }
  return failed;
}

// The runtime, ready to run the page's simulator: {pyodide, bridge, timings}; null if it failed
// (said to the page). `running`: a runtime already started, with no packages loaded yet (the
// snapshot's, when its worker goes on as a helper).
export async function boot(runtime, sim, module, running = null) {
  let pyodide = running;
  const started = performance.now();
  const timings = {};
  const indexURL = new URL(runtime.indexURL, self.location.href).href;
  try {
    // Start the downloads that do not depend on the runtime now, so they overlap its boot.
    const archive = fetchOk(new URL(runtime.archive, self.location.href).href).then((r) => r.arrayBuffer());
    post(toPage.stage("runtime"));
    const { loadPyodide } = await import(indexURL + "pyodide.mjs");
    if (running) await running.loadPackage("numpy", { messageCallback: () => {} });
    const snapshot = running ? null : (await saved(snapshotKey(indexURL)))?.bytes;
    if (snapshot) {
      try {
        pyodide = await Promise.race([loadPyodide({ indexURL, _loadSnapshot: snapshot }), wasmFailures()]);
        await pyodide.loadPackage("numpy", { messageCallback: () => {} });
        timings.from_snapshot = true;
      } catch (err) {
        // A snapshot this runtime cannot take back: drop it and boot as without one.
        console.warn(`Booting without the saved runtime snapshot (${err.message || err})`);
        await forgetSnapshot();
        pyodide = null;
        timings.snapshot_refused = true; // and the page makes no new one
      }
    }
    // `packages` downloads NumPy while the runtime boots (measured: faster than loading it after).
    pyodide ??= await Promise.race([loadPyodide({ indexURL, packages: ["numpy"] }), wasmFailures()]);
    if (!running && !timings.snapshot_refused) Object.assign(timings, await restoreBytecode(pyodide, indexURL));
    timings.runtime_and_numpy = performance.now() - started;
    post(toPage.stage("simulators"));
    const buffer = await archive;
    const digest = await sha256Hex(buffer);
    if (digest !== null && digest !== runtime.archiveSha256) {
      throw new Error(`simulators archive hash mismatch (expected ${runtime.archiveSha256}, got ${digest})`);
    }
    pyodide.unpackArchive(buffer, "zip", { extractDir: "/home/pyodide/sim" });
    pyodide.runPython("import sys\nsys.path.insert(0, '/home/pyodide/sim')\nimport simulators.bridge");
    const bridge = pyodide.pyimport("simulators.bridge");
    bridge.simulator(sim, module).destroy(); // imports NumPy and this page's simulator, not the other six
    timings.simulators = performance.now() - started;
    return { pyodide, bridge, timings };
  } catch (err) {
    post(toPage.fatal(pythonMessage(err))); // a failed import is a whole traceback
    return null;
  }
}

// A memory snapshot of the runtime just after Python starts (before NumPy: Pyodide 0.29 cannot
// yet snapshot loaded packages). Booting from it skips most of Python's start-up, so the first
// simulator page a reader opens makes one in the background (makeSnapshot, in a worker of its
// own) and later pages start from it. Kept in Cache Storage under the runtime's versioned URL,
// one per site; any doubt about it (a read error, a failed restore) and the page boots as before.
const SNAPSHOT_CACHE = "pyodide memory snapshot";
const snapshotKey = (indexURL) => indexURL + "memory-snapshot";

// What the snapshot's worker saved under `key`, as {bytes, headers}; null if nothing is, or
// storage refused (private mode, quota) or a read failed: the page boots without it.
async function saved(key) {
  try {
    if (!self.caches || !(await caches.has(SNAPSHOT_CACHE))) return null; // open() would create it
    const found = await (await caches.open(SNAPSHOT_CACHE)).match(key);
    return found ? { bytes: new Uint8Array(await found.arrayBuffer()), headers: found.headers } : null;
  } catch {
    return null;
  }
}

async function save(key, bytes, contentType, headers = {}) {
  await (await caches.open(SNAPSHOT_CACHE)).put(key, new Response(bytes, { headers: { "content-type": contentType, ...headers } }));
}

async function forgetSnapshot() {
  try { await caches.delete(SNAPSHOT_CACHE); } catch { /* nothing kept */ }
}

// NumPy's modules compiled to bytecode, saved beside the snapshot by the same worker: importing
// NumPy from source compiles about 90 modules on every page (0.6 s of a 1.2 s import in the
// vendored runtime under node). The archive is checked against the hash it was saved with, since
// a damaged .pyc breaks the import; each .pyc also holds its source's hash, which Python checks
// (CHECKED_HASH), so bytecode that does not match NumPy's source is never run, only recompiled.
const BYTECODE_DIGEST = "x-content-sha256";
const bytecodeKey = (indexURL) => indexURL + "numpy-bytecode.zip";
const BYTECODE_ZIP = "/tmp/numpy-bytecode.zip";
const COMPILE_NUMPY = `
import compileall, importlib.util, os, py_compile, zipfile
root = importlib.util.find_spec("numpy").submodule_search_locations[0]
if not compileall.compile_dir(root, quiet=2, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH):
    raise RuntimeError("NumPy's modules did not all compile")
with zipfile.ZipFile("${BYTECODE_ZIP}", "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
    for folder, _, names in os.walk(root):
        for name in names:
            if name.endswith(".pyc"):
                archive.write(os.path.join(folder, name), os.path.relpath(os.path.join(folder, name), "/"))
`;

// {bytecode: true} once NumPy's saved bytecode is in place, {bytecode_refused: true} if it was
// damaged (and is dropped), {} if there is none.
async function restoreBytecode(pyodide, indexURL) {
  const found = await saved(bytecodeKey(indexURL));
  if (!found) return {}; // import from source
  const digest = await sha256Hex(found.bytes);
  if (digest === null || digest !== found.headers.get(BYTECODE_DIGEST)) {
    console.warn("Importing NumPy from source: its saved bytecode is damaged");
    try { await (await caches.open(SNAPSHOT_CACHE)).delete(bytecodeKey(indexURL)); } catch { /* nothing kept */ }
    return { bytecode_refused: true };
  }
  try {
    pyodide.unpackArchive(found.bytes, "zip", { extractDir: "/" });
  } catch (err) {
    console.warn(`Importing NumPy from source: its saved bytecode did not unpack (${err.message || err})`);
    return { bytecode_refused: true };
  }
  return { bytecode: true };
}

async function saveBytecode(pyodide, indexURL) {
  await pyodide.loadPackage("numpy", { messageCallback: () => {} });
  pyodide.runPython(COMPILE_NUMPY);
  const bytes = pyodide.FS.readFile(BYTECODE_ZIP);
  pyodide.FS.unlink(BYTECODE_ZIP);
  await save(bytecodeKey(indexURL), bytes, "application/zip", { [BYTECODE_DIGEST]: await sha256Hex(bytes) });
  return bytes.length;
}

// What later pages boot from: the runtime's memory snapshot and NumPy's bytecode, saved together
// (the page reports both as one). Returns the runtime the snapshot was made from, which a helper
// worker may go on with (NumPy loaded and compiled); null if either failed.
export async function makeSnapshot(runtime) {
  const started = performance.now();
  try {
    const indexURL = new URL(runtime.indexURL, self.location.href).href;
    const { loadPyodide } = await import(indexURL + "pyodide.mjs");
    const fresh = await Promise.race([loadPyodide({ indexURL, _makeSnapshot: true }), wasmFailures()]);
    const bytes = fresh.makeMemorySnapshot();
    await caches.delete(SNAPSHOT_CACHE); // one snapshot per site: an older runtime's goes
    await save(snapshotKey(indexURL), bytes, "application/octet-stream");
    const bytecode = await saveBytecode(fresh, indexURL);
    post(toPage.snapshotSaved(bytes.length + bytecode, performance.now() - started));
    return fresh;
  } catch (err) {
    await forgetSnapshot(); // never half of it: a page that finds none makes both again
    post(toPage.snapshotFailed(String((err && err.message) || err)));
    return null;
  }
}

export function pythonMessage(err) {
  // A PythonError's message is the whole traceback; the reader needs its last line.
  const lines = String((err && err.message) || err).trim().split("\n");
  return lines[lines.length - 1].replace(/^[\w.]*(Error|Exception): /, "");
}

