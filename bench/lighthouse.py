"""Lighthouse on every page of a freshly built site, with Debian's Chromium.

    python bench/lighthouse.py [--presets mobile,desktop] [--pages index.html,gated-attention/]

Prints one row per page and preset: the Performance, Accessibility, Best Practices and SEO
scores and the Largest Contentful Paint. Lighthouse comes from npm (pinned below), installed
once into the project's cache; nothing is installed into the project itself.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.site import CHROMIUM, served_site  # noqa: E402
from sitegen.vendor import cache_dir  # noqa: E402

LIGHTHOUSE = "lighthouse@13.5.0"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def lighthouse_bin() -> Path:
    folder = cache_dir() / "bench-node" / LIGHTHOUSE.replace("@", "-")
    binary = folder / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(folder), LIGHTHOUSE],
                       check=True, capture_output=True)
    return binary


def audit(binary: Path, url: str, preset: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [str(binary), url, "--output=json", f"--output-path={report}", "--quiet",
                   f"--only-categories={','.join(CATEGORIES)}",
                   "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-quic"]
        if preset == "desktop":
            command.append("--preset=desktop")
        subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True)
        data = json.loads(report.read_text())
    scores = {c: round(100 * (data["categories"][c]["score"] or 0)) for c in CATEGORIES}
    failing = [a for c in CATEGORIES for a in (r["id"] for r in data["categories"][c]["auditRefs"])
               if c != "performance" and data["audits"][a].get("score") not in (None, 1)]
    return {**scores, "lcp": data["audits"]["largest-contentful-paint"]["numericValue"] / 1000, "failing": failing}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--presets", default="mobile,desktop")
    parser.add_argument("--pages", default="", help="comma-separated page paths (default: every page)")
    args = parser.parse_args()
    binary = lighthouse_bin()
    with served_site() as (site, base):
        pages = args.pages.split(",") if args.pages else ["index.html"] + sorted(
            d.name + "/" for d in site.iterdir() if (d / "index.html").exists())
        print(f"{'page':32} {'preset':8} perf  a11y  bp   seo   LCP s")
        for page in pages:
            for preset in args.presets.split(","):
                r = audit(binary, base + page, preset)
                print(f"{page:32} {preset:8} {r['performance']:4} {r['accessibility']:5} {r['best-practices']:4} {r['seo']:5} "
                      f"{r['lcp']:6.2f}" + (f"   failing: {', '.join(r['failing'])}" if r["failing"] else ""), flush=True)


if __name__ == "__main__":
    main()
