"""1000-layer RL simulator: the maze environment, hindsight data, the InfoNCE critic and its
gradients, deterministic training, and an agent that beats a random walk."""

import re
import numpy as np
import pytest

from sim_helpers import assert_close, runner
from simulators import bridge
from simulators.kit.cache import clear_all
from simulators.kit.params import ParamError
from simulators import thousand_layer_rl as S
from gradient_check import numerical_gradient, relative_error
from simulators.thousand_layer_rl import crl as C
from simulators.thousand_layer_rl import maze as M
from simulators.thousand_layer_rl import sweep as rl_sweep
from simulators.thousand_layer_rl import training as T

run, steps = runner("thousand_layer_rl")

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
    assert relative_error(dphi, numerical_gradient(lambda: C.infonce(phi, psi)[0], phi)) < 1e-6
    assert relative_error(dpsi, numerical_gradient(lambda: C.infonce(phi, psi)[0], psi)) < 1e-6


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
                assert relative_error(layer.grads[name], numerical_gradient(loss, value)) < 1e-5, name


def test_training_is_deterministic_per_seed():
    params = {"maze": "open room", "train_steps": 100, "depth": 2}
    a, b = run(params, 5), run(params, 5)
    clear_all()
    c = run(params, 5)
    assert a["value"] == c["value"] and a["success_rate"] == c["success_rate"] == b["success_rate"]


def test_agent_reaches_goals_far_above_a_random_walk():
    result = run({"maze": "open room", "train_steps": 400, "depth": 4}, 0)
    assert result["success_rate"] >= 0.6
    assert result["success_rate"] >= 2 * result["baseline_success_rate"]  # a random walk is lucky in an open room
    assert result["time_at_goal"] > 5 * max(result["baseline_time_at_goal"], 0.5)


def test_interface_and_live_sweep():
    # The narrowest width: the live sweep trains an agent at every depth up to 64 (22 s in
    # CPython here, 40 s at the default width 32).
    result = run({"maze": "open room", "train_steps": 100, "sweep": True, "width": 16}, 1)
    assert {"success_rate", "time_at_goal", "baseline_success_rate", "depth_sweep", "success_by_distance"} <= set(result)
    assert [d["depth"] for d in result["depth_sweep"]] == list(S.SWEEP_DEPTHS)
    assert all(set(d) == {"depth", "success_rate", "time_at_goal", "success_by_distance"} for d in result["depth_sweep"])
    assert result["depth_sweep_source"] == {"where": "live", "train_steps": 100}
    # The live sweep's entry at the chosen depth is the chosen agent itself.
    chosen = next(d for d in result["depth_sweep"] if d["depth"] == result["params"]["depth"])
    assert chosen["success_rate"] == result["success_rate"]
    svg = S.render(result)
    assert "<svg" in svg and "Trained live: 100 steps per depth" in svg


def test_agent_collects_its_own_trajectories_between_phases():
    maze = M.Maze(M.PRESETS["u-maze"], "u-maze")
    agent = C.Agent(maze, 16, 1, np.random.default_rng(0))
    states, actions = T.collect(maze, agent, np.random.default_rng(1), 10, 20, epsilon=0.0)
    assert states.shape == (10, 21) and actions.shape == (10, 20)
    assert (states[:, 1:] == maze.next_state[states[:, :-1], actions]).all()  # the moves were taken in the maze
    # With epsilon 0 every move is the agent's greedy choice toward its episode's goal
    # (collect draws the start cells, then the goals, from the generator it is given).
    draws = np.random.default_rng(1)
    assert np.array_equal(draws.integers(len(maze.free), size=10), states[:, 0])
    goals = draws.integers(len(maze.free), size=10)
    assert all(np.array_equal(actions[:, t], agent.act(states[:, t], goals)) for t in range(20))
    _, noisy = T.collect(maze, agent, np.random.default_rng(1), 200, 20, epsilon=1.0)
    assert np.bincount(noisy.ravel(), minlength=5).min() > 0.15 * noisy.size  # all random: every move common

    setting = T.Setting(maze, 0)
    records = list(T.train(setting, 16, 1, 90, True, 0))
    evaluated = [r for r in records if r[2] is not None]
    assert len(evaluated) == T.ROUNDS + 1 and evaluated[-1][3] == 90
    assert evaluated[-1][1]["step"] == [10 * (i + 1) for i in range(T.ROUNDS + 1)]


