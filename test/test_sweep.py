# Copyright 2026 jaco_prog maintainers
# SPDX-License-Identifier: Apache-2.0
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""jaco-prog sweep: spec parsing and sampling, the local process pool (resume, skip, failure), Ray Tune, CLI."""
from __future__ import annotations

import csv
import math
import sys

import pytest
import yaml

from jaco_prog import cli
from jaco_prog.config import ConfigError
from jaco_prog.errors import UserError
from jaco_prog.sweep import Trial, TrialResult, expand_spec, grid_points, parse_seeds, run_trials, sample_space

# a toy-task A2C run of a few thousand steps: seconds, no MuJoCo
TOY = dict(task="toy", inputs="proprio", arch="ff", algo="a2c", envs=8, optimizer="adam", lr=3e-3, gamma=0.5,
           n_steps=5, total_steps=2000, checkpoint_every=1000)
PAPER = {"lr": {"distribution": "loguniform", "low": 5e-5, "high": 5e-3},
         "entropy_coef": {"distribution": "loguniform", "low": 1e-5, "high": 1e-2}}


# --- spec parsing and sampling ----------------------------------------------------------------------------

def test_loguniform_samples_lie_within_bounds_and_spread_on_a_log_scale():
    points = sample_space(PAPER, 400, seed=0)
    assert len(points) == 400
    lrs = [p["lr"] for p in points]
    assert all(5e-5 <= lr <= 5e-3 for lr in lrs)
    assert all(1e-5 <= p["entropy_coef"] <= 1e-2 for p in points)
    logs = [math.log10(lr) for lr in lrs]  # uniform on [-4.3, -2.3]: each decade holds about half
    low_decade = sum(x < -3.301 for x in logs) / len(logs)
    assert 0.4 < low_decade < 0.6
    assert sum(logs) / len(logs) == pytest.approx(-3.301, abs=0.1)
    assert min(lrs) < 1e-4 and max(lrs) > 2.5e-3  # reaches both ends, not bunched near the top like uniform


def test_sampling_is_deterministic_for_a_seed():
    assert sample_space(PAPER, 5, seed=3) == sample_space(PAPER, 5, seed=3)
    assert sample_space(PAPER, 5, seed=3) != sample_space(PAPER, 5, seed=4)
    choice = sample_space({"optimizer": {"distribution": "choice", "values": ["adam", "rmsprop"]},
                           "n_steps": {"distribution": "uniform", "low": 5, "high": 40}}, 50, seed=1)
    assert {p["optimizer"] for p in choice} == {"adam", "rmsprop"}
    assert all(isinstance(p["n_steps"], int) and 5 <= p["n_steps"] <= 40 for p in choice)


def test_grid_times_random_times_seeds():
    spec = {"base": {"task": "toy", "total_steps": "20000"}, "grid": {"column": ["wide", "narrow"]},
            "random": PAPER, "samples": 3, "seeds": "0-4"}
    trials = expand_spec(spec)
    assert len(trials) == 2 * 3 * 5
    assert len({t.name for t in trials}) == len(trials)
    assert all(t.overrides["task"] == "toy" and t.overrides["total_steps"] == 20000 for t in trials)
    assert {t.overrides["seed"] for t in trials} == {0, 1, 2, 3, 4}
    assert len({(t.overrides["column"], t.overrides["lr"]) for t in trials}) == 6
    assert expand_spec(spec) == trials  # the same spec, the same trials (and names): a rerun resumes them
    expected = [{"lr": 1e-4, "algo": "a2c"}, {"lr": 3e-4, "algo": "a2c"}]
    assert grid_points({"lr": ["1e-4", 3e-4], "algo": ["a2c"]}) == expected
    assert parse_seeds("0-2,7") == [0, 1, 2, 7] and parse_seeds([3]) == [3]
    assert [t.name for t in expand_spec({"base": {"task": "toy"}})] == ["t000"]


@pytest.mark.parametrize("spec, field", [
    ({"grid": {"learning_rate": [1e-3]}}, "grid.learning_rate"),
    ({"random": {"lr": {"distribution": "lognormal", "low": 1e-4, "high": 1e-3}}, "samples": 2},
     "random.lr.distribution"),
    ({"random": {"lr": {"distribution": "loguniform", "low": 0.0, "high": 1e-3}}, "samples": 2}, "random.lr.low"),
    ({"random": {"lr": {"distribution": "uniform", "low": 1e-2, "high": 1e-3}}, "samples": 2}, "random.lr"),
    ({"random": {"column": {"distribution": "uniform", "low": 1, "high": 2}}, "samples": 2}, "random.column"),
    ({"random": PAPER}, "samples"),
    ({"base": {"lr": "fast"}}, "base.lr"),
    ({"base": {"run_dir": "x"}}, "base.run_dir"),
    ({"grid": {"seed": [1, 2]}, "seeds": [0]}, "seeds"),
    ({"seeds": "3-1"}, "seeds"),
    ({"grids": {}}, "grids: unknown key"),
])
def test_spec_errors_name_the_field(spec, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        expand_spec(spec)


def test_trial_names_and_fields_are_checked(tmp_path):
    with pytest.raises(ConfigError, match="learning_rate"):
        run_trials([Trial("a", {"learning_rate": 1e-3})], tmp_path / "s", progress=False)
    with pytest.raises(ConfigError, match="used twice"):
        run_trials([Trial("a", TOY), Trial("a", TOY)], tmp_path / "s", progress=False)
    with pytest.raises(ConfigError, match="names must"):
        run_trials([Trial("../escape", TOY)], tmp_path / "s", progress=False)
    assert not (tmp_path / "s").exists()


def test_episode_tail_reads_only_what_was_appended(tmp_path):
    from jaco_prog.sweep.results import EpisodeTail, episode_returns, final_return

    csv_path = tmp_path / "episodes.csv"
    csv_path.write_text("global_step,wall_time,worker,episode,return,length,success,terminated\n"
                        + "".join(f"{10 * i},0,0,{i},{i},10,1,0\n" for i in range(1, 6)))
    tail = EpisodeTail(tmp_path, window=3)
    assert tail.mean() == pytest.approx(4.0) and tail.count == 5
    with open(csv_path, "a") as f:
        f.write("60,0,0,6,6,10,1,0\n70,0,0,7,7")  # the last row is still being written
    assert tail.mean() == pytest.approx(5.0) and tail.count == 6
    with open(csv_path, "a") as f:
        f.write(",10,1,0\n")
    assert tail.mean() == pytest.approx(6.0) and tail.count == 7
    assert final_return(episode_returns(tmp_path), 3) == pytest.approx(6.0)
    csv_path.write_text(csv_path.read_text().splitlines()[0] + "\n10,0,0,1,2,10,1,0\n")  # a resume truncated it
    assert tail.mean() == pytest.approx(2.0) and tail.count == 1


# --- the local engine ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def local_sweep(tmp_path_factory):
    """Three trials, two at a time: `resumed` was interrupted at step 1000 of 2000, `fresh` starts from
    nothing, `broken` asks for a checkpoint that does not exist."""
    from jaco_prog.learning import load_train_config, train
    from jaco_prog.paths import config_path

    out = tmp_path_factory.mktemp("sweep")
    trials = [Trial("resumed", dict(TOY, seed=0)), Trial("fresh", dict(TOY, seed=1)),
              Trial("broken", dict(TOY, mode="progressive", from_checkpoint=str(out / "missing.pt")))]
    # what an interrupted trial leaves: a checkpoint short of total_steps (same configuration otherwise)
    train(load_train_config([config_path("train.yaml")],
                            dict(TOY, seed=0, total_steps=1000, progress=False, run_dir=str(out / "resumed"))))
    first_rows = (out / "resumed" / "episodes.csv").read_text().splitlines()
    results = run_trials(trials, out, parallel=2, progress=False)
    return out, trials, results, first_rows


def test_local_pool_runs_resumes_and_reports_a_failure(local_sweep):
    from jaco_prog.sweep.results import checkpoint_step

    out, trials, results, first_rows = local_sweep
    by_name = {r.name: r for r in results}
    assert [r.name for r in results] == ["resumed", "fresh", "broken"]
    for name in ("resumed", "fresh"):
        r = by_name[name]
        assert r.status == "done" and r.error is None
        assert r.run_dir == str(out / name) and checkpoint_step(out / name) >= 2000
        assert r.final_return is not None and 0 < r.final_return <= 10  # toy episodes: 10 steps, reward <= 1
        assert r.episodes >= 150
    resumed_rows = (out / "resumed" / "episodes.csv").read_text().splitlines()
    assert resumed_rows[:len(first_rows)] == first_rows  # continued, not restarted
    assert by_name["resumed"].resumed_at == [1000] and by_name["fresh"].resumed_at == []
    broken = by_name["broken"]
    assert broken.status == "failed" and "missing.pt" in broken.error and "\n" not in broken.error
    assert broken.final_return is None and broken.overrides["mode"] == "progressive"
    assert (out / "_logs" / "broken.log").is_file()

    with open(out / "results.csv", newline="") as f:
        rows = {row["name"]: row for row in csv.DictReader(f)}
    assert set(rows) == {"resumed", "fresh", "broken"}
    assert float(rows["fresh"]["final_return"]) == pytest.approx(by_name["fresh"].final_return, rel=1e-5)
    assert rows["fresh"]["seed"] == "1" and rows["fresh"]["lr"] == "0.003" and rows["broken"]["status"] == "failed"
    assert rows["resumed"]["resumed_at"] == "1000" and rows["fresh"]["resumed_at"] == ""
    assert (out / "sweep.yaml").is_file()


def test_rerun_skips_finished_trials_and_refuses_changed_ones(local_sweep):
    out, trials, results, _ = local_sweep
    done = [t for t in trials if t.name != "broken"]
    stamps = {t.name: (out / t.name / "checkpoint.pt").stat().st_mtime_ns for t in done}
    again = run_trials(done, out, parallel=2, progress=False)
    assert [r.status for r in again] == ["done", "done"]
    assert {t.name: (out / t.name / "checkpoint.pt").stat().st_mtime_ns for t in done} == stamps  # not retrained
    assert [r.final_return for r in again] == [r.final_return for r in results[:2]]
    with pytest.raises(UserError, match="fresh"):  # same name, other values: refused, nothing touched
        run_trials([Trial("fresh", dict(TOY, seed=1, lr=1e-4))], out, progress=False)
    assert {t.name: (out / t.name / "checkpoint.pt").stat().st_mtime_ns for t in done} == stamps


def test_a_changed_training_default_is_refused_unless_every_trial_sets_it(tmp_path, monkeypatch):
    """config/train.yaml edited under a sweep: finished trials would be read back beside new ones trained
    differently, so the out dir refuses; a default every trial overrides does not matter."""
    from jaco_prog.sweep import engine

    trials = [Trial("a", dict(TOY, seed=0)), Trial("b", dict(TOY, seed=1))]
    engine.record_sweep(tmp_path, trials, {}, [], 100, None)
    recorded = yaml.safe_load((tmp_path / "sweep.yaml").read_text())["training_defaults"]
    assert recorded == engine.training_defaults() and "run_dir" not in recorded
    engine.record_sweep(tmp_path, trials, {}, [], 100, None)  # nothing changed: fine
    changed = dict(recorded, value_coef=recorded["value_coef"] * 2, seed=recorded["seed"] + 1)
    monkeypatch.setattr(engine, "training_defaults", lambda: changed)
    with pytest.raises(UserError, match="value_coef"):
        engine.record_sweep(tmp_path, trials + [Trial("c", dict(TOY, seed=2))], {}, [], 100, None)
    names = [t["name"] for t in yaml.safe_load((tmp_path / "sweep.yaml").read_text())["trials"]]
    assert names == ["a", "b"]  # refused before anything was written
    monkeypatch.setattr(engine, "training_defaults", lambda: dict(recorded, seed=recorded["seed"] + 1))
    engine.record_sweep(tmp_path, trials, {}, [], 100, None)  # every trial sets its seed: the default is moot
    monkeypatch.setattr(engine, "training_defaults", lambda: dict(recorded, a_field_added_since=3))
    engine.record_sweep(tmp_path, trials, {}, [], 100, None)  # a new field: the old trials ran as its default
    monkeypatch.setattr(engine, "training_defaults", lambda: recorded)
    unset = [Trial("x", dict(TOY, preset=None))]  # None means "the default" to load_train_config, not a value
    engine.record_sweep(tmp_path / "unset", unset, {}, [], 100, None)
    monkeypatch.setattr(engine, "training_defaults", lambda: dict(recorded, preset="real_proxy"))
    with pytest.raises(UserError, match="preset: None -> 'real_proxy'"):
        engine.record_sweep(tmp_path / "unset", unset, {}, [], 100, None)
    legacy = tmp_path / "legacy"
    engine.record_sweep(legacy, trials, {}, [], 100, None)
    record = yaml.safe_load((legacy / "sweep.yaml").read_text())
    del record["training_defaults"]  # written before defaults were recorded: not checked
    (legacy / "sweep.yaml").write_text(yaml.safe_dump(record))
    monkeypatch.setattr(engine, "training_defaults", lambda: changed)
    engine.record_sweep(legacy, trials, {}, [], 100, None)


# --- Ray Tune -----------------------------------------------------------------------------------------------

def test_ray_tune_runs_trials_in_a_local_ray_instance(tmp_path, monkeypatch):
    pytest.importorskip("ray.tune", reason="Ray Tune is not installed (pip install 'jaco_prog[ray]')")
    monkeypatch.chdir(tmp_path)  # run dirs must not depend on the working directory Tune gives trials
    trials = [Trial("lr-high", dict(TOY, lr=3e-3, total_steps=1000)),
              Trial("lr-low", dict(TOY, lr=1e-4, total_steps=1000))]
    results = run_trials(trials, "out", parallel=2, ray_address="local", progress=False)
    assert [r.name for r in results] == ["lr-high", "lr-low"]
    for r in results:
        assert isinstance(r, TrialResult) and r.status == "done", r
        assert r.run_dir == "out/" + r.name
        assert (tmp_path / "out" / r.name / "checkpoint.pt").is_file()
        assert r.final_return is not None and r.episodes >= 80
    with open(tmp_path / "out" / "results.csv", newline="") as f:
        assert [row["status"] for row in csv.DictReader(f)] == ["done", "done"]


def test_ray_address_without_ray_says_how_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    code = cli.main(["sweep", "--out", str(tmp_path / "s"), "--set", "task=toy", "--ray-address", "auto"])
    err = capsys.readouterr().err
    assert code == 2 and "pip install 'jaco_prog[ray]'" in err and "requirements-ray.txt" in err
    assert len(err.strip().splitlines()) == 1


def test_the_sweep_modules_import_each_other_without_a_cycle():
    """Every import between jaco_prog.sweep's modules, the ones inside functions too (the Ray engine imports its
    Tune side only when a sweep runs on Ray): the graph they make has no cycle."""
    import ast
    from pathlib import Path

    import jaco_prog.sweep

    folder = Path(jaco_prog.sweep.__file__).parent
    modules = {f"jaco_prog.sweep.{f.stem}": f for f in folder.glob("*.py") if f.stem != "__init__"}
    graph = {}
    for name, path in modules.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                imported |= {a.name for a in node.names}
        graph[name] = imported & set(modules) - {name}
    assert graph["jaco_prog.sweep.ray_engine"] and graph["jaco_prog.sweep.tune_parts"]  # the edges are seen

    def reaches(start, goal, seen=()):
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, (*seen, nxt))) for nxt in graph[start])
    assert [name for name in graph if reaches(name, name)] == []

# --- command line -------------------------------------------------------------------------------------------


def test_cli_dry_run_prints_the_trials_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "s"
    code = cli.main(["sweep", "--out", str(out), "--set", "task=toy", "--set", "total_steps=2000",
                     "--grid", "lr=1e-4,3e-4", "--random", "entropy_coef=loguniform:1e-5:1e-2", "--samples", "2",
                     "--seeds", "0-2", "--dry-run"])
    text = capsys.readouterr().out
    assert code == 0
    assert "12 trials" in text and "t011_" in text and "entropy_coef" in text
    assert "every trial: task=toy, total_steps=2000" in text
    assert not out.exists()


def test_cli_spec_file_and_errors(tmp_path, capsys):
    from jaco_prog.paths import config_path

    assert cli.main(["sweep", str(config_path("sweep.yaml")), "--out", str(tmp_path / "s"), "--dry-run"]) == 0
    assert "24 trials" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("random:\n  lr: {distribution: loguniform, low: 5.0e-5, high: 5.0e-3}\n  gama: "
                   "{distribution: uniform, low: 0.9, high: 0.99}\nsamples: 2\n")
    assert cli.main(["sweep", str(bad), "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert "random.gama" in err and len(err.strip().splitlines()) == 1
    assert cli.main(["sweep", "--out", str(tmp_path / "s"), "--set", "algo=ppo", "--seeds", "0-1"]) == 2
    assert "algo" in capsys.readouterr().err
    assert cli.main(["sweep", "--out", str(tmp_path / "s")]) == 2
    assert "--grid" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()
