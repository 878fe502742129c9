#!/usr/bin/env python3
"""Build the NeurIPS 2025 award-paper companion into a static site.

    python build.py                 # build into site/ (nothing to do when nothing changed)
    python build.py --serve         # build, serve on http://127.0.0.1:8000/, rebuild and reload on edits
    python build.py --out DIR       # build somewhere else
    python build.py --base-path /companion/   # for a host that serves the site under a path
    python build.py new SLUG [--simulator NAME]  # a new topic page (and simulator) to fill in
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(PROJECT_ROOT))

from sitegen import driver  # noqa: E402  (standard library only: the up-to-date check runs before NumPy loads)
from sitegen.schema import BASE_PATH  # noqa: E402  (standard library only too)


def base_path(text: str) -> str:
    if not BASE_PATH.match(text):
        raise argparse.ArgumentTypeError(f"{text!r} must start and end with '/', such as /companion/")
    return text


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "site", help="output folder (default: site/)")
    parser.add_argument("--content", type=Path, default=PROJECT_ROOT / "content", help="content folder (default: content/)")
    parser.add_argument("--serve", action="store_true",
                        help="serve the site on 127.0.0.1, rebuild when a file changes and reload open pages")
    parser.add_argument("--port", type=int, default=8000, help="port for --serve (default: 8000)")
    parser.add_argument("--pyodide-url", help="load Pyodide from this URL (a folder ending in /) instead of vendoring it")
    parser.add_argument("--base-path", type=base_path,
                        help="the path the site is hosted under, such as /companion/ (default: base_path in "
                             "site.yaml); --serve serves it there")
    parser.add_argument("--force", action="store_true", help="build even when nothing changed (cached frames still apply)")
    parser.add_argument("--quiet", action="store_true", help="print only errors")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["new"]:
        from sitegen import scaffold  # noqa: PLC0415  (standard library and PyYAML only)

        return scaffold.main(argv[1:])
    args = parse_args(argv)
    request = driver.Request(out_dir=args.out, content_dir=args.content, pyodide_url=args.pyodide_url,
                             base_path=args.base_path, force=args.force, quiet=args.quiet)
    if args.serve:
        from sitegen import live

        return live.serve(request, args.port)
    outcome = driver.run(request)
    if not outcome.ok:
        print(outcome.report, file=sys.stderr)
        return 1
    if not args.quiet:
        print(outcome.summary(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
