// Render a batch of TeX snippets with KaTeX at build time.
// stdin: {"katex": "<path to katex.js>", "items": [{"tex": "...", "display": bool}, ...]}
// stdout: [{"html": "..."} | {"error": "..."}, ...] in the same order.
"use strict";
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const request = JSON.parse(input);
  const katex = require(request.katex);
  const out = request.items.map(({ tex, display }) => {
    try {
      // htmlAndMathml: the HTML is what readers see, the MathML beside it is what screen
      // readers read, so no separate text copy of the TeX is needed.
      return { html: katex.renderToString(tex, { displayMode: display, throwOnError: true, output: "htmlAndMathml", strict: "ignore" }) };
    } catch (err) {
      return { error: String(err.message || err) };
    }
  });
  process.stdout.write(JSON.stringify(out));
});
