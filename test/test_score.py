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

"""jaco-prog score: a checkpoint's return in simulation, reproducible, on held-out seeds."""
import subprocess
import sys

import numpy as np
import pytest

from jaco_prog.evaluation.sim_score import EVAL_SEED_BASE, score_checkpoint
from jaco_prog.nets.checkpoint import save_checkpoint


def _drive_joint_2_one_way(net):
    # a policy that always drives joint 2 one way: it ends episodes on a limit or table
    net.columns[0].output.weight.zero_()
    net.columns[0].output.bias.zero_()
    net.columns[0].output.bias[3 * 1 + 2] = 10.0


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory, save_narrow_column):
    return save_narrow_column(tmp_path_factory.mktemp("ckpt"), _drive_joint_2_one_way)


def test_score_is_reproducible_and_counts_terminations(checkpoint):
    first = score_checkpoint(checkpoint, episodes=3)
    again = score_checkpoint(checkpoint, episodes=3)
    assert first.returns == again.returns and first.episodes == 3
    assert EVAL_SEED_BASE > 100_000  # far from training seeds
    assert 0.0 <= first.success_rate <= 1.0
    assert first.mean_return == pytest.approx(np.mean(first.returns))
    assert "mean return" in first.line()
    # each episode drives joint 2 one way: the deployed safety layer brakes it before limits and the table, not
    # before the arm's own links, so the terminations score counts are those the episodes really ended in
    from types import SimpleNamespace

    from jaco_prog.nets.policy import Policy
    from jaco_prog.sim import make_env
    from jaco_prog.sim.rollout import run_episode
    policy = Policy.from_checkpoint(checkpoint, seed=EVAL_SEED_BASE)
    env = make_env()
    stepper = SimpleNamespace(reset=policy.reset, act=lambda obs: policy.act(obs, greedy=True))
    ended = [run_episode(env, stepper, seed=EVAL_SEED_BASE + k).violation for k in range(3)]
    env.close()
    assert sum(first.violations.values()) == sum(v is not None for v in ended) >= 1, first.violations
    assert set(first.violations) == {v for v in ended if v}


def test_score_cli_errors_in_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "jaco_prog.cli", "score", str(tmp_path / "nope.pt")],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "does not exist" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_export_writes_policy_only_checkpoint_and_card_and_never_overwrites(checkpoint, tmp_path):
    import json

    from jaco_prog.cli import main
    from jaco_prog.nets.checkpoint import read_checkpoint
    from jaco_prog.nets.policy import Policy

    data = read_checkpoint(checkpoint)
    run = tmp_path / "run"
    save_checkpoint(run / "checkpoint.pt", {**data, "optimizer": {"state": {}, "param_groups": []},
                                            "counters": {"global_step": 1234, "iteration": 2, "wall_time_s": 7200.0},
                                            "imitation": {"task": "reach", "preset": None, "iterations": 2}})
    out = tmp_path / "models" / "col.pt"
    assert main(["export", str(run), "--out", str(out), "--episodes", "2", "--note", "first stage differs"]) == 0
    exported = read_checkpoint(out)
    assert "optimizer" not in exported and exported["provenance"]["stages"][0]["env_steps"] == 1234
    evaluation = exported["provenance"]["evaluation"]
    expected = score_checkpoint(checkpoint, episodes=2)
    assert evaluation["mean_return"] == pytest.approx(expected.mean_return)
    card = out.with_suffix(".md").read_text()
    assert "1,234" in card and "2.00 h" in card and "first stage differs" in card
    assert f"| {expected.mean_return:.1f} |" in card
    Policy.from_checkpoint(out)  # loads as a policy
    before = out.read_bytes()
    assert main(["export", str(run), "--out", str(out), "--episodes", "1"]) == 2
    assert out.read_bytes() == before
    json.dumps(evaluation)  # plain data


def test_export_counts_a_continued_stage_by_what_it_added(checkpoint, tmp_path):
    """`imitate --init-from` carries the env-step count and wall time on: the card counts each only once."""
    from jaco_prog.cli import main
    from jaco_prog.nets.checkpoint import read_checkpoint

    data = read_checkpoint(checkpoint)
    first, second = tmp_path / "first", tmp_path / "second"
    save_checkpoint(first / "checkpoint.pt", {**data, "counters": {"global_step": 1234, "wall_time_s": 3600.0},
                                              "imitation": {"task": "reach", "preset": None}})
    save_checkpoint(second / "checkpoint.pt", {
        **data, "counters": {"global_step": 2234, "wall_time_s": 5400.0},
        "imitation": {"task": "reach", "preset": None, "init_from": str(first / "checkpoint.pt")}})
    out = tmp_path / "col.pt"
    assert main(["export", str(first), str(second), "--out", str(out), "--episodes", "1"]) == 0
    stages = read_checkpoint(out)["provenance"]["stages"]
    assert [s["env_steps"] for s in stages] == [1234, 1000]
    card = out.with_suffix(".md").read_text()
    assert "2,234 env steps in all; 1.50 h" in card and "| 1,000 | 0.50 h |" in card
    # the stage it continued is gone: its own share cannot be told, and nothing is written
    (first / "checkpoint.pt").unlink()
    assert main(["export", str(second), "--out", str(tmp_path / "other.pt"), "--episodes", "1"]) == 2
    assert not (tmp_path / "other.pt").exists()


