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

"""A tiny contextual-bandit task with the simulator's spaces, to check the learner in seconds (`--task toy`).

Each step the image shows, for every joint, one lit cell out of three in that joint's row: the lit column is
the rewarded action index. The proprio vector carries the same answer (angles), so pixel, pixel+proprio and
proprio-only columns can all learn it. Reward: the fraction of joints whose action matches, so a uniformly
random policy scores 1/3 per step. No MuJoCo, no rendering: microseconds per step.
"""
from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from jaco_prog.robot.profile import load_profile


class ToyReachEnv(gym.Env):
    metadata = {"render_modes": []}

    def __init__(self, profile: str = "j2n6s300", episode_steps: int = 10, image_size: int = 64):
        self.profile = load_profile(profile)
        self.n_joints = self.profile.n_joints
        self.episode_steps = episode_steps
        self.image_size = image_size
        self.observation_space = spaces.Dict({
            "pixels": spaces.Box(0, 255, (image_size, image_size, 3), np.uint8),
            "proprio": spaces.Box(-np.inf, np.inf, (2 * self.n_joints,), np.float32),
        })
        self.action_space = spaces.MultiDiscrete([3] * self.n_joints)
        self._answer = np.zeros(self.n_joints, dtype=np.int64)
        self._t = 0

    def _observe(self):
        self._answer = self.np_random.integers(0, 3, self.n_joints)
        pixels = np.zeros((self.image_size, self.image_size, 3), np.uint8)
        row_h, col_w = self.image_size // self.n_joints, self.image_size // 3
        for joint, answer in enumerate(self._answer):
            pixels[joint * row_h:(joint + 1) * row_h, answer * col_w:(answer + 1) * col_w] = 255
        angles = (self._answer - 1) * 0.5 + self.np_random.normal(0, 0.05, self.n_joints)
        velocities = self.np_random.normal(0, 0.05, self.n_joints)
        proprio = np.concatenate([angles, velocities]).astype(np.float32)
        privileged = {"target_pos": (self._answer[:3] - 1).astype(np.float32),
                      "palm_pos": np.zeros(3, np.float32)}
        return {"pixels": pixels, "proprio": proprio}, {"privileged": privileged}

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._t = 0
        return self._observe()

    def step(self, action):
        reward = float(np.mean(np.asarray(action) == self._answer))
        self._t += 1
        obs, info = self._observe()
        return obs, reward, False, self._t >= self.episode_steps, info
