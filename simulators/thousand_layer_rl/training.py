"""Training and evaluating contrastive goal-reaching agents on one maze: the learning half of
the 1000-Layer RL simulator, kept apart from the figure so that the shipped depth sweep can be
keyed by a hash of exactly the code that produced it (see sweep.py).

Data as in the paper's online loop, scaled down: a first buffer of random walks, then rounds in
which the agent itself walks toward random goals (epsilon-greedy by its critic) and its
trajectories join the buffer. Hindsight goals are drawn from the whole buffer every step.
"""

from __future__ import annotations

import time

import numpy as np

from . import crl as C
from . import maze as M

SWEEP_DEPTHS = (1, 2, 4, 8, 16)  # the live sweep; the shipped one (sweep.py) goes to 64 layers
BATCH = 128  # hindsight pairs per Adam step
WALKS, WALK_LENGTH = 200, 60  # the random-walk buffer the agent starts from
ROUNDS = 8  # times the agent collects its own trajectories during training
COLLECTED = 100  # trajectories per collection round, WALK_LENGTH steps each
EPSILON = 0.3  # share of random moves while collecting, so the agent keeps exploring
EVAL_PAIRS = 96
HEARTBEAT = 0.25  # seconds between progress reports: the page shows progress at least once a second


class Setting:
    """Everything fixed by the maze and seed: first data, evaluation pairs, horizon, baseline."""

    def __init__(self, maze: M.Maze, seed: int):
        self.maze = maze
        self.dist = maze.all_distances()
        rng = np.random.default_rng([seed, 21])
        self.states, self.actions = M.random_walks(maze, rng, WALKS, WALK_LENGTH)
        pairs = np.argwhere(self.dist > 0)
        chosen = pairs[rng.choice(len(pairs), size=min(EVAL_PAIRS, len(pairs)), replace=False)]
        self.starts, self.goals = chosen[:, 0], chosen[:, 1]
        self.shortest = self.dist[self.starts, self.goals]
        # Thirds of the evaluation pairs by shortest path: where depth should matter is the far third.
        self.cuts = [int(np.quantile(self.shortest, q)) for q in (1 / 3, 2 / 3)]
        self.band = np.digitize(self.shortest, [c + 0.5 for c in self.cuts])
        self.horizon = int(2 * self.dist.max() + 10)
        walker = np.random.default_rng([seed, 22])
        path = C.rollouts(maze, lambda s, g: walker.integers(len(M.ACTIONS), size=len(s)), self.starts, self.goals, self.horizon)
        self.baseline = self.score(path)

    def auto_pair(self) -> tuple[int, int]:
        """The start and goal 'auto' picks: the first pair (in cell order) half as far apart as the maze allows."""
        half = np.argwhere(self.dist == self.dist.max() // 2)[0]
        return int(half[0]), int(half[1])

    def band_labels(self) -> list[str]:
        low, high = self.cuts
        middle = f"{high} moves" if high == low + 1 else f"{low + 1}–{high} moves"
        return [f"≤ {low} moves", middle, f"> {high} moves"]

    def score(self, path: np.ndarray) -> dict:
        metrics = C.evaluate(path, self.goals, self.shortest)
        reached = (path[:, 1:] == self.goals[:, None]).any(axis=1)
        metrics["success_by_distance"] = [float(reached[self.band == b].mean()) for b in range(3)]
        return metrics

    def evaluate(self, agent: C.Agent) -> dict:
        return self.score(C.rollouts(self.maze, agent.act, self.starts, self.goals, self.horizon))


def collect(maze: M.Maze, agent: C.Agent, rng: np.random.Generator, episodes: int, length: int, epsilon: float):
    """Trajectories of the agent heading for random goals, a random move with probability
    epsilon: (states, actions) shaped like M.random_walks'."""
    states = np.empty((episodes, length + 1), dtype=int)
    actions = np.empty((episodes, length), dtype=int)
    states[:, 0] = rng.integers(len(maze.free), size=episodes)
    goals = rng.integers(len(maze.free), size=episodes)
    for t in range(length):
        chosen = agent.act(states[:, t], goals)
        explore = rng.random(episodes) < epsilon
        chosen[explore] = rng.integers(len(M.ACTIONS), size=int(explore.sum()))
        actions[:, t] = chosen
        states[:, t + 1] = maze.next_state[states[:, t], chosen]
    return states, actions


def train(setting: Setting, width: int, depth: int, steps: int, residual: bool, seed: int):
    """Yield (agent, curves, evaluation, step) after each of the ROUNDS + 1 training phases;
    between phases the agent collects COLLECTED more trajectories. In between, a deep agent also
    yields (agent, curves, None, step) every HEARTBEAT seconds so a browser page hears from it.
    The last yield is the trained agent with its evaluation."""
    rng = np.random.default_rng([seed, 23, depth])
    agent = C.Agent(setting.maze, width, depth, rng, residual)
    states, actions = setting.states, setting.actions
    curves = {"step": [], "loss": [], "success_rate": []}
    ends = [round(steps * (i + 1) / (ROUNDS + 1)) for i in range(ROUNDS + 1)]
    step, losses, heard = 0, [], time.monotonic()
    for phase, end in enumerate(ends):
        if phase:
            more = collect(setting.maze, agent, rng, COLLECTED, WALK_LENGTH, EPSILON)
            states, actions = np.concatenate([states, more[0]]), np.concatenate([actions, more[1]])
        while step < end:
            losses.append(agent.train_step(*M.hindsight_batch(states, actions, rng, BATCH, C.GAMMA)))
            step += 1
            if time.monotonic() - heard > HEARTBEAT and step < end:  # timing changes frames, never results
                heard = time.monotonic()
                yield agent, curves, None, step
        metrics = setting.evaluate(agent)
        curves["step"].append(step)
        curves["loss"].append(float(np.mean(losses[-50:])) if losses else None)
        curves["success_rate"].append(metrics["success_rate"])
        heard = time.monotonic()
        yield agent, curves, metrics, step


def view(agent: C.Agent, curves: dict, setting: Setting, start: int, goal: int) -> dict:
    """What the figure shows of one agent: the critic's value over cells and the rollout."""
    cells = np.arange(len(setting.maze.free))
    value = agent.critic(cells, np.full(len(cells), goal)).max(axis=1)
    path = C.rollouts(setting.maze, agent.act, np.array([start]), np.array([goal]), setting.horizon)[0]
    return {"value": np.round(value, 4).tolist(), "path": [list(setting.maze.free[i]) for i in path],
            "curves": {k: list(v) for k, v in curves.items()}}
