// Wide equations, code and tables scroll sideways inside the page. A region that really
// scrolls gets tabindex=0, so a keyboard reader can focus it and scroll it with the arrows;
// one that fits gets no extra tab stop. Checked on load, when fonts arrive and when the width changes.
(function () {
  "use strict";
  var selector = ".math-display, pre, .prose table, .toc";
  function update() {
    document.querySelectorAll(selector).forEach(function (region) {
      var scrolls = region.scrollWidth > region.clientWidth + 1 || region.scrollHeight > region.clientHeight + 1;
      if (scrolls && !region.hasAttribute("tabindex")) {
        region.setAttribute("tabindex", "0");
        region.dataset.scrollRegion = "";
      } else if (!scrolls && "scrollRegion" in region.dataset) {
        region.removeAttribute("tabindex");
        delete region.dataset.scrollRegion;
      }
    });
  }
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(update, 150);
  });
  update();
  // Web fonts (KaTeX's) change widths once they arrive.
  if (document.fonts) document.fonts.ready.then(update);
  window.addEventListener("load", update);
})();