def test_success_is_split_into_thirds_by_goal_distance():
    setting = T.Setting(M.Maze(M.PRESETS["zigzag"], "zigzag"), 0)
    low, high = setting.cuts
    assert low < high
    assert (setting.shortest[setting.band == 0] <= low).all() and (setting.shortest[setting.band == 2] > high).all()
    assert setting.band_labels() == [f"≤ {low} moves", f"{low + 1}–{high} moves", f"> {high} moves"]
    # A policy that only stays put reaches nothing; the oracle that walks shortest paths reaches all.
    stay = C.rollouts(setting.maze, lambda s, g: np.full(len(s), 4), setting.starts, setting.goals, setting.horizon)
    assert setting.score(stay)["success_by_distance"] == [0.0, 0.0, 0.0]
    dist = setting.dist

    def shortest_move(s, g):
        return np.array([min(range(5), key=lambda a: dist[setting.maze.next_state[si, a], gi]) for si, gi in zip(s, g)])

    oracle = C.rollouts(setting.maze, shortest_move, setting.starts, setting.goals, setting.horizon)
    assert setting.score(oracle)["success_by_distance"] == [1.0, 1.0, 1.0]


def test_moving_the_goal_does_not_retrain():
    run({"maze": "open room", "train_steps": 100}, 2)
    before = {id(v[0]) for v in S._AGENTS.values()}
    frames = list(steps({"maze": "open room", "train_steps": 100, "goal": "3,3"}, 2))
    assert len(frames) == 1 and {id(v[0]) for v in S._AGENTS.values()} == before
    assert frames[0]["goal"] == [3, 3]


def test_unreachable_goal_is_named(monkeypatch):
    monkeypatch.setitem(M.PRESETS, "open room", SPLIT)
    with pytest.raises(ParamError, match=re.escape("Goal cell (row,col) (goal) must be reachable from the start (0, 0) in maze 'open room', got (0, 4)")):
        run({"maze": "open room", "start": "0,0", "goal": "0,4", "train_steps": 100}, 0)


@pytest.mark.parametrize("params, message", [
    ({"start": "2,0", "maze": "u-maze"}, "Start cell (row,col) (start) must be a floor cell of the maze: cell (2, 0) is on a wall"),
    ({"goal": "9,9", "maze": "open room"}, "Goal cell (row,col) (goal) must be a floor cell of the maze: cell (9, 9) is outside the 7x7 maze"),
    ({"goal": "north"}, "Goal cell (row,col) (goal) must be a cell as row,col (for example 0,3) or auto, got 'north'"),
    ({"depth": 65}, "Depth (layers) (depth) must be between 1 and 64, got 65"),
    ({"depth": 0}, "Depth (layers) (depth) must be between 1 and 64, got 0"),
    ({"maze": "labyrinth"}, "Maze (maze) must be one of"),
])
def test_bad_settings_are_named(params, message):
    with pytest.raises(ParamError, match=re.escape(message)):
        run({"train_steps": 100, **params}, 0)


def test_shipped_sweep_matches_the_code_that_trains_agents():
    assert rl_sweep.load() is not None, (
        f"{rl_sweep.DATA_FILE.name} is stale or missing: run `python build.py` to retrain it, and commit it")
    data = rl_sweep.load()
    assert set(data["sweeps"]) == set(rl_sweep.SETTINGS["mazes"])
    assert all([d["depth"] for d in points] == rl_sweep.SETTINGS["depths"] for points in data["sweeps"].values())
    # Retrain one shipped point with the same code: same numbers (a tolerance, in case another
    # CPU's floating point flips a greedy tie somewhere).
    again = rl_sweep.one_agent("u-maze", 1, seed=1)
    shipped = next(s for s in data["sweeps"]["u-maze"][0]["per_seed"] if s["seed"] == 1)
    assert again["success_rate"] == pytest.approx(shipped["success_rate"], abs=0.05)
    assert again["success_by_distance"][2] == pytest.approx(shipped["success_by_distance"][2], abs=0.1)
    stored = rl_sweep.shipped_agent(S_params(maze="u-maze"), 1, 1)
    assert stored["metrics"]["success_rate"] == shipped["success_rate"]  # the drawn agent is the summarised one
    assert len(stored["view"]["value"]) == len(again["agent"]["view"]["value"])
    assert np.allclose(stored["view"]["value"], again["agent"]["view"]["value"], atol=0.05)


