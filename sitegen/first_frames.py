"""First frames: each page's simulator, run at its front-matter settings under CPython through
the same adapter the browser uses, so the page ships a real figure, readouts and data table
that need no JavaScript. Settings are checked before anything runs; a simulator that rejects
them at run time is reported as `file:line: simulator.params.NAME: message` like any content error."""

from __future__ import annotations

from dataclasses import dataclass

from simulators import REGISTRY, bridge
from simulators.kit import params as P
from simulators.kit.contract import Frame, Simulator

from .errors import ContentError


@dataclass
class PageSimulator:
    """A topic's simulator: what its front matter asks for, and the frame computed for it."""

    simulator: Simulator
    values: dict  # every control, validated
    seed: int
    title: str
    caption: str
    frame: Frame | None = None

    @property
    def name(self) -> str:
        return self.simulator.name


def check_settings(bodies) -> list[ContentError]:
    """Validate each page's simulator params and seed (nothing runs); attach a PageSimulator."""
    errors: list[ContentError] = []
    for body in bodies.values():
        spec = body.topic.meta.get("simulator")
        if not spec:
            continue
        simulator = REGISTRY[spec["name"]]
        try:
            values = P.validate(simulator.params, spec.get("params"))
            seed = P.validate_seed(spec["seed"])
        except P.ParamError as error:
            errors.append(_content_error(body, spec, error))
            continue
        body.simulator = PageSimulator(simulator, values, seed, spec.get("title") or simulator.title, spec.get("caption", ""))
    return errors


def render(bodies) -> list[ContentError]:
    """Run every page's simulator at its checked settings and keep the final frame."""
    errors: list[ContentError] = []
    for body in bodies.values():
        page = body.simulator
        if page is None:
            continue
        try:
            page.frame = bridge.frame(page.name, page.values, page.seed)
        except P.ParamError as error:  # a check between controls, made by the simulator itself
            errors.append(_content_error(body, body.topic.meta["simulator"], error))
    return errors


def _content_error(body, spec: dict, error: P.ParamError) -> ContentError:
    if error.name == "seed":
        field = "simulator.seed"
    elif error.name in spec.get("params", {}):
        field = f"simulator.params.{error.name}"
    else:
        field = "simulator.params"
    return ContentError(body.topic.rel_source, body.topic.doc.line_of(field), field, str(error))
