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
