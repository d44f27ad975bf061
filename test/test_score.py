"""jaco-prog score: a checkpoint's return in simulation, reproducible, on held-out seeds."""
import subprocess
import sys

import numpy as np
import pytest
import torch

from jaco_prog.evaluation.sim_score import EVAL_SEED_BASE, score_checkpoint
from jaco_prog.nets.checkpoint import save_checkpoint
from jaco_prog.nets.progressive import ProgressiveNet
from jaco_prog.nets.spec import ColumnSpec, SIZE_PRESETS, spec_for_env


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    from jaco_prog.sim import make_env
    env = make_env()
    torch.manual_seed(0)
    net = ProgressiveNet(spec_for_env(env.observation_space, env.unwrapped.profile.to_dict(),
                                      ColumnSpec(**SIZE_PRESETS["narrow"], core="lstm")))
    env.close()
    with torch.no_grad():  # a policy that always drives joint 2 one way: it ends episodes on a limit or table
        net.columns[0].output.weight.zero_()
        net.columns[0].output.bias.zero_()
        net.columns[0].output.bias[3 * 1 + 2] = 10.0
    return save_checkpoint(tmp_path_factory.mktemp("ckpt") / "checkpoint.pt",
                           {"spec": net.spec.to_dict(), "model": net.state_dict()})


def test_score_is_reproducible_and_counts_terminations(checkpoint):
    first = score_checkpoint(checkpoint, episodes=3)
    again = score_checkpoint(checkpoint, episodes=3)
    assert first.returns == again.returns and first.episodes == 3
    assert EVAL_SEED_BASE > 100_000  # far from training seeds
    assert 0.0 <= first.success_rate <= 1.0
    assert first.mean_return == pytest.approx(np.mean(first.returns))
    assert "mean return" in first.line()
    assert sum(first.violations.values()) == 3, first.violations  # each episode drove into a limit or the table


def test_score_cli_errors_in_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "jaco_prog.cli", "score", str(tmp_path / "nope.pt")],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "does not exist" in result.stderr and len(result.stderr.strip().splitlines()) == 1
