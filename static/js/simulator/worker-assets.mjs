// Files a run asks for (simulators.kit.assets: the sentence encoder), fetched by the worker on
// the reader's request with progress, checked against the build's hash, and handed to Python.

import { toPage } from "./protocol.mjs";
import { fetchOk, sha256Hex } from "./worker-boot.mjs";

const PROGRESS_MS = 250;
const post = (message) => self.postMessage(message);

// The file the run asked for, with progress while it arrives; false if the run is no longer
// `current` (superseded or stopped) meanwhile (the part downloaded is dropped).
export async function download(runtime, job, name, current) {
  const asset = runtime.config.assets && runtime.config.assets[name];
  if (!asset) throw new Error(`needs ${name}, which this site does not ship`);
  const response = await fetchOk(new URL(asset.url, self.location.href).href);
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0;
  let lastProgress = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!current(job)) {
      reader.cancel();
      return false;
    }
    chunks.push(value);
    received += value.length;
    if (performance.now() - lastProgress >= PROGRESS_MS) {
      const mb = (n) => (n / 1e6).toFixed(1);
      post(toPage.progress(job.id, Math.min(1, received / asset.bytes), `downloading ${asset.label}, ${mb(received)} of ${mb(asset.bytes)} MB`, null));
      lastProgress = performance.now();
    }
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) { bytes.set(chunk, offset); offset += chunk.length; }
  const digest = await sha256Hex(bytes);
  if (digest !== null && digest !== asset.sha256) throw new Error(`${asset.url}: hash mismatch (a partial or stale upload?)`);
  const path = `/home/pyodide/assets/${asset.url.split("/").pop()}`;
  runtime.pyodide.FS.mkdirTree("/home/pyodide/assets");
  runtime.pyodide.FS.writeFile(path, bytes);
  runtime.pyodide.pyimport("simulators.kit.assets").provide(name, path);
  return true;
}

export function assetSize(runtime, name) {
  const asset = runtime.config.assets && runtime.config.assets[name];
  return asset ? { label: asset.label, bytes: asset.bytes } : { label: name, bytes: null };
}

