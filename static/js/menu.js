// The Papers menu is a <details>: it opens and closes without script. This adds what readers
// expect of a menu: Escape closes it (focus back on its button), and so does a click outside.
(function () {
  "use strict";
  document.querySelectorAll("details.topics-menu").forEach(function (menu) {
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  });
})();
