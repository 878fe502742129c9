"""Exact game-tree search for the mistake-bound game over a finite hypothesis class.

A hypothesis class H over instances 0..n-1 is a list of 0/1 label tuples. Everything here is
exact, memoised on the version space (a bitmask over H):
  * Littlestone dimension: depth of the deepest complete mistake tree,
        Ldim(V) = max over splitting x of 1 + min(Ldim(V_x0), Ldim(V_x1));
  * standard online value (adversary picks each instance adaptively):
        V_std(V) = max_x min_yhat max_y [yhat != y] + V_std(V_xy);
  * transductive value (adversary commits to the order of instances in advance, labels
    stay adaptive): V_tr = max over orders of W(H, order), where
        W(V, x.rest) = min_yhat max_y [yhat != y] + W(V_xy, rest).
V_std equals Ldim (Littlestone 1987); the tests check it rather than assume it.
"""

from __future__ import annotations

import itertools
import math

MAX_INSTANCES = 10
MAX_HYPOTHESES = 128
MAX_ORDER_INSTANCES = 7  # distinct informative instances; 7! = 5040 orders keeps the search < 1 s


def check_class(H) -> list[tuple[int, ...]]:
    """Validate a hypothesis class; raise ValueError naming the problem."""
    H = [tuple(int(v) for v in h) for h in H]
    if not H:
        raise ValueError("the hypothesis class is empty: give at least one hypothesis")
    n = len(H[0])
    for i, h in enumerate(H):
        if len(h) != n:
            raise ValueError(f"hypothesis {i + 1} labels {len(h)} instances but hypothesis 1 labels {n}: every hypothesis must label the same instances")
        if any(v not in (0, 1) for v in h):
            raise ValueError(f"hypothesis {i + 1} has a label other than 0 or 1")
    if n == 0:
        raise ValueError("the hypotheses label no instances")
    if n > MAX_INSTANCES:
        raise ValueError(f"the class has {n} instances: at most {MAX_INSTANCES} keep the exact search fast")
    if len(H) > MAX_HYPOTHESES:
        raise ValueError(f"the class has {len(H)} hypotheses: at most {MAX_HYPOTHESES} keep the exact search fast")
    first = {}
    for i, h in enumerate(H):
        if h in first:
            raise ValueError(f"hypotheses {first[h] + 1} and {i + 1} are the same labelling {''.join(map(str, h))}")
        first[h] = i
    return H


def runs_of_ones(h) -> int:
    return sum(1 for i, v in enumerate(h) if v and (i == 0 or not h[i - 1]))


def mistake_tree_class(depth: int) -> list[tuple[int, ...]]:
    """Instances are the 2^depth − 1 nodes of a complete binary tree (heap order); each
    hypothesis follows one root-to-leaf branch, labelling a node 1 where it turns right and
    0 where it turns left, and 0 off its branch."""
    n = 2**depth - 1
    H = []
    for branch in range(2**depth):
        labels, node = [0] * n, 0
        for level in range(depth):
            bit = (branch >> (depth - 1 - level)) & 1
            labels[node] = bit
            node = 2 * node + 1 + bit
        H.append(tuple(labels))
    return H


# --- exact values -------------------------------------------------------------------------

