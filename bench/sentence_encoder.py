"""The Hivemind page's sentence encoder: file size, load and embedding time in CPython, and what
trimming the vocabulary costs, for the pinned vocabulary and a few others side by side.

    python bench/sentence_encoder.py [--vocabulary 32000,48000,56000]

Prints, per vocabulary size: pieces kept, file size, load and embedding seconds (80 sentences,
one BLAS thread), the mean similarity of paraphrase and unrelated pairs, and the correlation of
all pairwise similarities with the full (Latin-script) vocabulary."""

from __future__ import annotations

import argparse
import io
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "simulators"))

from sitegen.blas import pin_threads  # noqa: E402

pin_threads()

import numpy as np  # noqa: E402

from simulators.diversity import encoder  # noqa: E402
from simulators.diversity import wheel as vendored  # noqa: E402
from test_diversity_semantic import TEXTS, pair_similarities  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    pin = vendored.PIN
    parser.add_argument("--vocabulary", default=f"32000,{pin.vocabulary},56000,1000000")
    # The full Latin-script vocabulary is always run: it is what the correlations compare with.
    sizes = {int(v) for v in parser.parse_args().vocabulary.split(",")} | {10**6}
    model, weights = vendored.wheel_contents(pin)
    rows, full = [], None
    for size in sorted(sizes, reverse=True):
        data = vendored.trimmed_model(model, weights, replace(pin, vocabulary=size))
        started = time.perf_counter()
        loaded = encoder.SentenceEncoder(io.BytesIO(data))
        load = time.perf_counter() - started
        started = time.perf_counter()
        vectors = loaded.embed(TEXTS)
        embed = time.perf_counter() - started
        paraphrase, unrelated, every = pair_similarities(vectors)
        full = every if full is None else full
        rows.append((loaded.meta["pieces"], len(data) / 1e6, load, embed, paraphrase.mean(), unrelated.mean(),
                     np.corrcoef(every, full)[0, 1]))
    print(f"{'pieces':>8} {'MB':>6} {'load s':>7} {'embed s':>8} {'paraphrase':>11} {'unrelated':>10} {'r vs full':>10}")
    for pieces, mb, load, embed, para, unrel, r in sorted(rows):
        print(f"{pieces:>8} {mb:>6.1f} {load:>7.2f} {embed:>8.3f} {para:>11.3f} {unrel:>10.3f} {r:>10.4f}")


if __name__ == "__main__":
    main()