def test_shipped_sweep_is_the_mean_over_its_seeds():
    for points in rl_sweep.load()["sweeps"].values():
        for d in points:
            assert d["seeds"] == rl_sweep.SETTINGS["seeds"] and len(rl_sweep.SETTINGS["seeds"]) >= 3
            assert [s["seed"] for s in d["per_seed"]] == d["seeds"]
            assert d["success_rate"] == pytest.approx(np.mean([s["success_rate"] for s in d["per_seed"]]), abs=1e-4)
            for band in range(3):
                assert d["success_by_distance"][band] == pytest.approx(
                    np.mean([s["success_by_distance"][band] for s in d["per_seed"]]), abs=1e-4)


def test_page_claims_about_the_shipped_sweep_hold_on_every_seed():
    """The sentences in content/topics/thousand-layer-rl.md, checked against the data."""
    sweeps = rl_sweep.load()["sweeps"]
    far = lambda maze: {d["depth"]: [s["success_by_distance"][2] for s in d["per_seed"]] for d in sweeps[maze]}  # noqa: E731
    u = far("u-maze")
    assert round(max(u[1]), 2) <= 0.11  # "agents of 1 layer reach at most 11% of the farthest third"
    assert min(v for depth, values in u.items() if depth >= 4 for v in values) >= 0.15  # "every agent of 4 layers or more, at least 15%"
    mean = {d["depth"]: d["success_by_distance"][2] for d in sweeps["u-maze"]}
    assert mean[8] < mean[4] and mean[64] < mean[32]  # "dips at 8 and again at 64"
    assert max(max(v) - min(v) for v in u.values()) == pytest.approx(0.40, abs=0.02)  # "can differ by 40 points"
    assert round(max(v for values in far("zigzag").values() for v in values), 2) <= 0.28  # "no agent ... more than 28%"
    middle = {d["depth"]: d for d in sweeps["zigzag"]}
    assert round(middle[1]["success_by_distance"][1], 2) == 0.02 and round(middle[16]["success_by_distance"][1], 2) == 0.44
    assert round(min(s["success_by_distance"][1] for s in middle[16]["per_seed"]), 2) == 0.12
    baseline = T.Setting(M.Maze(M.PRESETS["u-maze"], "u-maze"), 0).baseline["success_by_distance"][2]
    assert round(baseline, 2) == 0.03  # "a random walk reaches 3%"


def test_shipped_sweep_shows_deeper_agents_reaching_farther_goals():
    points = rl_sweep.load()["sweeps"]["u-maze"]
    far = {d["depth"]: d["success_by_distance"][2] for d in points}
    near = {d["depth"]: d["success_by_distance"][0] for d in points}
    assert max(far[d] for d in far if d >= 16) > far[1] + 0.2  # the mechanism the page shows
    assert all(near[d] > 0.75 for d in near)  # near goals are easy at every depth


def test_page_setting_reads_the_shipped_sweep_and_others_do_not():
    shipped = run({"maze": "u-maze", "train_steps": 100}, 0)
    assert shipped["depth_sweep_source"] == {"where": "build", "train_steps": rl_sweep.SETTINGS["train_steps"],
                                             "seeds": rl_sweep.SETTINGS["seeds"]}
    assert [d["depth"] for d in shipped["depth_sweep"]] == rl_sweep.SETTINGS["depths"]
    assert "Computed at build time" in S.render(shipped) and "computed at build time" in S.table(shipped)["caption"]
    assert "the mean over seeds 0, 1, 2" in S.render(shipped) and "over seeds 0, 1, 2</title>" in S.render(shipped)
    other = run({"maze": "u-maze", "train_steps": 100, "width": 16}, 0)
    assert other["depth_sweep"] is None and "No shipped sweep" in S.render(other)


