// Simulator worker: handlers only. The messages are those of simulator/protocol.mjs; booting is
// simulator/worker-boot.mjs, running requests simulator/worker-runs.mjs.

import { dispatch, toPage } from "./simulator/protocol.mjs";
import { boot, makeSnapshot } from "./simulator/worker-boot.mjs";
import * as runs from "./simulator/worker-runs.mjs";

// The worker inherits the page's Content-Security-Policy; a refusal is reported only here, so pass it on.
self.addEventListener("securitypolicyviolation", (event) =>
  self.postMessage(toPage.violation(event.effectiveDirective, event.blockedURI)));

async function start(runtime, sim, module, running = null) {
  const booted = await boot(runtime, sim, module, running);
  if (!booted) return;
  runs.useRuntime(booted, runtime);
  self.postMessage(toPage.ready(booted.timings));
}

const handlers = {
  init: ({ runtime, sim, module }) => start(runtime, sim, module),
  // helper: {sim, module} to go on as a helper worker with the runtime the snapshot came from,
  // which saves the helper a boot of its own; null to idle after
  snapshot: async ({ runtime, helper }) => {
    const running = await makeSnapshot(runtime);
    if (running && helper) await start(runtime, helper.sim, helper.module, running);
  },
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
