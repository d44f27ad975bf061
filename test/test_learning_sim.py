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

"""A2C and A3C on the MuJoCo reach task: a few hundred steps each, checkpoint, resume, policy reload."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from jaco_prog.learning import TrainConfig, load_run_config, train
from jaco_prog.learning.episode_log import read_episodes
from jaco_prog.nets import Policy, read_checkpoint


@pytest.fixture(scope="module")
def reach_env():
    try:
        from jaco_prog.sim import make_env
        env = make_env(task="reach", seed=0)
    except Exception as err:  # noqa: BLE001 - no GL backend on this machine: nothing to integrate with
        pytest.skip(f"simulator unavailable: {err}")
    yield env
    env.close()


SMALL = dict(task="reach", column="narrow", arch="lstm", inputs="pixels+proprio", n_steps=10, progress=False,
             checkpoint_every=200)


def test_a2c_on_reach_checkpoints_and_resumes(reach_env, tmp_path):
    run_dir = train(TrainConfig(**SMALL, algo="a2c", envs=2, total_steps=300, run_dir=str(tmp_path / "a2c"),
                                aux_target=True, asymmetric_critic=True))
    first = read_checkpoint(run_dir)
    assert first["counters"]["global_step"] == 300
    assert first["spec"]["profile"]["name"] == reach_env.unwrapped.profile.name
    train(load_run_config(run_dir, total_steps=500), resume=True)
    assert read_checkpoint(run_dir)["counters"]["global_step"] == 500
    episodes = read_episodes(run_dir)
    assert all(length == 50 or terminated for length, terminated in zip(episodes["length"], episodes["terminated"]))

    policy = Policy.from_checkpoint(run_dir)
    obs, _ = reach_env.reset(seed=1)
    for _ in range(3):
        action = policy.act(obs, greedy=False)
        assert action.shape == reach_env.action_space.shape and reach_env.action_space.contains(action)
        obs, *_ = reach_env.step(action)


def test_a3c_on_reach_with_two_workers(reach_env, tmp_path):
    run_dir = train(TrainConfig(**SMALL, algo="a3c", workers=2, total_steps=300, run_dir=str(tmp_path / "a3c")))
    data = read_checkpoint(run_dir)
    assert data["counters"]["global_step"] >= 300
    assert set(read_episodes(run_dir)["worker"]) <= {0.0, 1.0}
    assert all(torch.isfinite(v).all() for v in data["model"].values())
    state = data["optimizer"]["state"][0]  # RMSprop with bias correction: Adam's squared-gradient average
    assert np.isfinite(state["exp_avg_sq"].numpy()).all() and float(state["exp_avg_sq"].abs().sum()) > 0
    assert float(state["step"]) > 0     # the workers stepped the shared statistics
