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

"""The graph's online learner (jaco_prog.learning.online) and `jaco-prog run --sim --learn`: the stream it learns
from is the env path's A2C, the new column learns and column 1 does not, a run directory resumes, survives a
kill -9, and refuses what it cannot continue; an e-stop and a missing reward pause learning.

Column 1 here is a random narrow pixel column (a small net keeps the tests to seconds); the learner does not
care whether it can reach.
"""
import csv
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from jaco_prog.cli import main
from jaco_prog.learning.config import TrainConfig
from jaco_prog.learning.envs import make_training_env
from jaco_prog.learning.episode_log import read_episodes, read_resumes
from jaco_prog.learning.online import OnlineLearner, graph_probe, online_config, open_online_run
from jaco_prog.learning.train import build_net, load_run_config, train
from jaco_prog.nets.checkpoint import read_checkpoint, save_checkpoint
from jaco_prog.nets.progressive import ProgressiveNet
from jaco_prog.nets.spec import ColumnSpec, NetSpec
from jaco_prog.robot.profile import load_profile
from jaco_prog.runtime.params import load_runtime_params

PRESET = "real_proxy"


def column1(path: Path, profile: str = "j2n6s300", seed: int = 0) -> Path:
    """A random one-column pixel net saved as a checkpoint (a stand-in for a trained column 1)."""
    torch.manual_seed(seed)
    p = load_profile(profile)
    spec = NetSpec(profile=p.to_dict(), columns=(ColumnSpec.preset("narrow", inputs="pixels"),),
                   proprio_dim=2 * p.n_joints, privileged_dim=6 + 2 * p.n_joints)
    return save_checkpoint(path, {"spec": spec.to_dict(), "model": ProgressiveNet(spec).state_dict()})


def learn(run_dir: Path, start: Path, steps: int, *extra: str) -> int:
    return main(["run", "--sim", "--learn", "--from", str(start), "--preset", PRESET, "--steps", str(steps),
                 "--run-dir", str(run_dir), *extra])


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "MUJOCO_GL": os.environ.get("MUJOCO_GL", "egl")}
    return subprocess.run([sys.executable, "-m", "jaco_prog.cli", *args], capture_output=True, text=True, env=env,
                          **kwargs)