def test_stale_shipped_sweep_is_recomputed_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(rl_sweep, "DATA_FILE", tmp_path / "data" / "sweep.json")
    monkeypatch.setattr(rl_sweep, "SETTINGS", {**rl_sweep.SETTINGS, "mazes": ["open room"], "depths": [1, 2], "seeds": [0, 1],
                                               "train_steps": 90})
    assert rl_sweep.load() is None
    assert rl_sweep.ensure(log=lambda message: None) is True
    assert [d["depth"] for d in rl_sweep.load()["sweeps"]["open room"]] == [1, 2]
    assert rl_sweep.ensure(log=lambda message: None) is False  # current: nothing retrained
    monkeypatch.setitem(rl_sweep.SETTINGS, "train_steps", 100)  # a changed input makes it stale
    assert rl_sweep.load() is None
    assert list(rl_sweep.DATA_FILE.parent.iterdir()) == [rl_sweep.DATA_FILE]  # no partial file left


def test_heartbeats_between_evaluations_become_renderable_progress_frames(monkeypatch):
    monkeypatch.setattr(T, "HEARTBEAT", 0.0)  # a heartbeat after every step, as a slow browser would see
    frames = list(steps({"maze": "open room", "train_steps": 100, "depth": 1}, 3))
    progress = [f["progress"] for f in frames]
    assert len(frames) > 90 and progress == sorted(progress) and progress[-1] == 1.0
    assert all("success_rate" in f and "success_by_distance" in f for f in frames)
    assert "<svg" in S.render(frames[0])
    monkeypatch.setattr(T, "HEARTBEAT", 3.0)
    clear_all()
    assert run({"maze": "open room", "train_steps": 100, "depth": 1}, 3)["value"] == frames[-1]["value"]  # same training


def test_site_build_refreshes_a_stale_shipped_sweep(tmp_path, monkeypatch):
    from sitegen import shipped_data

    monkeypatch.setattr(rl_sweep, "DATA_FILE", tmp_path / "data" / "sweep.json")
    monkeypatch.setattr(rl_sweep, "SETTINGS", {**rl_sweep.SETTINGS, "mazes": ["open room"], "depths": [1], "seeds": [0], "train_steps": 90})
    messages = []
    shipped_data.refresh(log=messages.append)  # what `python build.py` runs before first frames
    assert rl_sweep.load() is not None and "stale" in messages[0]
    assert len(messages) == 2 and "1/1 agents" in messages[1] and "s left" in messages[1]  # progress per agent
    shipped_data.refresh(log=messages.append)
    assert len(messages) == 2  # current now: the build does not retrain


def test_a_setting_the_shipped_sweep_trained_is_drawn_from_its_agent_without_training(tmp_path, monkeypatch):
    """The build's grid frames (GRID) come from the sweep's stored agents: the result must be
    the one a fresh run computes, to the bit, and only settings the sweep trained have one."""
    monkeypatch.setattr(rl_sweep, "DATA_FILE", tmp_path / "data" / "sweep.json")
    monkeypatch.setattr(rl_sweep, "SETTINGS", {**rl_sweep.SETTINGS, "mazes": ["open room"], "depths": [1, 2], "seeds": [0],
                                               "train_steps": 100})
    rl_sweep.ensure(log=lambda message: None)
    cfg = S_params(maze="open room", depth=2, train_steps=100)
    shipped = bridge.shipped_frame("thousand_layer_rl", cfg, 0).result
    clear_all()
    with monkeypatch.context() as unshipped:
        unshipped.setattr(S, "_shipped_agent", lambda cfg, seed, depth: None)
        assert shipped == run(cfg, 0)  # trained again here, by the same code
    assert S.shipped_result(cfg, 1) is None  # a seed the sweep did not train
    assert S.shipped_result({**cfg, "depth": 4}, 0) is None
    assert S.shipped_result({**cfg, "goal": "0,0"}, 0) is None  # the stored view is at the automatic start and goal
    assert S.shipped_result({**cfg, "width": 16}, 0) is None


