"""Experiments: prose that cannot drift from the simulators.

An author writes, in a topic's Markdown, a fenced block

    ```experiment
    name: no-gate
    label: With no gate, the sink forms
    params: {train_steps: 400}      # what differs from the page's own setting
    seeds: [0, 1, 2]                # or `seed: 3`; default: the page's seed
    claims:
      - variants.none.sink_ratio > 0.5
      - variants.elementwise.sink_ratio < variants.none.sink_ratio / 2
    ```

(`labels:` may name a result path for the reader where no readout names it), and, anywhere in
the prose, inline values such as `{{ no-gate.variants.none.sink_ratio:.1% }}` (`page.` reads
the page's own first frame). The build runs every experiment's setting through
the simulator (cached by the same key as first frames), checks each claim at every seed
(simulators/kit/claims.py), and writes the values found; a false claim, a path the result lacks or a
setting the simulator refuses is a content error with its file and line. The page gets a
"Try this" link per experiment (static/js/experiments.mjs) that sets the simulator to it, runs
it, and shows the claims' verdict on the reader's own result: the build's at the seeds it ran,
the worker's (the same Python, simulators.kit.claims.verdict) at any other.

The package has three steps: `parse` (blocks and values out of the Markdown), `check` (settings
before anything runs, claims and values after), `render` (the asides and the values on the page).
"""

from .check import check, check_settings, settings, tried_frames
from .parse import BLOCK_TOKEN, DEFAULT_FORMAT, PAGE, VALUE_TOKEN, Experiment, InlineValue, PageExperiments, extract
from .render import PENDING, as_tex, describe_setting, fill, fill_tex, has_values, seeds_text, stray_blocks, with_placeholders

__all__ = ["BLOCK_TOKEN", "DEFAULT_FORMAT", "PAGE", "PENDING", "VALUE_TOKEN", "Experiment", "InlineValue", "PageExperiments",
           "as_tex", "check", "check_settings", "describe_setting", "extract", "fill", "fill_tex", "has_values",
           "seeds_text", "settings", "stray_blocks", "tried_frames", "with_placeholders"]
