"""Experiments, step two: check each block's setting against the page's simulator before anything
runs, then, once the build computed them, each claim at every seed and each inline value."""

from __future__ import annotations

from simulators.kit import claims as C
from simulators.kit import params as P
from simulators.kit.contract import Frame, lookup

from .. import frontmatter
from ..errors import ContentError
from ..first_frames import Setting
from .parse import PAGE, Experiment, PageExperiments
from .render import _frames_of, _shown, as_tex

def check_settings(topic, page_simulator, found: PageExperiments) -> list[ContentError]:
    """Validate each experiment's params and seeds against the page's simulator (nothing runs)."""
    errors: list[ContentError] = []
    source = topic.rel_source
    if page_simulator is None:
        if topic.meta.get("simulator"):
            return []  # its settings failed their own check, reported already
        return [ContentError(source, (found.experiments[0].line if found.experiments else found.values[0].line), "body",
                             "experiments and inline values need the page's simulator (front matter `simulator:`)")]
    for e in found.experiments:
        e.seeds = e.seeds or [page_simulator.seed]
        try:
            e.values = P.validate(page_simulator.simulator.params, {**page_simulator.values, **e.params})
            for seed in e.seeds:
                P.validate_seed(seed)
        except P.ParamError as error:
            errors.append(_param_error(source, e, error))
    return errors


def settings(pages: list[tuple]) -> list[Setting]:
    """Every experiment at each of its seeds, in page order; `pages` holds (topic, PageSimulator,
    PageExperiments). The build computes them (first_frames.compute), then `check` judges."""
    return [Setting(page.simulator, e.values, seed) for _, page, found in pages for e in found.experiments for seed in e.seeds]


def check(pages: list[tuple], outcomes: list) -> list[ContentError]:
    """Give each experiment its frames (`outcomes`, one per `settings(pages)`) and check its
    claims and the page's inline values."""
    owners = [(topic, e) for topic, _, found in pages for e in found.experiments for _ in e.seeds]
    errors: list[ContentError] = []
    for (topic, e), outcome in zip(owners, outcomes):
        if isinstance(outcome, P.ParamError):
            if not any(err.field == f"experiment {e.name}" and err.file == topic.rel_source for err in errors):
                errors.append(_param_error(topic.rel_source, e, outcome))
            continue
        e.frames.append(outcome)
    for topic, page, found in pages:
        for e in found.experiments:
            if len(e.frames) == len(e.seeds):
                errors += _check_claims(topic.rel_source, e)
        errors += _check_values(topic.rel_source, page, found)
    return errors


def tried_frames(page, found: PageExperiments) -> list[tuple[dict, int, Frame]]:
    """(values, seed, frame) of the setting each experiment's "Try this" runs (its first seed):
    the build computed them to check the claims, so the page ships them and a reader's try is
    shown at once, with or without the runtime. (PageSimulator.with_precomputed skips settings
    the page ships already, its own among them.)"""
    return [(e.values, e.seeds[0], e.frames[0]) for e in found.experiments if e.frames]


def _check_claims(source: str, e: Experiment) -> list[ContentError]:
    errors = []
    for claim, line in e.claims:
        for seed, frame in zip(e.seeds, e.frames):
            try:
                holds = C.evaluate(claim.tree, frame.result)
            except (KeyError, TypeError, ZeroDivisionError) as exc:
                errors.append(ContentError(source, line, f"experiment {e.name}", f"claim '{claim.text}': {C.reason(exc)} (seed {seed})"))
                break
            if not holds:
                found = _values_text(claim, frame.result)
                errors.append(ContentError(source, line, f"experiment {e.name}", f"claim '{claim.text}' is false ({found} at seed {seed})"))
                break
    return errors


def _values_text(claim: C.Claim, result: dict) -> str:
    def value(path: str) -> str:
        numbers = C.numbers_at(result, path)
        return f"{numbers[0]:.4g}" if len(numbers) == 1 else f"{min(numbers):.4g} to {max(numbers):.4g}"

    paths = claim.paths
    if len(paths) == 1:
        return value(paths[0])
    return ", ".join(f"{path} = {value(path)}" for path in paths)


def _check_values(source: str, page, found: PageExperiments) -> list[ContentError]:
    errors = []
    by_name = {e.name: e for e in found.experiments}
    for value in found.values:
        if value.experiment != PAGE and len(by_name[value.experiment].frames) < len(by_name[value.experiment].seeds):
            continue  # the experiment itself failed to run: already reported
        try:
            for frame in _frames_of(value, page, found):
                format(lookup(frame.result, value.path), value.format)
            if value.in_math:
                as_tex(_shown(value, page, found))
        except (KeyError, TypeError, ValueError) as exc:
            errors.append(ContentError(source, value.line, "body",
                                       f"inline value '{value.experiment}.{value.path}': {C.reason(exc)}"))
    return errors


def _param_error(source: str, e: Experiment, error: P.ParamError) -> ContentError:
    field = "seeds" if error.name == "seed" else f"params.{error.name}"
    return ContentError(source, frontmatter.line_of(e.key_lines, field, e.line), f"experiment {e.name}", str(error))