def test_a_live_sweep_reads_the_agents_the_shipped_sweep_trained(tmp_path, monkeypatch):
    """The live depth sweep at the shipped sweep's settings trains none of its depths again: the
    build draws the whole frame from the stored agents, and a reader's run trains only the agent
    it shows (whose start and goal can then move). Both equal the sweep trained from scratch."""
    monkeypatch.setattr(rl_sweep, "DATA_FILE", tmp_path / "data" / "sweep.json")
    monkeypatch.setattr(rl_sweep, "SETTINGS", {**rl_sweep.SETTINGS, "mazes": ["open room"], "depths": [1, 2, 4], "seeds": [0],
                                               "train_steps": 100})
    monkeypatch.setattr(S, "SWEEP_DEPTHS", (1, 2, 4))
    rl_sweep.ensure(log=lambda message: None)
    cfg = S_params(maze="open room", depth=2, train_steps=100, sweep=True)
    clear_all()
    with monkeypatch.context() as unshipped:
        unshipped.setattr(S, "_shipped_agent", lambda cfg, seed, depth: None)
        trained = run(cfg, 0)
    clear_all()
    trains = []
    real_train = T.train
    with monkeypatch.context() as counted:
        counted.setattr(T, "train", lambda setting, width, depth, *rest: trains.append(depth) or real_train(setting, width, depth, *rest))
        assert bridge.shipped_frame("thousand_layer_rl", cfg, 0).result == trained and trains == []
        assert run(cfg, 0) == trained and trains == [2]
    assert S.shipped_result({**cfg, "train_steps": 90}, 0) is None  # not what the sweep trained


def test_grid_is_every_shipped_agent_and_depth_moves_over_the_sweep_depths():
    from simulators import REGISTRY

    sim = REGISTRY["thousand_layer_rl"]
    assert sim.grid == {"maze": rl_sweep.SETTINGS["mazes"], "depth": rl_sweep.SETTINGS["depths"], "seed": rl_sweep.SETTINGS["seeds"]}
    depth = next(p for p in S.PARAMS if p["name"] == "depth")
    assert depth["values"] == rl_sweep.SETTINGS["depths"]
    stored = {(a["maze"], a["depth"], a["seed"]) for a in rl_sweep.load()["agents"]}
    assert stored == {(m, d, s) for m in sim.grid["maze"] for d in sim.grid["depth"] for s in sim.grid["seed"]}
    with pytest.raises(ParamError, match=re.escape("Depth (layers) (depth) must be one of 1, 2, 4, 8, 16, 32 or 64, got 5")):
        run({"depth": 5}, 0)


def S_params(**given) -> dict:
    from simulators.kit import params as P

    return P.validate(S.PARAMS, given)


def test_every_setting_one_click_from_the_page_is_shipped_so_the_build_trains_no_agent():
    """The page's own setting, its GRID and its one-click settings (other mazes, residual off,
    neighbouring depths, the live sweep) all come from shipped agents: a cold build trains none."""
    from simulators import REGISTRY
    from sitegen.first_frames import grid_settings, one_click_settings

    assert rl_sweep.load_neighbours() is not None, (
        f"{rl_sweep.NEIGHBOURS_FILE.name} is stale or missing: run `python build.py` to retrain it, and commit it")
    sim = REGISTRY["thousand_layer_rl"]
    page = S_params()
    network = {k: v for k, v in rl_sweep.NEIGHBOURS["network"].items() if k != "seed"}
    assert {k: page[k] for k in network} == network  # the shipped neighbours are the page's
    settings = grid_settings(sim.grid, page, 0) + [(values, 0) for values in one_click_settings(sim.params, page)]
    missing = [values for values, seed in settings if S.shipped_result(S_params(**values), seed) is None]
    assert missing == []
    assert S.shipped_result(S_params(maze="random", maze_seed=1), 0) is None  # another random maze is trained