class Game:
    """Version spaces are bitmasks over the hypotheses; every value is memoised on them."""

    def __init__(self, H):
        self.H = check_class(H)
        self.n = len(self.H[0])
        self.full = (1 << len(self.H)) - 1
        self.ones = [sum(1 << i for i, h in enumerate(self.H) if h[x]) for x in range(self.n)]
        self._ldim: dict[int, int] = {}
        self._std: dict[int, int] = {}
        self._w: dict[tuple, int] = {}

    def split(self, V: int, x: int) -> tuple[int, int]:
        """(hypotheses in V labelling x with 0, ... with 1)."""
        return V & ~self.ones[x], V & self.ones[x]

    def splitting(self, V: int) -> list[int]:
        return [x for x in range(self.n) if all(self.split(V, x))]

    def ldim(self, V: int) -> int:
        if V not in self._ldim:
            best, ceiling = 0, int(math.log2(bin(V).count("1")))  # a mistake tree of depth d needs 2^d hypotheses
            for x in self.splitting(V):
                v0, v1 = self.split(V, x)
                best = max(best, 1 + min(self.ldim(v0), self.ldim(v1)))
                if best == ceiling:
                    break
            self._ldim[V] = best
        return self._ldim[V]

    def std(self, V: int) -> int:
        if V not in self._std:
            self._std[V] = max((self.std_after(V, x) for x in self.splitting(V)), default=0)
        return self._std[V]

    def std_after(self, V: int, x: int) -> int:
        """Value once the adversary has shown x: the learner's best prediction against the worse label."""
        v0, v1 = self.split(V, x)
        return min(max(self.std(v0), 1 + self.std(v1)), max(1 + self.std(v0), self.std(v1)))

    def w(self, V: int, order: tuple, t: int = 0) -> int:
        """Transductive value of V with instances order[t:] still to come, labels adaptive."""
        if t == len(order):
            return 0
        key = (V, order[t:])
        if key not in self._w:
            v0, v1 = self.split(V, order[t])
            if not v0 or not v1:  # the label is forced: no mistake is possible here
                value = self.w(V, order, t + 1)
            else:
                a, b = self.w(v0, order, t + 1), self.w(v1, order, t + 1)
                value = min(max(a, 1 + b), max(1 + a, b))
            self._w[key] = value
        return self._w[key]

    def adversary_instance(self, V: int) -> int:
        """The optimal standard adversary's next instance: the split worth most (ties: lowest x)."""
        return max(self.splitting(V), key=lambda z: (self.std_after(V, z), -z))

    def informative_instances(self) -> list[int]:
        """One instance per column up to complement, without constant columns: repeats and
        complements are always forced once their twin is labelled, so they never matter."""
        seen, keep = set(), []
        for x in range(self.n):
            column = self.ones[x]
            if column in (0, self.full) or column in seen:
                continue
            seen.update({column, self.full & ~column})
            keep.append(x)
        return keep

    def transductive(self) -> tuple[int, tuple]:
        """(value, an optimal order of all instances). Exhaustive over orders of the informative
        instances; stops early at Ldim, which no order can beat."""
        informative = self.informative_instances()
        ceiling = self.ldim(self.full)
        # First try the standard adversary's instances level by level: when that order already
        # forces Ldim mistakes (thresholds, trees, all labelings) nothing else needs checking.
        candidate = self.level_order(informative)
        if self.w(self.full, candidate) == ceiling:
            return ceiling, candidate + tuple(x for x in range(self.n) if x not in candidate)
        if len(informative) > MAX_ORDER_INSTANCES:
            raise ValueError(f"the class has {len(informative)} distinct informative instances: the exact search over their "
                             f"orders allows at most {MAX_ORDER_INSTANCES} ({math.factorial(MAX_ORDER_INSTANCES):,} orders)")
        best, best_order = -1, tuple(informative)
        for order in itertools.permutations(informative):
            value = self.w(self.full, order)
            if value > best:
                best, best_order = value, order
                if best == ceiling:
                    break
        rest = tuple(x for x in range(self.n) if x not in best_order)
        return max(best, 0), best_order + rest


    def level_order(self, informative: list[int]) -> tuple:
        """Instances the optimal standard adversary would show, breadth-first over its game tree."""
        order, frontier = [], [self.full]
        while frontier:
            following = []
            for V in frontier:
                if not self.splitting(V):
                    continue
                x = self.adversary_instance(V)
                if x not in order:
                    order.append(x)
                following.extend(part for part in self.split(V, x) if part)
            frontier = following
        column = {self.ones[x]: x for x in informative}
        canonical = [column.get(self.ones[x], column.get(self.full & ~self.ones[x])) for x in order]
        ordered = list(dict.fromkeys(x for x in canonical if x is not None))
        return tuple(ordered + [x for x in informative if x not in ordered])


def littlestone_dimension(H) -> int:
    game = Game(H)
    return game.ldim(game.full)


def standard_value(H) -> int:
    game = Game(H)
    return game.std(game.full)


def transductive_value(H) -> int:
    return Game(H).transductive()[0]


# --- play -----------------------------------------------------------------------------------

def soa_prediction(game: Game, V: int, x: int) -> int:
    """Standard Optimal Algorithm: predict the label whose version space has larger Ldim (ties: 1)."""
    v0, v1 = game.split(V, x)
    return 0 if v0 and (not v1 or game.ldim(v0) > game.ldim(v1)) else 1


def optimal_prediction(game: Game, V: int, x: int, setting: str, order: tuple, t: int) -> int:
    """The minimax learner's prediction (transductive) or SOA's (standard)."""
    if setting == "standard":
        return soa_prediction(game, V, x)
    v0, v1 = game.split(V, x)
    if not v0 or not v1:
        return 1 if v1 else 0
    a, b = game.w(v0, order, t + 1), game.w(v1, order, t + 1)
    cost0, cost1 = max(a, 1 + b), max(1 + a, b)  # worst case if predicting 0, if predicting 1
    return 0 if cost0 < cost1 or (cost0 == cost1 and a > b) else 1


def adversary_label(game: Game, V: int, x: int, guess: int, setting: str, order: tuple, t: int) -> int:
    """The label that maximises mistakes now plus the value of what is left."""
    best, choice = -1, None
    for y, part in enumerate(game.split(V, x)):
        if not part:
            continue
        rest = game.std(part) if setting == "standard" else game.w(part, order, t + 1)
        value = (guess != y) + rest
        if value > best:
            best, choice = value, y
    return choice
