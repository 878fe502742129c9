// Theme toggle: system -> light -> dark -> system. The choice persists in localStorage.
(function () {
  "use strict";
  var order = ["system", "light", "dark"];
  var root = document.documentElement;

  function current() {
    return root.dataset.theme || "system";
  }
  function apply(mode) {
    if (mode === "system") delete root.dataset.theme;
    else root.dataset.theme = mode;
    try {
      if (mode === "system") localStorage.removeItem("theme");
      else localStorage.setItem("theme", mode);
    } catch (e) { /* private mode: the choice lasts for this page only */ }
    document.querySelectorAll("[data-theme-toggle] [data-theme-name]").forEach(function (name) {
      name.textContent = mode === "system" ? "Auto" : mode === "light" ? "Light" : "Dark";
    });
  }
  document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
    button.addEventListener("click", function () {
      apply(order[(order.indexOf(current()) + 1) % order.length]);
    });
  });
  apply(current());
})();
