"""1000-layer RL simulator: the maze environment, hindsight data, the InfoNCE critic and its
gradients, deterministic training, and an agent that beats a random walk."""

import numpy as np
import pytest

from simulators import crl as C
from simulators import maze as M
from simulators import nn
from simulators import thousand_layer_rl as S

SPLIT = ["..#..",
         "..#..",
         "..#.."]


def test_moves_respect_walls_and_edges():
    maze = M.Maze(["..", "#."], "tiny")
    top_left, top_right, bottom_right = (maze.index[c] for c in ((0, 0), (0, 1), (1, 1)))
    up, down, left, right, stay = range(5)
    assert maze.next_state[top_left, down] == top_left  # wall below
    assert maze.next_state[top_left, up] == top_left  # grid edge
    assert maze.next_state[top_left, right] == top_right
    assert maze.next_state[top_right, down] == bottom_right
    assert maze.next_state[bottom_right, stay] == bottom_right


def test_shortest_paths_by_breadth_first_search():
    maze = M.Maze(M.PRESETS["u-maze"], "u-maze")
    dist = maze.all_distances()
    a, b = maze.index[(0, 0)], maze.index[(3, 0)]
    assert dist[a, b] == 2 * 7 + 3  # along row 0 to column 7, down, and back along row 3
    assert np.array_equal(dist, dist.T) and (dist >= 0).all()
    split = M.Maze(SPLIT, "split")
    assert split.distances_from(split.index[(0, 0)])[split.index[(0, 4)]] == -1


def test_random_mazes_are_connected_and_seeded():
    rows = M.random_maze(3)
    assert rows == M.random_maze(3) and rows != M.random_maze(4)
    maze = M.Maze(rows, "random")
    assert (maze.all_distances() >= 0).all()
    assert all(rows[r][c] == "." for r in range(0, 9, 2) for c in range(0, 9, 2))


@pytest.mark.parametrize("rows, message", [
    (["." * 16] * 3, "at most 15x15"),
    ([".#", "."], "rows have different lengths"),
    ([".x"], "unknown character 'x'"),
    (["#."], "at least 2 floor cells"),
])
def test_bad_mazes_are_named(rows, message):
    with pytest.raises(ValueError, match=message):
        M.Maze(rows, "custom")


