#!/usr/bin/env python3
"""Build the NeurIPS 2025 award-paper companion into a static site.

    python build.py                 # build into site/
    python build.py --serve         # build, then serve on http://127.0.0.1:8000/
    python build.py --out DIR       # build somewhere else
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(PROJECT_ROOT))

from sitegen.blas import pin_threads  # noqa: E402

pin_threads()

from sitegen.errors import BuildFailed  # noqa: E402
from sitegen.pipeline import build, default_options  # noqa: E402


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "site", help="output folder (default: site/)")
    parser.add_argument("--content", type=Path, default=PROJECT_ROOT / "content", help="content folder (default: content/)")
    parser.add_argument("--serve", action="store_true", help="serve the built site on 127.0.0.1 after building")
    parser.add_argument("--port", type=int, default=8000, help="port for --serve (default: 8000)")
    parser.add_argument("--pyodide-url", help="load Pyodide from this URL (a folder ending in /) instead of vendoring it")
    parser.add_argument("--quiet", action="store_true", help="print only errors")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    options = default_options(PROJECT_ROOT, args.out)
    options.content_dir = args.content
    options.pyodide_url = args.pyodide_url
    try:
        report = build(options)
    except BuildFailed as failure:
        print(failure.report(), file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"built {report.pages} pages into {args.out} in {report.seconds:.2f} s")
    if args.serve:
        from sitegen.serve import make_server

        server = make_server(args.out, port=args.port)
        print(f"serving {args.out} at http://127.0.0.1:{args.port}/  (Ctrl+C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
