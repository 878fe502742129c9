"""Grid mazes for the goal-reaching simulator: presets, a seeded random maze generator,
moves, shortest paths by breadth-first search, and random-walk data with hindsight goals.

A maze is a list of equal-length strings: '#' wall, '.' floor. Cells are (row, col).
Five actions: up, down, left, right, stay. Moving into a wall or off the grid stays put.
"""

from __future__ import annotations

from collections import deque

import numpy as np

ACTIONS = ((-1, 0), (1, 0), (0, -1), (0, 1), (0, 0))
ACTION_NAMES = ("up", "down", "left", "right", "stay")
MAX_SIDE = 15

PRESETS = {
    "open room": [
        ".......",
        ".......",
        ".......",
        ".......",
        ".......",
        ".......",
        ".......",
    ],
    "one wall": [
        ".......",
        ".......",
        ".......",
        "#####..",
        ".......",
        ".......",
        ".......",
    ],
    "u-maze": [
        ".........",
        ".........",
        "#######..",
        ".........",
        ".........",
        "..#######",
        ".........",
    ],
    "zigzag": [
        ".........",
        "########.",
        ".........",
        ".########",
        ".........",
        "########.",
        ".........",
    ],
}


class Maze:
    def __init__(self, rows: list[str], name: str = "maze"):
        if not rows or not all(isinstance(r, str) for r in rows):
            raise ValueError(f"maze '{name}': give rows of '#' and '.'")
        if len({len(r) for r in rows}) != 1:
            raise ValueError(f"maze '{name}': rows have different lengths")
        if len(rows) > MAX_SIDE or len(rows[0]) > MAX_SIDE:
            raise ValueError(f"maze '{name}' is {len(rows)}x{len(rows[0])}: at most {MAX_SIDE}x{MAX_SIDE} cells")
        for i, row in enumerate(rows):
            bad = set(row) - {"#", "."}
            if bad:
                raise ValueError(f"maze '{name}', row {i + 1}: unknown character {sorted(bad)[0]!r} (use '#' and '.')")
        self.name, self.rows = name, rows
        self.height, self.width = len(rows), len(rows[0])
        self.free = [(r, c) for r in range(self.height) for c in range(self.width) if rows[r][c] == "."]
        if len(self.free) < 2:
            raise ValueError(f"maze '{name}' needs at least 2 floor cells")
        self.index = {cell: i for i, cell in enumerate(self.free)}
        # next_state[i, a]: the cell index reached from cell i with action a
        self.next_state = np.array([[self.index.get(self._moved(cell, a), i) for a in range(len(ACTIONS))]
                                    for i, cell in enumerate(self.free)])

    def _moved(self, cell, action):
        r, c = cell[0] + ACTIONS[action][0], cell[1] + ACTIONS[action][1]
        return (r, c) if 0 <= r < self.height and 0 <= c < self.width and self.rows[r][c] == "." else cell

    def check_cell(self, cell, what: str) -> int:
        """The index of a floor cell, or a named error."""
        r, c = cell
        if not (0 <= r < self.height and 0 <= c < self.width):
            raise ValueError(f"{what} {tuple(cell)} is outside the {self.height}x{self.width} maze '{self.name}'")
        if self.rows[r][c] == "#":
            raise ValueError(f"{what} {tuple(cell)} is on a wall in maze '{self.name}'")
        return self.index[(r, c)]

    def distances_from(self, start: int) -> np.ndarray:
        """Shortest path length (moves) from cell `start` to every cell; -1 if unreachable."""
        dist = np.full(len(self.free), -1)
        dist[start] = 0
        queue = deque([start])
        while queue:
            i = queue.popleft()
            for j in self.next_state[i]:
                if dist[j] < 0:
                    dist[j] = dist[i] + 1
                    queue.append(j)
        return dist

    def all_distances(self) -> np.ndarray:
        return np.array([self.distances_from(i) for i in range(len(self.free))])

    def coordinates(self, cells) -> np.ndarray:
        """Cell indices -> (row, col) scaled to [-1, 1]: what the networks see."""
        rc = np.array(self.free, dtype=float)[np.asarray(cells)]
        return 2 * rc / max(self.height - 1, self.width - 1, 1) - 1


def random_maze(seed: int, side: int = 9) -> list[str]:
    """A perfect maze by depth-first carving on the odd cells of a side x side grid."""
    if side % 2 == 0 or not 5 <= side <= MAX_SIDE:
        raise ValueError(f"random maze side {side} must be odd, from 5 to {MAX_SIDE}")
    rng = np.random.default_rng([seed, 11])
    grid = [["#"] * side for _ in range(side)]
    stack = [(0, 0)]
    grid[0][0] = "."
    while stack:
        r, c = stack[-1]
        options = [(r + dr, c + dc, dr, dc) for dr, dc in ((-2, 0), (2, 0), (0, -2), (0, 2))
                   if 0 <= r + dr < side and 0 <= c + dc < side and grid[r + dr][c + dc] == "#"]
        if not options:
            stack.pop()
            continue
        nr, nc, dr, dc = options[rng.integers(len(options))]
        grid[r + dr // 2][c + dc // 2] = grid[nr][nc] = "."
        stack.append((nr, nc))
    return ["".join(row) for row in grid]


def random_walks(maze: Maze, rng: np.random.Generator, episodes: int, length: int):
    """Trajectories of a uniformly random policy from random start cells: (states, actions),
    shapes (episodes, length + 1) and (episodes, length)."""
    states = np.empty((episodes, length + 1), dtype=int)
    actions = rng.integers(len(ACTIONS), size=(episodes, length))
    states[:, 0] = rng.integers(len(maze.free), size=episodes)
    for t in range(length):
        states[:, t + 1] = maze.next_state[states[:, t], actions[:, t]]
    return states, actions


def hindsight_batch(states, actions, rng: np.random.Generator, size: int, gamma: float):
    """(s, a, g) with g a later state of the same trajectory, Delta >= 1 steps ahead with
    probability proportional to gamma^Delta (truncated at the trajectory's end), as in the
    paper's buffer."""
    episodes, length = actions.shape
    ep = rng.integers(episodes, size=size)
    t = rng.integers(length, size=size)
    # Geometric(1 - gamma) offsets, redrawn by inverse CDF truncated to the steps left.
    left = length - t
    u = rng.random(size)
    total = 1 - gamma**left
    delta = np.floor(np.log1p(-u * total) / np.log(gamma)).astype(int) + 1
    delta = np.minimum(delta, left)
    return states[ep, t], actions[ep, t], states[ep, t + delta]
