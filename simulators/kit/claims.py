"""Claims an author makes about a simulator's result, in a small declarative grammar:

    claim       := sum (SPACE comparator SPACE sum)+       one line; a chain means every link holds
    comparator  := <  <=  >  >=  ==  !=
    sum         := product (("+" | "-") product)*
    product     := unary (("*" | "/") unary)*
    unary       := "-" unary | atom
    atom        := number | number "%" | path | "(" sum ")" | abs(sum) | min(sum, ...) | max(sum, ...)
    path        := name ("." (name | index | "*"))*        a place in the result: variants.none.sink_ratio;
                                                           "*" stands for every item there: min(curve.*.1)

Text from a content file is parsed here into a tree of lists, never evaluated as code. This is
the one evaluator: the build checks claims with it (sitegen/experiments/), and the simulator
worker judges a reader's own run with it (`verdict`, through simulators.bridge.judge), so the
page only shows what Python decided and formatted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .contract import lookup

COMPARATORS = ("<=", ">=", "==", "!=", "<", ">")
FUNCTIONS = {"abs": 1, "min": 1, "max": 1}  # the fewest values each takes; min and max take any number
_TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?%?|\.\d+(?:[eE][-+]?\d+)?%?)"
                    r"|(?P<path>[A-Za-z_]\w*(?:\.(?:\w+|\*))*)|(?P<op>[-+*/(),]))")


class ClaimError(ValueError):
    """The claim is not in the grammar; the message says where and what was expected."""


@dataclass(frozen=True)
class Claim:
    text: str  # as the author wrote it
    tree: list  # ["compare", [op, ...], [expr, ...]]

    @property
    def paths(self) -> list[str]:
        """Every result path the claim reads, in order of first use."""
        found: list[str] = []
        _collect_paths(self.tree, found)
        return found


def parse(text: str) -> Claim:
    text = text.strip()
    if not text:
        raise ClaimError("empty claim")
    pieces = re.split(r"(\s(?:<=|>=|==|!=|<|>)\s)", f" {text} ")
    sides, ops = pieces[0::2], [p.strip() for p in pieces[1::2]]
    for side in sides:
        for op in COMPARATORS:
            if op in side:
                raise ClaimError(f"'{op}' needs a space on each side")
        if "=" in side:
            raise ClaimError("unknown operator '=': compare with == (or <=, >=, !=)")
    if not ops:
        raise ClaimError("no comparison: write one of < <= > >= == != with a space on each side")
    trees = [_Parser(side.strip(), text).expression() for side in sides]
    return Claim(text, ["compare", ops, trees])


class _Parser:
    def __init__(self, side: str, claim: str):
        if not side:
            raise ClaimError("a comparison is missing a value on one side")
        self.tokens: list[tuple[str, str]] = []
        at = 0
        while at < len(side):
            match = _TOKEN.match(side, at)
            if not match or match.end() == at:
                rest = side[at:].strip()
                raise ClaimError(f"unexpected '{rest[:12]}' in '{side}'")
            kind = match.lastgroup
            self.tokens.append((kind, match.group(kind)))
            at = match.end()
            if side[at:].strip() == "":
                break
        self.at = 0
        self.side = side
        self.inside_aggregate = False  # a path with "*" is allowed only as an argument of min() or max()

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, op: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ClaimError(f"'{self.side}' ends too early")
        if op is not None and token != ("op", op):
            raise ClaimError(f"expected '{op}' in '{self.side}', found '{token[1]}'")
        self.at += 1
        return token

    def expression(self) -> list:
        tree = self.sum()
        if self.peek() is not None:
            raise ClaimError(f"unexpected '{self.peek()[1]}' in '{self.side}'")
        return tree

    def sum(self) -> list:
        tree = self.product()
        while self.peek() in (("op", "+"), ("op", "-")):
            tree = [self.take()[1], tree, self.product()]
        return tree

    def product(self) -> list:
        tree = self.unary()
        while self.peek() in (("op", "*"), ("op", "/")):
            tree = [self.take()[1], tree, self.unary()]
        return tree

    def unary(self) -> list:
        if self.peek() == ("op", "-"):
            self.take()
            return ["neg", self.unary()]
        return self.atom()

    def atom(self) -> list:
        kind, value = self.take()
        if kind == "number":
            return ["num", float(value[:-1]) / 100 if value.endswith("%") else float(value)]
        if kind == "op" and value == "(":
            tree = self.sum()
            self.take(")")
            return tree
        if kind == "path":
            if self.peek() == ("op", "("):
                if value not in FUNCTIONS:
                    raise ClaimError(f"unknown function '{value}' (known: {', '.join(FUNCTIONS)})")
                self.take("(")
                outer, self.inside_aggregate = self.inside_aggregate, value in ("min", "max")
                arguments = [self.sum()]
                while self.peek() == ("op", ","):
                    self.take()
                    arguments.append(self.sum())
                self.take(")")
                self.inside_aggregate = outer
                if value == "abs" and len(arguments) != 1:
                    raise ClaimError("abs() takes 1 value")
                if len(arguments) == 1 and value != "abs" and "*" not in str(arguments[0]):
                    raise ClaimError(f"{value}() takes 2 values or more, or a path with '*'")
                return [value, *arguments]
            if ".*" in value and not self.inside_aggregate:
                raise ClaimError(f"'{value}' stands for several numbers: use it inside min() or max()")
            return ["path", value]
        raise ClaimError(f"unexpected '{value}' in '{self.side}'")


def _collect_paths(tree, found: list[str]) -> None:
    if tree[0] == "path":
        if tree[1] not in found:
            found.append(tree[1])
    elif tree[0] == "compare":
        for side in tree[2]:
            _collect_paths(side, found)
    elif tree[0] != "num":
        for child in tree[1:]:
            _collect_paths(child, found)


def numbers_at(result: dict, path: str) -> list[float]:
    """The numbers at a path with "*" (every item of a list, or value of a mapping, there)."""
    head, star, rest = path.partition(".*")
    if not star:
        return [number_at(result, path)]
    items = lookup(result, head)
    if isinstance(items, dict):
        items = list(items.values())
    if not isinstance(items, list) or not items:
        raise TypeError(f"'{head}' holds no items for '*'")
    return [n for item in items for n in (numbers_at(item, rest[1:]) if rest else [_number(item, path)])]


def number_at(result: dict, path: str) -> float:
    """The number at `path` in a result; KeyError or TypeError (with the reason) otherwise."""
    return _number(lookup(result, path), path)


def _number(value, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        shown = "nothing (left out at this setting)" if value is None else f"{type(value).__name__} {str(value)[:40]!r}"
        raise TypeError(f"'{path}' is {shown}, not a number")
    return float(value)


def evaluate(tree: list, result: dict) -> float | bool:
    """The value of a tree on `result` (a comparison gives a bool)."""
    head = tree[0]
    if head == "compare":
        values = [evaluate(side, result) for side in tree[2]]
        return all(_compare(op, a, b) for op, a, b in zip(tree[1], values, values[1:]))
    if head == "num":
        return tree[1]
    if head == "path":
        return number_at(result, tree[1])
    if head in ("min", "max"):
        values = [n for child in tree[1:] for n in
                  (numbers_at(result, child[1]) if child[0] == "path" else [evaluate(child, result)])]
        return min(values) if head == "min" else max(values)
    args = [evaluate(child, result) for child in tree[1:]]
    if head == "neg":
        return -args[0]
    if head == "abs":
        return abs(args[0])
    a, b = args
    if head == "+":
        return a + b
    if head == "-":
        return a - b
    if head == "*":
        return a * b
    if b == 0:
        raise ZeroDivisionError("division by zero")
    return a / b


TOLERANCE = 1e-9  # relative: 1 - 0.99 <= 0.01 holds, though in binary it is 0.010000000000000009


def _compare(op: str, a: float, b: float) -> bool:
    """Numbers within TOLERANCE of each other are equal, so a claim at a boundary reads as written."""
    same = abs(a - b) <= TOLERANCE * max(1.0, abs(a), abs(b))
    return {"<": a < b and not same, "<=": a < b or same, ">": a > b and not same, ">=": a > b or same,
            "==": same, "!=": not same}[op]


DEFAULT_FORMAT = ".3g"  # a number no readout formats is shown to three figures


def shown_range(values: list, spec: str = DEFAULT_FORMAT) -> str:
    """One value, or the lowest and highest over several (seeds, or the items of a "*" path)
    when they differ as written."""
    texts = [format(v, spec) for v in values]
    if len(set(texts)) == 1:
        return texts[0]
    numbers = [v for v in values if isinstance(v, (int, float))]
    if len(numbers) == len(values):
        return f"{format(min(numbers), spec)}–{format(max(numbers), spec)}"
    return ", ".join(texts)


def reason(exc: Exception) -> str:
    """Why a claim could not be evaluated, as a reader should read it."""
    return exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)


def verdict(claims: list[str], labels: dict[str, str], result: dict, readouts: dict[str, str]) -> dict:
    """How an experiment's claims fare on one result, ready to show: {"holds": bool, "failing":
    [claim text], "found": "label value; …"}, each value a readout as the simulator formats it or
    any other number to three figures; or {"error": why the claims could not be checked}."""
    try:
        failing = [text for text in claims if not evaluate(parse(text).tree, result)]
        found = "; ".join(f"{label} {readouts.get(path) or shown_range(numbers_at(result, path))}" for path, label in labels.items())
    except (ClaimError, KeyError, TypeError, ZeroDivisionError) as exc:
        return {"error": reason(exc)}
    return {"holds": not failing, "failing": failing, "found": found}
