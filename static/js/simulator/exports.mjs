// The figure as files: SVG (the panels as placed on screen), JSON (the result), CSV (the table).

function download(filename, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// The figure's panels joined into one standalone SVG, placed as the reader sees them (side by
// side on a desktop, stacked on a phone). Colours fall back to the light theme's.
function joinPanels(box) {
  const NS = "http://www.w3.org/2000/svg";
  const origin = box.getBoundingClientRect();
  const root = document.createElementNS(NS, "svg");
  const group = box.querySelector(".sim-panels");
  let width = 0, height = 0;
  const placed = [];
  for (const panel of box.querySelectorAll("svg.sim-panel")) {
    const r = panel.getBoundingClientRect();
    const copy = panel.cloneNode(true);
    const [x, y] = [r.left - origin.left, r.top - origin.top];
    for (const [name, value] of [["x", x], ["y", y], ["width", r.width], ["height", r.height]]) copy.setAttribute(name, value.toFixed(1));
    copy.removeAttribute("class");
    placed.push(copy);
    [width, height] = [Math.max(width, x + r.width), Math.max(height, y + r.height)];
  }
  root.setAttribute("viewBox", `0 0 ${width.toFixed(1)} ${height.toFixed(1)}`);
  root.setAttribute("width", width.toFixed(1));
  root.setAttribute("height", height.toFixed(1));
  const title = document.createElementNS(NS, "title");
  title.textContent = group ? group.getAttribute("aria-label") : "";
  const desc = document.createElementNS(NS, "desc");
  desc.textContent = group ? group.querySelector(".visually-hidden")?.textContent ?? "" : "";
  const paper = document.createElementNS(NS, "rect");
  for (const [name, value] of [["width", "100%"], ["height", "100%"], ["fill", "#ffffff"]]) paper.setAttribute(name, value);
  root.append(title, desc, paper, ...placed);
  return new XMLSerializer().serializeToString(root);
}

function toCSV(table) {
  const cell = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  return [table.columns, ...table.rows].map((row) => row.map(cell).join(",")).join("\n") + "\n";
}

// The export actions, for the page's buttons; `frameShown` gives the frame on screen (or null).
export function exportActions(root, name, frameShown) {
  return {
    "export-svg": () => download(`${name}.svg`, "image/svg+xml", joinPanels(root.querySelector("[data-sim-svg]"))),
    "export-json": async () => {
      const frame = await frameShown();
      if (frame) download(`${name}.json`, "application/json", JSON.stringify(frame.result, null, 1));
    },
    "export-csv": async () => {
      const frame = await frameShown();
      if (frame) download(`${name}.csv`, "text/csv", toCSV(frame.table));
    },
  };
}
