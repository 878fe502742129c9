// Results the page can show without running anything: final frames already seen in this tab,
// and the frames the build computed (its one-click settings, grid and experiments), fetched
// by file (sitegen/first_frames.py decides which settings ship).

import { differsOnlyInView, sameValue } from "./text.mjs";

const TAB_CACHE_SIZE = 40; // final frames kept for settings seen before in this tab

export class KnownResults {
  constructor(config) {
    this.config = config;
    this.seen = new Map(); // request key -> {frame, path}, oldest first
  }

  key({ params, seed }) {
    return JSON.stringify([this.config.schema.map((spec) => params[spec.name]), seed]);
  }

  // {frame, path} of these settings if this tab showed them before, else undefined.
  recall(request) {
    return this.seen.get(this.key(request));
  }

  remember(request, frame, path) {
    const key = this.key(request);
    this.seen.delete(key);
    this.seen.set(key, { frame, path });
    if (this.seen.size > TAB_CACHE_SIZE) this.seen.delete(this.seen.keys().next().value);
  }

  forget() {
    this.seen.clear();
  }

  // Whether two settings agree on every control, by value.
  sameSetting(params, other) {
    return this.config.schema.every((spec) => sameValue(params[spec.name], other[spec.name]));
  }

  // Whether a request asks for the page's own settings but for its view-only controls (which a
  // warm-up of the page's settings answers at once).
  onlyViewDiffers(request) {
    return differsOnlyInView(this.config.viewOnly, request, { params: this.config.defaults, seed: this.config.seed });
  }

  // The file of the frame the build computed for exactly these settings, or null.
  shippedFile({ params, seed }) {
    const entry = this.config.precomputed.find((e) => sameValue(e.seed, seed) && this.sameSetting(e.params, params));
    return entry ? entry.file : null;
  }

  // That frame, or null if its file is missing: a partial upload costs only speed (the setting
  // is computed instead).
  async load(file) {
    try {
      return await fetchJSON(file);
    } catch {
      return null;
    }
  }

  // The frame the page was built with (for an export before anything ran here).
  firstFrame() {
    return fetchJSON(this.config.firstFrame);
  }
}

async function fetchJSON(file) {
  const response = await fetch(new URL(file, document.baseURI));
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}
