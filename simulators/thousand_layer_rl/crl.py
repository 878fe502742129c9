"""Contrastive RL (Eysenbach et al.; scaled in depth by Wang et al., NeurIPS 2025) on grid mazes.

Critic f(s, a, g) = -||phi(s, a) - psi(g)||, trained with InfoNCE over a batch of hindsight
pairs (logits L_ij = f(s_i, a_i, g_j), positives on the diagonal) plus the paper's
logsumexp regulariser 0.1 * mean_i (logsumexp_j L_ij)^2. No reward anywhere.
The encoders are the paper's residual networks: an input Dense -> LayerNorm -> Swish, then
blocks of 4 x (Dense -> LayerNorm -> Swish) with an identity skip around each block, then
a Dense to the embedding. "Depth" counts the Dense layers inside the blocks, as the paper
does. The policy is greedy over the five moves by the critic (no separate actor), so what
the agent does comes only from what the critic learned.
"""

from __future__ import annotations

import numpy as np

from . import maze as M
from ..kit import nn

REGULARISER = 0.1  # the paper's logsumexp penalty coefficient
GAMMA = 0.9  # hindsight goals Delta steps ahead with probability ~ gamma^Delta (paper: 0.99 over 1000-step episodes)
EMBEDDING = 16


class ResidualEncoder:
    """Input layer, residual blocks of up to 4 (Dense -> LayerNorm -> Swish), output Dense."""

    def __init__(self, n_in: int, width: int, depth: int, rng: np.random.Generator, residual: bool = True):
        self.residual = residual
        self.stem = [nn.Dense(n_in, width, rng), nn.LayerNorm(width), nn.Swish()]
        sizes = [4] * (depth // 4) + ([depth % 4] if depth % 4 else [])
        self.blocks = [[layer for _ in range(size) for layer in (nn.Dense(width, width, rng), nn.LayerNorm(width), nn.Swish())]
                       for size in sizes]
        self.head = nn.Dense(width, EMBEDDING, rng)

    def layers(self) -> list[nn.Layer]:
        return self.stem + [layer for block in self.blocks for layer in block] + [self.head]

    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.stem:
            x = layer.forward(x)
        for block in self.blocks:
            y = x
            for layer in block:
                y = layer.forward(y)
            x = x + y if self.residual else y
        return self.head.forward(x)

    def backward(self, dz: np.ndarray) -> None:
        dx = self.head.backward(dz)
        for block in reversed(self.blocks):
            dy = dx
            for layer in reversed(block):
                dy = layer.backward(dy)
            dx = dx + dy if self.residual else dy
        for layer in reversed(self.stem):
            dx = layer.backward(dx)


def infonce(phi: np.ndarray, psi: np.ndarray):
    """The critic loss and its gradients with respect to phi (B, e) and psi (B, e)."""
    # |phi_i - psi_j|^2 by expansion: a (B, B) matmul instead of a (B, B, e) difference tensor.
    squared = (phi**2).sum(1)[:, None] + (psi**2).sum(1)[None, :] - 2 * phi @ psi.T
    dist = np.sqrt(np.maximum(squared, 0) + 1e-12)
    logits = -dist
    lse = nn.logsumexp(logits, axis=1)
    size = len(phi)
    loss = float(-(np.diag(logits) - lse).mean() + REGULARISER * (lse**2).mean())
    soft = nn.softmax(logits, axis=1)
    dlogits = (soft - np.eye(size)) / size + REGULARISER * 2 * lse[:, None] * soft / size
    weight = -dlogits / dist  # dL/d dist_ij divided by dist_ij
    dphi = weight.sum(axis=1)[:, None] * phi - weight @ psi
    dpsi = weight.sum(axis=0)[:, None] * psi - weight.T @ phi
    return loss, dphi, dpsi


class Agent:
    """phi(s, a) and psi(g) encoders over a maze, trained on random-walk data."""

    def __init__(self, maze: M.Maze, width: int, depth: int, rng: np.random.Generator, residual: bool = True):
        self.maze = maze
        self.phi = ResidualEncoder(2 + len(M.ACTIONS), width, depth, rng, residual)
        self.psi = ResidualEncoder(2, width, depth, rng, residual)
        self.optimizer = nn.Adam(self.phi.layers() + self.psi.layers(), lr=1e-3, clip=5.0)
        self.coords = maze.coordinates(np.arange(len(maze.free)))

    def state_action(self, states, actions) -> np.ndarray:
        return np.concatenate([self.coords[states], np.eye(len(M.ACTIONS))[actions]], axis=-1)

    def train_step(self, states, actions, goals) -> float:
        self.optimizer.zero_grad()
        phi = self.phi.forward(self.state_action(states, actions))
        psi = self.psi.forward(self.coords[goals])
        loss, dphi, dpsi = infonce(phi, psi)
        self.phi.backward(dphi)
        self.psi.backward(dpsi)
        self.optimizer.step()
        return loss

    def critic(self, states, goals) -> np.ndarray:
        """f(s, a, g) for every move a: shape (len(states), 5)."""
        states = np.asarray(states)
        count, moves = len(states), len(M.ACTIONS)
        phi = self.phi.forward(self.state_action(np.repeat(states, moves), np.tile(np.arange(moves), count)))
        psi = self.psi.forward(self.coords[np.asarray(goals)])
        return -np.sqrt(((phi.reshape(count, moves, -1) - psi[:, None, :]) ** 2).sum(-1))

    def act(self, states, goals) -> np.ndarray:
        return self.critic(states, goals).argmax(axis=1)


def rollouts(maze: M.Maze, policy, starts, goals, horizon: int):
    """Run a policy(states, goals) -> actions from each start for `horizon` steps. Returns the
    visited cells (pairs, horizon + 1)."""
    path = np.empty((len(starts), horizon + 1), dtype=int)
    path[:, 0] = starts
    for t in range(horizon):
        path[:, t + 1] = maze.next_state[path[:, t], policy(path[:, t], goals)]
    return path


def evaluate(path: np.ndarray, goals, shortest) -> dict:
    """Success (reached the goal at some step), time at goal (steps spent there, the paper's
    metric), and steps to first arrival over the shortest path (successful pairs only)."""
    at_goal = path[:, 1:] == np.asarray(goals)[:, None]
    reached = at_goal.any(axis=1)
    first = at_goal.argmax(axis=1) + 1
    ratio = first[reached] / np.maximum(np.asarray(shortest)[reached], 1)
    return {"success_rate": float(reached.mean()), "time_at_goal": float(at_goal.sum(axis=1).mean()),
            "path_ratio": float(ratio.mean()) if reached.any() else None}
