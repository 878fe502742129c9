"""`python build.py new SLUG [--simulator NAME]`: a new topic page, and optionally a simulator
wired to it, that build as written. Every front-matter field is there with a comment saying what
it takes; the body has each section `site.yaml` requires. The author replaces the placeholders.
Nothing is overwritten: an existing topic or simulator is an error naming it."""

from __future__ import annotations

import argparse
import datetime
import re
import sys
from pathlib import Path

import yaml

from .schema import SLUG

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SIMULATOR_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")

TOPIC = """\
---
# Required unless marked optional. The build checks every field and names file:line on a mistake.
title: "TODO: the paper's full title"
short_title: TODO short title  # for cards, menus and the browser tab
order: {order}  # position on the home page and in the menus
hook: "TODO: one sentence a newcomer would want to read on."
# award: Best Paper  # optional: as the venue names it; without one, the page shows its venue alone
authors:
  - TODO First Author
# affiliations: TODO  # optional
venue: arXiv  # NeurIPS, ICLR and ICML get their proceedings in the BibTeX entry; arXiv gives @misc; any other is written as given
year: {year}
arxiv: "0000.00000"  # TODO: the paper's arXiv id, such as 2505.06708
# openreview: TODO  # optional: the OpenReview forum id
# code: https://github.com/TODO  # optional: the authors' code
bibtex_key: {bibtex_key}
related: []  # optional: slugs of other topics
{simulator}---
{sections}"""

SIMULATOR_FRONT_MATTER = """\
simulator:  # optional: the simulator the page embeds (simulators/{name}.py)
  name: {name}
  seed: 0
  # params: {{draws: 200}}  # optional: the page's own setting, where it differs from the defaults
  caption: >-
    TODO: what the figure shows, for a reader who has not used it yet.
"""

SECTION = """
## {title}

TODO.
"""

SIMULATOR_SECTION = """
## {title}

TODO. The simulator appears where this marker is:

<!-- simulator -->

A value the simulator computes can stand in the prose, and the build fills it in:
the running mean ends at {{{{ page.final_mean:.3f }}}}.
"""

SIMULATOR = '''\
"""TODO: what this simulator shows, and which result of the paper it reproduces.

The contract (README, "Adding a simulator"; simulators/kit/contract.py): NAME, TITLE, PARAMS,
READOUTS, run(cfg, seed) or steps(cfg, seed), render(result) and table(result). The same code
draws the page's first frame at build time and runs in the reader's browser under Pyodide."""

from __future__ import annotations

import numpy as np

from .kit import svg
from .kit.contract import Readout

NAME = "{name}"
TITLE = "TODO: the figure's title"
PARAMS = [
    {{"name": "draws", "kind": "int", "default": 200, "min": 10, "max": 2000, "step": 10,
     "label": "Draws", "help": "How many numbers are drawn."}},
    {{"name": "mean", "kind": "float", "default": 0.0, "min": -1.0, "max": 1.0, "step": 0.1,
     "label": "True mean", "help": "The mean of the normal distribution they are drawn from."}},
]
READOUTS = [Readout("final_mean", "Running mean after the last draw", ".3f")]


def run(cfg: dict, seed: int) -> dict:
    draws = np.random.default_rng(seed).normal(cfg["mean"], 1.0, size=cfg["draws"])
    running = np.cumsum(draws) / np.arange(1, draws.size + 1)
    return {{"done": True, "final_mean": float(running[-1]),
            "curve": [[i + 1, round(float(v), 5)] for i, v in enumerate(running)]}}


def render(result: dict) -> str:
    cfg = result["params"]
    xs, ys = [c[0] for c in result["curve"]], [c[1] for c in result["curve"]]
    # A panel is at most svg.PANEL_WIDTH units wide, so it reads on a 360 px phone; the page lays panels out.
    panel = svg.Panel(56, 34, 264, 200, (0, cfg["draws"]), (min(ys + [cfg["mean"]]) - 0.5, max(ys + [cfg["mean"]]) + 0.5))
    body = panel.axes("draws", "running mean", "Running mean of the draws")
    body.append(panel.hline(cfg["mean"], svg.MUTED, 1, "4 3", "true mean"))
    body.append(panel.polyline(xs, ys, svg.PALETTE[0], 2, "", "running mean"))
    desc = f"{{cfg['draws']}} draws with mean {{cfg['mean']}}: the running mean ends at {{result['final_mean']:.3f}}."
    return svg.panels(TITLE, desc, [svg.panel(280, "Running mean of the draws", body)])


def table(result: dict) -> dict:
    return {{"caption": "Running mean after each draw", "columns": ["draws", "running mean"], "rows": result["curve"]}}
'''


class ScaffoldError(Exception):
    """The topic or simulator cannot be written; the message says why."""


def new_topic(content_dir: Path, slug: str, simulator: str | None = None,
              simulators_dir: Path = PROJECT_ROOT / "simulators") -> list[Path]:
    """Write the topic `slug` (and the simulator `simulator`, if named); return the files written."""
    if not SLUG.match(slug):
        raise ScaffoldError(f"'{slug}' is not a slug: lowercase letters, digits and single hyphens, such as my-paper")
    topic = content_dir / "topics" / f"{slug}.md"
    if topic.exists():
        raise ScaffoldError(f"{topic} exists already: choose another slug")
    module = None
    if simulator is not None:
        if not SIMULATOR_NAME.match(simulator):
            raise ScaffoldError(f"'{simulator}' is not a simulator name: lowercase letters, digits and underscores, such as my_sim")
        module = simulators_dir / f"{simulator}.py"
        if module.exists() or (simulators_dir / simulator).exists():
            raise ScaffoldError(f"{module} exists already: choose another simulator name")
    site = yaml.safe_load((content_dir / "site.yaml").read_text(encoding="utf-8"))
    sections = site["topic_sections"]
    body = "".join((SIMULATOR_SECTION if simulator and i == min(2, len(sections) - 1) else SECTION).format(title=title)
                   for i, title in enumerate(sections))
    text = TOPIC.format(order=_next_order(content_dir / "topics"), year=datetime.date.today().year,
                        bibtex_key=slug.replace("-", "_"), sections=body,
                        simulator=SIMULATOR_FRONT_MATTER.format(name=simulator) if simulator else "")
    topic.parent.mkdir(parents=True, exist_ok=True)
    topic.write_text(text, encoding="utf-8")
    written = [topic]
    if module is not None:
        module.write_text(SIMULATOR.format(name=simulator), encoding="utf-8")
        written.append(module)
    return written


def _next_order(topics: Path) -> int:
    orders = []
    for path in topics.glob("*.md"):
        match = re.search(r"^order:\s*(\d+)\s*$", path.read_text(encoding="utf-8"), re.M)
        if match:
            orders.append(int(match.group(1)))
    return max(orders, default=0) + 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="build.py new", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("slug", help="the page's slug: its URL and file name, such as my-paper")
    parser.add_argument("--simulator", metavar="NAME", help="also write simulators/NAME.py, a minimal simulator the page embeds")
    parser.add_argument("--content", type=Path, default=PROJECT_ROOT / "content", help="content folder (default: content/)")
    args = parser.parse_args(argv)
    try:
        written = new_topic(args.content, args.slug, args.simulator)
    except ScaffoldError as error:
        print(f"build.py new: {error}", file=sys.stderr)
        return 1
    root = Path.cwd()
    for path in written:
        print(f"wrote {path.relative_to(root) if path.is_relative_to(root) else path}")
    print("replace the TODOs, then `python build.py --serve` to see the page")
    return 0
