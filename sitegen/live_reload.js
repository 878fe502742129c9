// Added by `python build.py --serve` to the pages it sends; never part of the built site.
// Reloads the page after a good rebuild; shows the build's errors over the page after a bad one.
(() => {
  // The build this page came from (the server writes it into the tag): a newer one reloads it,
  // even one that landed before this stream opened.
  const served = Number(document.currentScript?.dataset.generation);
  let shownGeneration = Number.isInteger(served) ? served : null;
  let overlay = null;

  function showErrors(errors) {
    if (!overlay) {
      overlay = document.createElement("section");
      overlay.setAttribute("role", "alert");
      overlay.dataset.liveErrors = "";
      Object.assign(overlay.style, {
        position: "fixed", inset: "auto 0 0 0", maxHeight: "60vh", overflow: "auto", zIndex: "2147483647",
        margin: "0", padding: "1rem 1.25rem", background: "#2b0b0b", color: "#ffe9e9",
        borderTop: "4px solid #ff6b6b", font: "14px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace",
      });
      document.body.append(overlay);
    }
    const heading = document.createElement("strong");
    heading.textContent = `Build failed: ${errors.length} error${errors.length === 1 ? "" : "s"}. ` +
      "This page is the last good build; it reloads when the build succeeds.";
    const list = document.createElement("pre");
    // The site's own <pre> style (light background) must not apply inside the overlay.
    Object.assign(list.style, {
      whiteSpace: "pre-wrap", margin: "0.5rem 0 0", padding: "0", border: "0",
      background: "transparent", color: "inherit", font: "inherit",
    });
    list.textContent = errors.join("\n");
    overlay.replaceChildren(heading, list);
  }

  const events = new EventSource("/__live/events");
  events.addEventListener("state", (event) => {
    const state = JSON.parse(event.data);
    if (shownGeneration !== null && state.generation !== shownGeneration) {
      location.reload();
      return;
    }
    shownGeneration = state.generation;
    if (state.errors.length) {
      showErrors(state.errors);
    } else if (overlay) {
      overlay.remove();
      overlay = null;
    }
  });
})();
