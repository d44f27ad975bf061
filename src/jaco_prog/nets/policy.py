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

"""Policy: what a controller (the ROS policy node, an evaluation script) needs to run a trained net.

    policy = Policy.from_checkpoint("runs/reach/checkpoint.pt")
    policy.reset()                                  # at every episode start: clears the LSTM state
    actions = policy.act({"pixels": rgb_uint8_hwc, "proprio": q_and_qdot})   # int array, one index per joint

Action index 0 means -v, 1 means 0, 2 means +v for that joint (robot profile order, `policy.joint_names`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from jaco_prog.nets.checkpoint import load_net
from jaco_prog.nets.progressive import NetOutput, ProgressiveNet
from jaco_prog.nets.spec import NetSpec


class Policy:
    def __init__(self, net: ProgressiveNet, spec: NetSpec, seed: int | None = None):
        self.net = net.eval()
        self.spec = spec
        self.generator = torch.Generator().manual_seed(seed if seed is not None else 0)
        self.reset()

    @classmethod
    def from_checkpoint(cls, path: str | Path, seed: int | None = None) -> "Policy":
        net, spec = load_net(path)
        return cls(net, spec, seed)

    @property
    def joint_names(self) -> list[str]:
        return list(self.spec.profile["joint_names"])

    def reset(self) -> None:
        self.state = self.net.initial_state(1)

    def act(self, obs: dict, greedy: bool = True) -> np.ndarray:
        """One step: obs["pixels"] uint8 H x W x 3, obs["proprio"] float (2 * n_joints,), as the spec needs."""
        logits = self.step(obs).logits[0]
        if greedy:
            actions = logits.argmax(dim=-1)
        else:
            actions = torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=self.generator).squeeze(-1)
        return actions.numpy().astype(np.int64)

    @torch.no_grad()
    def step(self, obs: dict) -> NetOutput:
        """The net's whole output for one observation (batch of 1), advancing the recurrent state as act does."""
        batch = {}
        for key in self.spec.observation_keys:
            if key not in obs:
                raise KeyError(f"the policy needs observation {key!r} (it reads {self.spec.observation_keys})")
            value = np.asarray(obs[key])
            expected = tuple(self.spec.pixels_shape) if key == "pixels" else (self.spec.proprio_dim,)
            if value.shape != expected:
                raise ValueError(f"observation {key!r} has shape {value.shape}, the net expects {expected}")
            if key == "pixels" and value.dtype != np.uint8:
                raise ValueError(f"pixels must be uint8 RGB (got {value.dtype})")
            batch[key] = torch.from_numpy(np.ascontiguousarray(value))[None]
        # the value head is not needed to act; an asymmetric critic would want sim state the robot lacks
        out = self.net(batch, self.state, privileged=_no_privileged(self.net, self.spec))
        self.state = out.state
        return out


def _no_privileged(net: ProgressiveNet, spec: NetSpec) -> torch.Tensor | None:
    # An asymmetric critic's value is discarded when acting; zeros keep its forward pass well defined.
    return torch.zeros(1, spec.privileged_dim) if net.trainable_column.spec.asymmetric_critic else None