def files_of(folder: Path) -> dict:
    """Every file under `folder` with its content hash: what a refused launch must leave as it was."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def initial_net(run_dir: Path) -> ProgressiveNet:
    """The net the run started from, rebuilt from its configuration and seed."""
    cfg = load_run_config(run_dir)
    torch.manual_seed(cfg.seed)
    return build_net(cfg, graph_probe(load_profile("j2n6s300"), load_runtime_params().policy.image_size))


# --- the stream is the env path's A2C ----------------------------------------------------------------------


def test_the_online_stream_learns_exactly_what_jaco_prog_train_a2c_with_one_env_learns(tmp_path, one_torch_thread):
    """Driving the learner with an env's transitions, as the graph's loop does (act, then the reward credited,
    then the episode's end with its final observation), gives the weights of `jaco-prog train --algo a2c --envs 1`
    on the same env and seed: the same segments across episode ends, the same time-limit bootstraps, the same
    loss and optimiser steps. n_steps 7 against 10-step episodes puts episode ends at every place in a segment."""
    common = dict(task="toy", mode="scratch", algo="a2c", envs=1, arch="lstm", column="narrow", inputs="proprio",
                  n_steps=7, total_steps=7 * 30, optimizer="adam", lr=3e-3, gamma=0.9, seed=3, progress=False)
    reference = read_checkpoint(train(TrainConfig(**common, run_dir=str(tmp_path / "env"))) / "checkpoint.pt")

    run, resumed = open_online_run(TrainConfig(**common, run_dir=str(tmp_path / "online")),
                                   load_profile("j2n6s300"), 64)
    assert not resumed
    learner = OnlineLearner(run, background=False)
    env = make_training_env("toy", None, common["seed"])  # the env train_a2c steps (seed + 7919 * step 0)
    obs, _ = env.reset()
    learner.reset()
    while not learner.done:
        obs, reward, terminated, truncated, _ = env.step(learner.act(obs))
        learner.credit(reward)
        if terminated or truncated:
            learner.end_episode(obs, terminated)
            obs, _ = env.reset()
            learner.reset()
    learner.close()
    online = read_checkpoint(tmp_path / "online" / "checkpoint.pt")
    assert online["counters"] == reference["counters"]
    for key, value in reference["model"].items():
        assert torch.equal(online["model"][key], value), key
    assert read_episodes(tmp_path / "online")["return"] == read_episodes(tmp_path / "env")["return"]


# --- jaco-prog run --sim --learn ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def learnt(tmp_path_factory):
    root = tmp_path_factory.mktemp("online")
    start = column1(root / "column1" / "checkpoint.pt")
    assert learn(root / "run", start, 60) == 0
    return root / "run", start


def test_in_process_learning_changes_the_new_column_and_not_column_1(learnt):
    run_dir, start = learnt
    data = read_checkpoint(run_dir / "checkpoint.pt")
    assert data["counters"]["global_step"] == 60 and data["counters"]["updates"] == 3  # n_steps 20
    source = read_checkpoint(start)["model"]
    before = initial_net(run_dir).state_dict()
    frozen = [k for k in data["model"] if k.startswith("columns.0.")]
    new = [k for k in data["model"] if k.startswith("columns.1.")]
    assert frozen and new
    assert all(torch.equal(data["model"][k], source[k]) for k in frozen)
    assert all(torch.equal(before[k], source[k]) for k in frozen)
    changed = [k for k in new if not torch.equal(data["model"][k], before[k])]
    assert len(changed) > len(new) // 2, changed
    rows = read_episodes(run_dir)
    assert len(rows["return"]) == data["counters"]["episodes"] >= 1
    graph_rows = list(csv.DictReader(open(run_dir / "graph_episodes.csv")))
    assert len(graph_rows) >= len(rows["return"])  # episodes the graph ran; the learner logs them at updates
    assert (run_dir / "tensorboard").is_dir() and (run_dir / "config.yaml").is_file()


def test_relaunching_resumes_weights_optimiser_and_counters(learnt, tmp_path):
    run_dir, start = learnt
    saved = read_checkpoint(run_dir / "checkpoint.pt")
    cfg = online_config(load_runtime_params().learner.train, overrides={
        "from_checkpoint": str(start), "run_dir": str(run_dir), "preset": PRESET, "total_steps": 120})
    run, resumed = open_online_run(cfg, load_profile("j2n6s300"), 64)
    assert resumed
    assert (run.global_step, run.updates, run.episodes) == tuple(saved["counters"][k] for k in
                                                                 ("global_step", "updates", "episodes"))
    state = run.optimizer.state_dict()["state"]
    assert state and all(torch.equal(state[i]["exp_avg_sq"], saved["optimizer"]["state"][i]["exp_avg_sq"])
                         for i in state)
    assert all(torch.equal(v, saved["model"][k]) for k, v in run.net.state_dict().items())
    run.logger.close()
    assert learn(run_dir, start, 120) == 0  # the same command with a larger budget continues it
    after = read_checkpoint(run_dir / "checkpoint.pt")
    assert after["counters"]["global_step"] == 120 and after["counters"]["updates"] == 6
    assert after["optimizer"]["state"][0]["step"] > saved["optimizer"]["state"][0]["step"]
    assert 60 in read_resumes(run_dir)
    steps = read_episodes(run_dir)["global_step"]
    assert steps == sorted(steps) and len(steps) == after["counters"]["episodes"]


def test_a_kill_9_loses_at_most_one_checkpoint_interval_and_the_run_resumes(tmp_path):
    start = column1(tmp_path / "column1" / "checkpoint.pt")
    every = 40
    (tmp_path / "often.yaml").write_text(yaml.safe_dump({"checkpoint_every": every}))
    run_dir = tmp_path / "run"
    args = ["run", "--sim", "--learn", "--from", str(start), "--preset", PRESET, "--run-dir", str(run_dir),
            "--config", str(tmp_path / "often.yaml")]
    env = {**os.environ, "MUJOCO_GL": os.environ.get("MUJOCO_GL", "egl")}
    process = subprocess.Popen([sys.executable, "-m", "jaco_prog.cli", *args, "--steps", "100000"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 240
        step = 0
        while step < 3 * every and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
            if (run_dir / "checkpoint.pt").is_file():
                step = read_checkpoint(run_dir / "checkpoint.pt")["counters"]["global_step"]
        assert step >= 3 * every, process.stderr.read().decode() if process.poll() is not None else "too slow"
        time.sleep(1.0)  # kill it somewhere between two checkpoints
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    data = read_checkpoint(run_dir / "checkpoint.pt")
    kept = data["counters"]["global_step"]
    learnt_steps = [int(r["learner_step"]) for r in csv.DictReader(open(run_dir / "graph_episodes.csv"))]
    assert max(learnt_steps) - kept <= every  # what the learner had done at the kill, at most one interval more
    # every episode the checkpoint counts is in episodes.csv (flushed and synced before the checkpoint)
    rows = read_episodes(run_dir)["global_step"]
    assert len([s for s in rows if s <= kept]) == data["counters"]["episodes"]
    result = cli(*args, "--steps", str(kept + every), timeout=240)
    assert result.returncode == 0, result.stderr
    after = read_checkpoint(run_dir / "checkpoint.pt")["counters"]
    assert after["global_step"] == kept + every and kept in read_resumes(run_dir)
    rows = read_episodes(run_dir)["global_step"]
    assert rows == sorted(rows) and len(rows) == after["episodes"]  # the rows past the checkpoint were dropped


# --- bad input: one line, and an existing run stays as it was ----------------------------------------------
def test_a_column_1_for_another_robot_is_refused_in_one_line(tmp_path):
    start = column1(tmp_path / "gen3" / "checkpoint.pt", profile="gen3_lite")
    result = cli("run", "--sim", "--learn", "--from", str(start), "--steps", "20", "--run-dir", str(tmp_path / "run"))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "gen3_lite" in result.stderr and "j2n6s300" in result.stderr
    assert not (tmp_path / "run").exists()


def test_a_run_dir_of_another_net_or_no_run_is_refused_and_left_as_it_was(learnt, tmp_path):
    run_dir, _ = learnt
    before = files_of(run_dir)
    other = column1(tmp_path / "other" / "checkpoint.pt", seed=1)
    result = cli("run", "--sim", "--learn", "--from", str(other), "--preset", PRESET, "--steps", "200",
                 "--run-dir", str(run_dir))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "grown from other weights" in result.stderr
    result = cli("run", "--sim", "--learn", "--from", str(other), "--preset", PRESET, "--steps", "200",
                 "--run-dir", str(run_dir), "--mode", "finetune")
    assert result.returncode == 2 and "another configuration" in result.stderr, result.stderr
    assert files_of(run_dir) == before
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("mine")
    result = cli("run", "--sim", "--learn", "--from", str(other), "--steps", "20", "--run-dir", str(tmp_path / "notes"))
    assert result.returncode == 2 and "not a run to resume" in result.stderr
    assert files_of(tmp_path / "notes") == {"todo.txt": hashlib.sha256(b"mine").hexdigest()}


def test_learning_flags_without_learn_and_learn_without_a_run_dir_are_one_line_errors(tmp_path):
    for args, message in ((["--steps", "20"], "only go with --learn"), (["--learn"], "--learn needs --run-dir"),
                          (["--learn", "--run-dir", str(tmp_path), "--episodes", "3"], "drop --episodes")):
        result = cli("run", "--sim", *args)
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


# --- pauses: e-stop and a missing reward --------------------------------------------------------------------
@pytest.fixture
def graph(tmp_path):
    from jaco_prog.runtime.inprocess import build_graph
    from jaco_prog.runtime.policy_loop import PolicyLoop
    from jaco_prog.runtime.sim_world import SimWorld

    params = load_runtime_params()
    start = column1(tmp_path / "column1" / "checkpoint.pt")
    cfg = online_config(params.learner.train, overrides={"from_checkpoint": str(start), "run_dir": str(
        tmp_path / "run"), "preset": PRESET, "total_steps": 10_000})
    world = SimWorld.build(preset=PRESET, params=params)
    run, _ = open_online_run(cfg, world.profile, params.policy.image_size)
    learner = OnlineLearner(run, background=False)
    loop = PolicyLoop(learner, world.profile.joint_names, world.profile.action_velocities, params.policy)
    g = build_graph(world, loop, params, learner=learner)
    messages = []
    g.log = lambda level, text: messages.append((level, text))
    g.start(None)
    g.session.log = g.log
    yield g, learner, messages
    learner.close()
    world.close()


def step_until(graph, condition, periods: int = 20_000):
    for _ in range(periods):
        if condition():
            return
        graph.step()
    raise AssertionError("condition not reached")


def events(graph):
    return [r.episode for r in graph.records]


def test_an_estop_ends_the_episode_as_a_terminal_step_and_pauses_learning_until_reset(graph):
    g, learner, messages = graph
    step_until(g, lambda: learner.global_step >= 20 and g.manager.running and g.manager.step > 10)
    g.world.estop("test e-stop")
    step_until(g, lambda: not g.manager.running, periods=50)
    assert "estop" in g.manager.end_reasons[-1] or "e-stop" in g.manager.end_reasons[-1]
    step_until(g, lambda: g.session.paused, periods=50)
    g.step()
    paused_at, episodes, records = learner.global_step, g.manager.episode, len(g.records)
    segment = len(learner._segment)
    for _ in range(300):  # 3 s of sim time with the e-stop latched
        g.step()
    assert g.session.paused and "e-stop" in g.session.pause_reason
    assert (learner.global_step, g.manager.episode, len(learner._segment), len(g.records)) == \
        (paused_at, episodes, segment, records)  # no episode, no transition, no update
    assert np.abs(g.world.driver.last_tick.output).max() == 0.0  # the arm is held
    assert any(level == "warn" and "e-stop" in text for level, text in messages)
    g.world.reset_driver()
    step_until(g, lambda: learner.global_step > paused_at + 40)
    assert not g.session.paused and g.manager.end_reasons[-1] == "steps"


def test_a_missing_reward_holds_the_episodes_and_is_reported_once_as_an_error(graph):
    g, learner, messages = graph
    g.session.on_reward = lambda reward, now: None  # the tracker's reward never arrives
    report_after = load_runtime_params().learner.reward_report_after
    periods = int(round((report_after + 1.0) / g.world.period))
    for _ in range(periods):
        g.step()
    assert not g.records and g.manager.episode == 0 and not g.manager.running
    assert learner.global_step == 0 and len(learner._segment) == 0
    errors = [text for level, text in messages if level == "error"]
    assert len(errors) == 1 and "no reward received" in errors[0]


def test_a_reward_that_stops_mid_episode_ends_it_unlearnt(graph):
    g, learner, messages = graph
    step_until(g, lambda: g.manager.running and g.manager.step > 30 and learner.global_step >= 20)
    episodes_logged = g.learner.run.episodes
    g.session.on_reward = lambda reward, now: None
    step_until(g, lambda: not g.manager.running, periods=100)
    assert g.manager.end_reasons[-1].startswith("reward missing")
    assert learner.discarded_episodes == 1 and learner.run.episodes == episodes_logged
    assert g.session.paused
