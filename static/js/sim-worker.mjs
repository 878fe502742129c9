// Simulator worker: handlers only. The messages are those of simulator/protocol.mjs; booting is
// simulator/worker-boot.mjs, running requests simulator/worker-runs.mjs.

import { dispatch, toPage } from "./simulator/protocol.mjs";
import { boot, makeSnapshot } from "./simulator/worker-boot.mjs";
import * as runs from "./simulator/worker-runs.mjs";

// The worker inherits the page's Content-Security-Policy; a refusal is reported only here, so pass it on.
self.addEventListener("securitypolicyviolation", (event) =>
  self.postMessage(toPage.violation(event.effectiveDirective, event.blockedURI)));

const handlers = {
  init: async ({ runtime, sim, module }) => {
    const booted = await boot(runtime, sim, module);
    if (!booted) return;
    runs.useRuntime(booted, runtime);
    self.postMessage(toPage.ready(booted.timings));
  },
  snapshot: ({ runtime }) => makeSnapshot(runtime),
  run: runs.run,
  resume: runs.resume,
  stop: runs.stop,
  cancel: runs.cancel,
  forget: runs.forget,
  warm: runs.warmUp,
  judge: runs.judge,
  give: runs.give,
  part: runs.part,
};

self.onmessage = (event) => dispatch(event.data, handlers);
