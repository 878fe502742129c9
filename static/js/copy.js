// "Copy" buttons: copy the text of the element named by data-copy-target and say so.
(function () {
  "use strict";
  function announce(button, text) {
    var status = button.parentElement.querySelector(".copy-status");
    if (status) status.textContent = text;
  }
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.copyTarget);
      if (!source) return;
      var text = source.innerText;
      var done = function () { announce(button, "Copied"); };
      var fail = function () {
        // Clipboard API needs a secure context; fall back to selecting the text.
        var range = document.createRange();
        range.selectNodeContents(source);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        announce(button, "Selected: press Ctrl+C (⌘C) to copy");
      };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fail);
      else fail();
    });
  });
})();