def test_a_shipped_neighbour_is_the_agent_a_fresh_run_trains(tmp_path, monkeypatch):
    monkeypatch.setattr(rl_sweep, "NEIGHBOURS_FILE", tmp_path / "neighbours.json")
    monkeypatch.setattr(rl_sweep, "NEIGHBOURS", {"network": {**rl_sweep.NEIGHBOURS["network"], "train_steps": 100},
                                                 "agents": [{"maze": "random"}, {"maze": "open room", "residual": False}]})
    messages = []
    assert rl_sweep.ensure_neighbours(log=messages.append) is True and "2 agents" in messages[0]
    assert rl_sweep.ensure_neighbours(log=messages.append) is False  # current: nothing retrained
    for given in ({"maze": "random"}, {"maze": "open room", "residual": False}):
        cfg = S_params(**given, train_steps=100)
        shipped = bridge.shipped_frame("thousand_layer_rl", cfg, 0).result
        clear_all()
        with monkeypatch.context() as unshipped:
            unshipped.setattr(S, "_shipped_agent", lambda cfg, seed, depth: None)
            assert shipped == run(cfg, 0)  # trained again here, by the same code: to the bit
    assert S.shipped_result(S_params(maze="random", train_steps=100), 1) is None  # a seed not shipped



def test_the_shipped_page_agent_is_current_and_restores_to_the_agent_a_fresh_run_trains(monkeypatch):
    """The page's agent ships its weights (sweep.PAGE_AGENT): the file is current and holds what
    a fresh training gives, and a start or goal change at the page's setting restores the agent
    from it, no training, to the frame the trained agent draws. (One training of the page's
    agent, about 18 s, serves both checks.)"""
    shipped = rl_sweep.load_page_agent()
    assert shipped is not None  # current for this code (the build trains it again when stale)
    defaults = S_params()  # the page's agent is the simulator's defaults
    assert all(defaults[k] == v for k, v in shipped["settings"].items() if k != "seed") and shipped["settings"]["seed"] == 0
    cfg = S_params(start="0,0", goal="4,4")
    with monkeypatch.context() as unshipped:
        unshipped.setattr(rl_sweep, "page_agent_weights", lambda cfg, depth, seed: None)
        trained = run(cfg, 0)  # trained here, by the same code
    agent, curves, metrics = S._AGENTS[S._key(cfg, 0, cfg["depth"])]
    weights, shipped_curves, shipped_metrics = rl_sweep.page_agent_weights(cfg, cfg["depth"], 0)
    # The same training, to rounding: a CPU whose BLAS and NumPy kernels differ from the one that
    # trained the file (AVX-512 against AVX2, say) rounds differently in the last bits (1e-15 seen).
    np.testing.assert_allclose(agent.optimizer.params, weights, rtol=0, atol=1e-9)
    assert_close((curves, metrics), (shipped_curves, shipped_metrics), rel=1e-9, abs=1e-12)
    clear_all()
    trainings = []
    train = S._train
    monkeypatch.setattr(S, "_train", lambda *args: trainings.append(args[2]) or train(*args))
    assert_close(run(cfg, 0), trained, rel=1e-9, abs=1e-12)  # restored: every path and count, floats to rounding
    assert trainings == []
    assert S.WARM_UP(S_params(), 0) is False  # nothing for the page to warm up
    assert S.WARM_UP(S_params(), 1) is True  # another seed's agent ships no weights


def test_a_stale_page_agent_is_trained_again(tmp_path, monkeypatch):
    monkeypatch.setattr(rl_sweep, "PAGE_AGENT_FILE", tmp_path / "page_agent.json")
    monkeypatch.setattr(rl_sweep, "PAGE_AGENT", {**rl_sweep.PAGE_AGENT, "train_steps": 100})
    messages = []
    assert rl_sweep.ensure_page_agent(log=messages.append) is True and "training the page's agent" in messages[0]
    assert rl_sweep.ensure_page_agent(log=messages.append) is False  # current: nothing retrained
    assert rl_sweep.page_agent_weights(S_params(train_steps=100), 4, 0) is not None
    assert rl_sweep.page_agent_weights(S_params(), 4, 0) is None  # the page's own steps: not this agent
    assert rl_sweep.page_agent_weights(S_params(train_steps=100), 4, 1) is None  # another seed
