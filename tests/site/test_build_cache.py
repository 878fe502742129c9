"""Builds reuse what has not changed: first frames and KaTeX output from the on-disk cache, the
runtime by hard link, and a site that is already current is left alone. Whatever changed, and
only that, is computed again; a damaged cache entry is recomputed, never served."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from simulators import REGISTRY, bridge
from simulators.kit import params as P
from sitegen import driver, first_frames, frame_key, frontmatter, mathtex
from sitegen.disk_cache import DiskCache
from sitegen.errors import BuildFailed
from sitegen.frame_pool import BUILD_CACHE_SCALE, FramePool
from sitegen.pipeline import build, default_options
from sitegen.vendor import cache_dir

from build_process_probe import names_of, process_of
from conftest import PROJECT_ROOT

NN_USERS = {"diffusion", "gated_attention", "passk", "superposition", "thousand_layer_rl"}


@pytest.fixture(scope="module")
def cold(tmp_path_factory, built_site):
    """The real content built into a private cache that then holds exactly what that build
    used: (cache folder, site folder). Each entry it misses is copied from the session build's
    cache (`built_site` made them all), with the frame timings that decide which one-click
    frames ship, so no simulator runs twice in the suite (a cold build of its own took 50-90 s
    of one test worker's time). What the tests below check starts from this cache either way."""
    root = tmp_path_factory.mktemp("cold")
    site, private, shared = root / "site", root / "cache", cache_dir()
    (private / "frames").mkdir(parents=True)
    shutil.copy(shared / "frames" / first_frames.TIMINGS, private / "frames" / first_frames.TIMINGS)
    read = DiskCache.get

    def read_through(self, key):
        hit = read(self, key)
        if hit is None and self.folder.parent == private:
            hit = read(DiskCache(shared / self.folder.name), key)
            if hit is not None:
                self.put(key, hit[0], **hit[1])
        return hit

    DiskCache.get = read_through
    try:
        build(_options(private, site))
    finally:
        DiskCache.get = read
    return private, site


def _options(cache: Path, out: Path, content: Path | None = None):
    options = default_options(PROJECT_ROOT, out)
    options.build_cache = cache
    options.content_dir = content or PROJECT_ROOT / "content"
    options.log = lambda message: None
    return options


@pytest.fixture
def cache_copy(cold, tmp_path) -> Path:
    """A private copy of the warm cache that a test may damage."""
    shutil.copytree(cold[0], tmp_path / "cache")
    return tmp_path / "cache"


@pytest.fixture
def runs(monkeypatch):
    """Record the simulators each build runs (the one place first frames are computed) and
    every formula sent to KaTeX."""
    seen = {"simulators": [], "formulas": []}
    compute, render_math = first_frames.compute_frames, mathtex.render_all

    def recording_compute(jobs, estimates, log=print, what="first frames", pool=None, later=(), then=None):
        seen["simulators"] += sorted(job.name for job in [*jobs, *later])

        def recording_then(index, outcome):
            more = then(index, outcome)
            seen["simulators"] += sorted(job.name for job in more or [])
            return more

        return compute(jobs, estimates, log, what, pool, later, recording_then if then else None)

    def recording_math(spans, katex_js):
        seen["formulas"] += [span.tex for span in spans]
        return render_math(spans, katex_js)

    monkeypatch.setattr(first_frames, "compute_frames", recording_compute)
    monkeypatch.setattr(mathtex, "render_all", recording_math)
    return seen


def pages(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*.html"))}


def test_a_warm_build_runs_no_simulator_and_no_katex_and_writes_the_same_site(cold, cache_copy, runs, tmp_path):
    build(_options(cache_copy, tmp_path / "site"))
    assert runs == {"simulators": [], "formulas": []}
    assert pages(tmp_path / "site") == pages(cold[1])  # cached frames and formulas give the very same pages


def test_editing_a_simulator_recomputes_its_frame_and_no_other(cache_copy, runs, monkeypatch, tmp_path):
    digest = frame_key.file_digest
    passk = PROJECT_ROOT / "simulators" / "passk.py"
    monkeypatch.setattr(frame_key, "file_digest", lambda path: digest(path) + ("edited" if path == passk else ""))
    build(_options(cache_copy, tmp_path / "site"))
    # The page's frame and those of its experiments (which run the same code), and nothing else.
    assert set(runs["simulators"]) == {"passk"} and len(runs["simulators"]) > 1
    runs["simulators"].clear()
    build(_options(cache_copy, tmp_path / "site"))  # and the new frames are cached in turn
    assert runs["simulators"] == []


def test_editing_a_kit_file_changes_the_keys_of_exactly_the_simulators_that_import_it(monkeypatch):
    def keys():
        return {name: frame_key.frame_key(sim, sim.defaults(), 0) for name, sim in REGISTRY.items()}

    before = keys()
    digest = frame_key.file_digest
    nn = PROJECT_ROOT / "simulators" / "kit" / "nn.py"
    monkeypatch.setattr(frame_key, "file_digest", lambda path: digest(path) + ("edited" if path == nn else ""))
    after = keys()
    assert {name for name in REGISTRY if before[name] != after[name]} == NN_USERS


def test_keys_follow_params_seed_and_shipped_data(monkeypatch):
    sim = REGISTRY["thousand_layer_rl"]
    base = frame_key.frame_key(sim, sim.defaults(), 0)
    assert frame_key.frame_key(sim, sim.defaults(), 1) != base
    assert frame_key.frame_key(sim, {**sim.defaults(), "depth": 2}, 0) != base
    data = PROJECT_ROOT / "simulators" / "thousand_layer_rl" / "data" / "depth_sweep.json"
    assert data in frame_key.dependencies(sim)
    digest = frame_key.file_digest
    monkeypatch.setattr(frame_key, "file_digest", lambda path: digest(path) + ("new" if path == data else ""))
    assert frame_key.frame_key(sim, sim.defaults(), 0) != base


def test_a_changed_param_recomputes_that_page_only(cache_copy, runs, content_copy, tmp_path):
    topic = content_copy / "topics" / "rlvr-reasoning.md"
    text = topic.read_text()
    assert "seed: 0" in text
    topic.write_text(text.replace("seed: 0", "seed: 7", 1))  # a seed no experiment on the page uses
    build(_options(cache_copy, tmp_path / "site", content_copy))
    assert runs["simulators"] == ["passk"]


def test_a_page_whose_setting_its_simulator_refuses_computes_nothing_more(cache_copy, runs, content_copy, tmp_path):
    """The refusal comes from the simulator's own check, at the page's first frame: neither its
    precomputed settings nor its experiments (which start from the page's values) begin, so the
    author hears of it at once."""
    topic = content_copy / "topics" / "superposition-scaling.md"
    topic.write_text(topic.read_text().replace("  name: superposition\n", "  name: superposition\n  params: {m_dims: 50, n_features: 40}\n", 1))
    with pytest.raises(BuildFailed) as failed:
        build(_options(cache_copy, tmp_path / "site", content_copy))
    assert [error.field for error in failed.value.errors] == ["simulator.params.m_dims"]
    assert runs["simulators"] == ["superposition"]


def test_a_damaged_frame_entry_is_recomputed_not_served(cache_copy, runs, tmp_path):
    cache = DiskCache(cache_copy / "frames")
    sim = REGISTRY["passk"]
    key = frame_key.frame_key(sim, _page_values("rlvr-reasoning"), 0)
    entry = cache.folder / key[:2] / f"{key}.json"
    good = entry.read_text()
    entry.write_text(good[: len(good) // 2])  # a write cut short
    build(_options(cache_copy, tmp_path / "site"))
    assert runs["simulators"] == ["passk"]
    assert json.loads(entry.read_text())["sha256"]  # whole again
    # a payload that does not match its checksum is refused the same way
    stored = json.loads(entry.read_text())
    stored["payload"] = stored["payload"].replace("<svg", "<svg data-tampered", 1)
    entry.write_text(json.dumps(stored))
    assert cache.get(key) is None and not entry.exists()


def _page_values(slug: str) -> dict:
    spec = frontmatter.split((PROJECT_ROOT / "content" / "topics" / f"{slug}.md").read_text()).data["simulator"]
    return P.validate(REGISTRY[spec["name"]].params, spec.get("params"))


def test_a_new_formula_is_the_only_one_sent_to_katex(cache_copy, runs, content_copy, tmp_path):
    topic = content_copy / "topics" / "superposition-scaling.md"
    topic.write_text(topic.read_text() + "\nA new formula: $\\zeta(3) \\approx 1.202$.\n")
    build(_options(cache_copy, tmp_path / "site", content_copy))
    assert runs["formulas"] == ["\\zeta(3) \\approx 1.202"]
    assert "katex" in (tmp_path / "site" / "superposition-scaling" / "index.html").read_text().split("A new formula:")[1][:400]


def test_the_runtime_is_linked_from_the_download_cache_not_copied(cold):
    cached = {p.name: p for p in cache_dir().glob("pyodide/*/*") if p.is_file()}
    [site_runtime] = (cold[1] / "static").glob("pyodide-*")
    if os.stat(site_runtime).st_dev != os.stat(cache_dir()).st_dev:
        pytest.skip("the site and the cache are on different file systems: the runtime is copied")
    for shipped in site_runtime.iterdir():
        assert os.path.samefile(shipped, cached[shipped.name]), shipped.name


def test_a_current_site_is_left_alone_until_an_input_or_an_output_changes(content_copy, tmp_path):
    request = driver.Request(out_dir=tmp_path / "site", content_dir=content_copy, quiet=True)
    assert not driver.run(request).skipped
    assert driver.run(request).skipped
    (tmp_path / "site" / "index.html").write_text("damaged")  # an output touched
    assert not driver.run(request).skipped
    assert "damaged" not in (tmp_path / "site" / "index.html").read_text()
    topic = content_copy / "topics" / "gated-attention.md"
    topic.write_text(topic.read_text() + "\nOne more sentence.\n")  # an input edited
    rebuilt = driver.run(request)
    assert rebuilt.ok and not rebuilt.skipped
    assert "One more sentence." in (tmp_path / "site" / "gated-attention" / "index.html").read_text()
    assert driver.run(dataclasses.replace(request, force=True)).skipped is False


def test_settings_that_differ_only_in_view_only_controls_are_computed_together():
    """Two heads of one gated-attention training are one group, which one process computes in
    turn (the second head from the first's training, in the simulator's own cache); each frame
    is still the one the setting gives alone."""
    def job(name, seed, **values):
        quick = REGISTRY[name].cheap_params  # small in-range settings
        return first_frames.Job(name, None, P.validate(REGISTRY[name].params, {**quick, **values}), seed)

    jobs = [job("gated_attention", 1, head=1), job("passk", 0), job("gated_attention", 2, head=1),
            job("gated_attention", 1, head=2), job("gated_attention", 1, head=2, train_steps=50)]
    assert first_frames._siblings(jobs) == [[0, 3], [1], [2], [4]]
    lines = []
    outcomes = first_frames.compute_frames(jobs, {}, log=lines.append)
    # The terminal says what was computed, then each job with its own time (which settings are slow).
    assert lines[0].startswith("first frames: computing 5 (gated_attention 4, passk) in ")
    shown = sorted(re.sub(r"[\d.]+ s \(\d/5, [\d.]+ s\)$", "t", line) for line in lines[1:])
    quick = "train_length=8, train_steps=25"  # the cheap settings, away from the simulator's defaults
    assert shown == [f"  gated_attention (head=2, {quick}, seed 1) done in t",
                     "  gated_attention (head=2, train_length=8, train_steps=50, seed 1) done in t",
                     f"  gated_attention ({quick}, seed 1) done in t", f"  gated_attention ({quick}, seed 2) done in t",
                     "  passk (n_problems=20, samples=32, rl_steps=20, distill_steps=20, seed 0) done in t"]
    for one, (payload, _) in zip(jobs, outcomes):
        assert json.loads(payload) == json.loads(bridge.frame(one.name, one.values, one.seed).to_json())


def test_a_build_process_takes_the_jobs_of_a_seed_it_has_computed_before():
    """The build's processes live through its phases; a later job of one simulator at one seed
    goes where that seed ran (its work is in that process's caches), and a process keeps more
    there than a browser tab does."""
    first, later = {}, {}
    with FramePool(2) as pool:
        pool.run(process_of, [(("sim", None, 1), 1.0, ["a"]), (("sim", None, 2), 1.0, ["b"])], first.__setitem__)
        # The longest job is of a seed neither process has seen, the next longest of the second
        # process's seed: each process first takes its own seed's job.
        pool.run(process_of, [(("sim", None, 3), 9.0, ["c"]), (("sim", None, 1), 1.0, ["d"]), (("sim", None, 2), 5.0, ["e"])],
                 later.__setitem__)
    assert first[0][0] != first[1][0]
    assert later[1][0] == first[0][0] and later[2][0] == first[1][0]
    assert {scale for _, scale in [*first.values(), *later.values()]} == {BUILD_CACHE_SCALE}


def test_a_finished_job_may_add_more_and_a_lower_rank_begins_first():
    """One process, so the order is the scheduler's alone: the rank-0 group first, then the
    longest; a finished job's added group of rank 0 goes ahead of the rank-1 groups waiting;
    once the caller says stop, only rank-0 groups begin."""
    ran = []
    added = {"b": [(("sim", None, 4), 0.1, ["d"], 0)], "c": [(("sim", None, 5), 0.1, ["e"], 0), (("sim", None, 6), 9.0, ["f"], 1)]}

    def done(index, names):
        ran.extend(names)
        return added.get(names[0])

    with FramePool(1) as pool:
        pool.run(names_of, [(("sim", None, 1), 1.0, ["a"], 1), (("sim", None, 2), 0.5, ["b"], 0), (("sim", None, 3), 2.0, ["c"], 1)],
                 done, keep_going=lambda: "c" not in ran)
    assert ran == ["b", "d", "c", "e"]


def test_a_pages_further_settings_begin_while_another_first_frame_is_computed():
    """No phase waits for another's slowest job: the follow-ups a quick first frame adds (its
    page's one-click settings, in a build) are computed by the process it freed while a slow
    first frame still runs in the other; their frames equal the simulator's."""
    quick = first_frames.Job("passk", None, P.validate(REGISTRY["passk"].params, REGISTRY["passk"].cheap_params), 0)
    slow = first_frames.Job("gated_attention", None, P.validate(REGISTRY["gated_attention"].params, {"train_steps": 200}), 0)
    more = [dataclasses.replace(quick, seed=seed) for seed in (1, 2)]
    lines = []
    with FramePool(2) as pool:
        outcomes = first_frames.compute_frames([slow, quick], {"gated_attention": 9.0, "passk": 0.1}, log=lines.append, pool=pool,
                                               then=lambda index, outcome: more if index == 1 else [])
    progress = [line for line in lines if re.search(r"\(\d/\d, ", line)]  # the count grows as jobs are added
    assert len(progress) == 4 and progress[-1].startswith("  gated_attention"), lines  # the slow first frame ended last
    assert "then 2 (passk 2)" in "\n".join(lines)
    for job, (payload, _) in zip([slow, quick, *more], outcomes):
        assert json.loads(payload) == json.loads(bridge.frame(job.name, job.values, job.seed).to_json())


def test_after_a_refused_first_frame_only_first_frames_begin():
    """A first frame refused: the other first frames are still computed (each refusal is
    reported at once), and no later job begins."""
    jobs = [first_frames.Job("passk", None, P.validate(REGISTRY["passk"].params, REGISTRY["passk"].cheap_params), seed) for seed in range(4)]
    with FramePool(1) as pool:  # one process, not started: the jobs run here in turn
        outcomes = first_frames.compute_frames(jobs[:2], {}, log=lambda line: None, pool=pool, later=jobs[2:],
                                               then=lambda index, outcome: None)
        assert not pool.started
    assert None not in outcomes[:2] and outcomes[2:] == [None, None]


def test_with_a_build_processs_caches_a_setting_of_the_same_seed_reads_the_trainings_it_shares(monkeypatch):
    """Diffusion: a change to the high-dimensional model alone, after the page's setting at that
    seed, trains no 2-D model again (the caches keep both settings' work, as in a build process)."""
    from simulators import diffusion
    from simulators.kit import cache

    monkeypatch.setattr(cache, "_SCALE", [BUILD_CACHE_SCALE])
    trained = []
    train = diffusion._training
    monkeypatch.setattr(diffusion, "_training", lambda cfg, seed, n: trained.append(n) or train(cfg, seed, n))
    values = P.validate(diffusion.PARAMS, diffusion.CHEAP_PARAMS)
    bridge.frame("diffusion", values, 0)
    assert trained == [8, 16]
    # Two other data sets' trainings between: more than a browser's cache keeps beside the first.
    for other in ({"theory_dim": 8}, {"dataset": "ring of 8"}, {"dataset": "grid of 9"}, {"theory_features": 128}):
        bridge.frame("diffusion", {**values, **other}, 0)
    assert trained == [8, 16] * 3  # the other data sets' own sizes only


def test_a_single_missing_frame_is_computed_in_the_build_process_without_starting_the_pool():
    """An edit that changes one page's setting needs one frame: spawning the build's processes
    (each importing NumPy and the simulators) would cost more than the frame."""
    job = first_frames.Job("passk", None, P.validate(REGISTRY["passk"].params, REGISTRY["passk"].cheap_params), 0)
    with FramePool(2) as pool:
        [(payload, _)] = first_frames.compute_frames([job], {}, log=lambda line: None, pool=pool)
        assert not pool.started
    assert json.loads(payload) == json.loads(bridge.frame("passk", job.values, 0).to_json())
