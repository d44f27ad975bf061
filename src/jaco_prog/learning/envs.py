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

"""Environments for training, and turning their observations into net inputs."""
from __future__ import annotations

import numpy as np
import torch


def make_training_env(task: str, preset: str | None, seed: int):
    """The simulator (jaco_prog.sim.make_env) for reach/conveyor, or the toy task; seeded."""
    if task == "toy":
        from jaco_prog.learning.toy import ToyReachEnv
        env = ToyReachEnv()
        env.reset(seed=seed)
        return env
    from jaco_prog.sim import make_env  # imported here: MuJoCo is not needed for the toy task
    return make_env(task=task, preset=preset, seed=seed)


def env_profile(env) -> dict:
    return env.unwrapped.profile.to_dict()


def batch_observations(observations: list[dict], keys: list[str]) -> dict[str, torch.Tensor]:
    """Stack per-env observations into B-first tensors; pixels stay uint8 HWC (the net converts them)."""
    return {key: torch.from_numpy(np.stack([obs[key] for obs in observations])) for key in keys}


def privileged_vector(info: dict, proprio: np.ndarray) -> np.ndarray:
    """The asymmetric critic's input: target position, palm position, then proprio (training only)."""
    privileged = info.get("privileged")
    if privileged is None:
        raise KeyError("the env's info has no 'privileged' entry; the asymmetric critic and the auxiliary "
                       "target head need it")
    return np.concatenate([privileged["target_pos"], privileged["palm_pos"], proprio]).astype(np.float32)


def aux_target(info: dict) -> np.ndarray:
    """What the auxiliary head predicts: the palm-to-target vector (target minus palm position, base frame, m).

    The policy needs where the target is relative to the hand, not where it is on the table; the vector is
    also what the privileged teacher steers on."""
    privileged = info.get("privileged")
    if privileged is None:
        raise KeyError("the env's info has no 'privileged' entry; the auxiliary target head needs it")
    return (np.asarray(privileged["target_pos"]) - np.asarray(privileged["palm_pos"])).astype(np.float32)