# --- bad input ends in one line (issues 27 and 28) ---------------------------------------------------------
def _score_error(args, capsys):
    from jaco_prog.cli import main

    code = main(["score", *map(str, args)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    return err


def _net_for(profile_name, path, **column):
    from jaco_prog.nets.progressive import ProgressiveNet
    from jaco_prog.nets.spec import ColumnSpec, NetSpec
    from jaco_prog.robot.profile import load_profile

    p = load_profile(profile_name)
    spec = NetSpec(profile=p.to_dict(), columns=(ColumnSpec.preset("narrow", inputs="pixels+proprio"),),
                   proprio_dim=2 * p.n_joints, privileged_dim=6 + 2 * p.n_joints)
    raw = spec.to_dict()
    raw["columns"][0].update(column)
    return save_checkpoint(path, {"spec": raw, "model": ProgressiveNet(spec).state_dict()})


def test_score_refuses_a_net_for_another_robot_in_one_line(tmp_path, capsys):
    err = _score_error([_net_for("gen3_lite", tmp_path / "gen3.pt"), "--episodes", "1"], capsys)
    assert "trained for robot profile 'gen3_lite'" in err and "j2n6s300" in err


def test_score_checks_its_arguments_before_importing_torch(tmp_path):
    code = ("import sys; from jaco_prog.cli import main; "
            f"rc = main(['score', {str(tmp_path)!r}, '--episodes', '-1']); print(rc, 'torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["2", "False"], result
    assert "--episodes must be at least 1" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args, needle", [
    (["--seed", "-3"], "--seed must be 0 or more"),
    (["--task", "juggle"], "--task 'juggle' is not one of"),
    (["--preset", "no_such_preset"], "is not in config/presets.yaml"),
    (["--json", "/no/such/dir/score.json"], "does not exist"),
])
def test_score_refuses_bad_flags_in_one_line(checkpoint, capsys, args, needle):
    assert needle in _score_error([checkpoint, *args], capsys)


class TrainerState:  # what another program's checkpoint might hold besides tensors
    pass


def _pickled_object(path):
    import torch

    torch.save({"format": "jaco_prog.checkpoint", "trainer": TrainerState()}, path)
    return path


@pytest.mark.parametrize("make, needle", [
    (lambda p: p.write_text("episode,return\n0,1.5\n") and p, "is a text file (starts 'episode,return')"),
    (lambda p: p.write_text("hello") and p, "is a text file"),
    (lambda p: p.write_bytes(b"") or p, "is empty"),
    (lambda p: p.write_bytes(bytes(range(256))) and p, "is not a torch file"),
    (_pickled_object, "holds a test_score.TrainerState object"),
])
def test_a_file_that_is_not_a_checkpoint_says_what_it_is_in_one_line(tmp_path, capsys, make, needle):
    err = _score_error([make(tmp_path / "ckpt.pt")], capsys)
    assert needle in err
    assert "IndexError" not in err and "weights_only" not in err and "Weights only" not in err


def test_a_truncated_checkpoint_says_so_in_one_line(checkpoint, tmp_path, capsys):
    data = checkpoint.read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[:len(data) // 2])
    assert "damaged or truncated" in _score_error([tmp_path / "cut.pt"], capsys)


@pytest.mark.parametrize("column, needle", [({"hidden": 10 ** 6}, "columns[0].hidden = 1000000 (at most"),
                                            ({"conv2_channels": 10 ** 9}, "conv2_channels")])
def test_huge_layers_in_a_spec_are_refused_before_allocation(tmp_path, capsys, column, needle):
    err = _score_error([_net_for("j2n6s300", tmp_path / "huge.pt", **column)], capsys)
    assert needle in err and "damaged or not a jaco_prog checkpoint" in err


def test_a_spec_asking_for_more_parameters_than_its_weights_is_refused_before_allocation(tmp_path):
    from jaco_prog.nets.checkpoint import CheckpointError, MAX_PARAMETERS, load_net

    # every width within bounds, together far beyond the parameter bound
    path = _net_for("j2n6s300", tmp_path / "wide.pt", hidden=4000, conv2_channels=4000)
    with pytest.raises(CheckpointError, match=f"at most {MAX_PARAMETERS:,}"):
        load_net(path)


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_checkpoint_files_take_the_users_umask(tmp_path, umask, mode):
    import os

    previous = os.umask(umask)
    try:
        path = save_checkpoint(tmp_path / "checkpoint.pt", {"counters": {}})
    finally:
        os.umask(previous)
    assert path.stat().st_mode & 0o777 == mode