def test_hindsight_goals_come_later_in_the_same_trajectory():
    length, gamma = 400, 0.9
    states = np.tile(np.arange(length + 1), (3, 1)) + 1000 * np.arange(3)[:, None]  # state encodes (episode, time)
    actions = np.zeros((3, length), dtype=int)
    s, _, g = M.hindsight_batch(states, actions, np.random.default_rng(0), 20_000, gamma)
    delta = g - s
    assert (s // 1000 == g // 1000).all() and (delta >= 1).all()
    assert (s % 1000 + delta <= length).all()
    far = delta[s % 1000 < length - 100]  # away from the end, Delta is geometric: mean 1 / (1 - gamma)
    assert far.mean() == pytest.approx(1 / (1 - gamma), rel=0.05)


def test_infonce_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    phi, psi = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    _, dphi, dpsi = C.infonce(phi, psi)
    assert nn.relative_error(dphi, nn.numerical_gradient(lambda: C.infonce(phi, psi)[0], phi)) < 1e-6
    assert nn.relative_error(dpsi, nn.numerical_gradient(lambda: C.infonce(phi, psi)[0], psi)) < 1e-6


def test_infonce_prefers_matching_pairs():
    rng = np.random.default_rng(2)
    phi = rng.normal(size=(8, 4)) * 3
    matched = C.infonce(phi, phi.copy())[0]
    shuffled = C.infonce(phi, phi[::-1].copy())[0]
    assert matched < shuffled


@pytest.mark.parametrize("residual", [True, False])
def test_encoder_gradients_through_the_critic_loss(residual):
    maze = M.Maze(M.PRESETS["open room"], "open room")
    agent = C.Agent(maze, 8, 5, np.random.default_rng(3), residual)  # one block of 4, one of 1
    rng = np.random.default_rng(4)
    s, a, g = rng.integers(len(maze.free), size=6), rng.integers(5, size=6), rng.integers(len(maze.free), size=6)

    def loss():
        return C.infonce(agent.phi.forward(agent.state_action(s, a)), agent.psi.forward(agent.coords[g]))[0]

    for layer in agent.phi.layers() + agent.psi.layers():
        layer.zero_grad()
    _, dphi, dpsi = C.infonce(agent.phi.forward(agent.state_action(s, a)), agent.psi.forward(agent.coords[g]))
    agent.phi.backward(dphi)
    agent.psi.backward(dpsi)
    for encoder in (agent.phi, agent.psi):
        for layer in (encoder.stem[0], encoder.blocks[0][3], encoder.blocks[-1][0], encoder.head):
            for name, value in layer.params.items():
                assert nn.relative_error(layer.grads[name], nn.numerical_gradient(loss, value)) < 1e-5, name


def test_training_is_deterministic_per_seed():
    params = {"maze": "open room", "train_steps": 100, "depth": 2}
    a, b = S.run(params, 5), S.run(params, 5)
    S._AGENTS.clear()
    c = S.run(params, 5)
    assert a["value"] == c["value"] and a["success_rate"] == c["success_rate"] == b["success_rate"]


def test_agent_reaches_goals_far_above_a_random_walk():
    result = S.run({"maze": "open room", "train_steps": 400, "depth": 4}, 0)
    assert result["success_rate"] >= 0.6
    assert result["success_rate"] >= 2 * result["baseline_success_rate"]  # a random walk is lucky in an open room
    assert result["time_at_goal"] > 5 * max(result["baseline_time_at_goal"], 0.5)


def test_interface_and_sweep():
    result = S.run({"maze": "open room", "train_steps": 100, "sweep": True}, 1)
    assert {"success_rate", "time_at_goal", "baseline_success_rate", "depth_sweep"} <= set(result)
    assert [d["depth"] for d in result["depth_sweep"]] == list(S.SWEEP_DEPTHS)
    assert all(set(d) == {"depth", "success_rate", "time_at_goal"} for d in result["depth_sweep"])
    assert "<svg" in S.render(result)


def test_moving_the_goal_does_not_retrain():
    S._AGENTS.clear()
    S.run({"maze": "open room", "train_steps": 100}, 2)
    before = {id(v[0]) for v in S._AGENTS.values()}
    frames = list(S.steps({"maze": "open room", "train_steps": 100, "goal": "3,3"}, 2))
    assert len(frames) == 1 and {id(v[0]) for v in S._AGENTS.values()} == before
    assert frames[0]["goal"] == [3, 3]


def test_unreachable_goal_is_named(monkeypatch):
    monkeypatch.setitem(M.PRESETS, "open room", SPLIT)
    with pytest.raises(ValueError, match=r"parameter 'goal': \(0, 4\) cannot be reached from \(0, 0\)"):
        S.run({"maze": "open room", "start": "0,0", "goal": "0,4", "train_steps": 100}, 0)


@pytest.mark.parametrize("params, message", [
    ({"start": "2,0", "maze": "u-maze"}, "parameter 'start': \\(2, 0\\) is on a wall"),
    ({"goal": "9,9", "maze": "open room"}, "is outside the 7x7 maze"),
    ({"goal": "north"}, "write a cell as row,col"),
    ({"depth": 65}, "parameter 'depth'"),
    ({"depth": 0}, "parameter 'depth'"),
    ({"maze": "labyrinth"}, "parameter 'maze'"),
])
def test_bad_settings_are_named(params, message):
    with pytest.raises(ValueError, match=message):
        S.run({"train_steps": 100, **params}, 0)
