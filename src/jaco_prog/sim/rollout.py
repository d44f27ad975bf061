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

"""Run whole episodes of a policy in the simulated task and collect what a person would want to see."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np


@dataclass
class EpisodeResult:
    episode: int
    seed: int
    episode_return: float
    steps: int
    violation: str | None
    final_distance: float
    wall_time: float
    frames: list = field(default_factory=list, repr=False)

    @property
    def success(self) -> bool:
        """The palm reached the target (scored) at least once."""
        return self.episode_return > 0


def run_episode(env, policy, seed: int, episode: int = 0, video_size: int | None = None) -> EpisodeResult:
    """One episode; with `video_size`, frames pair the viewing camera with the 64x64 policy input."""
    start = time.perf_counter()
    obs, info = env.reset(seed=seed)
    policy.reset()
    total, reward, frames = 0.0, 0.0, []
    while True:
        if video_size:
            frames.append(_video_frame(env, obs["pixels"], reward, video_size))
        obs, reward, terminated, truncated, info = env.step(policy.act(obs))
        total += reward
        if terminated or truncated:
            break
    if video_size:
        frames.append(_video_frame(env, obs["pixels"], reward, video_size))
    return EpisodeResult(episode, seed, total, info["step"], info["violation"], info["distance"],
                         time.perf_counter() - start, frames)


def _video_frame(env, pixels: np.ndarray, reward: float, size: int) -> np.ndarray:
    """Viewing camera | policy input (nearest-neighbour upscaled), green bar while rewarded."""
    view = env.unwrapped.render_camera(size, size)
    scale = size // pixels.shape[0]
    policy_view = np.kron(pixels, np.ones((scale, scale, 1), np.uint8))
    frame = np.concatenate([view, policy_view[:size, :size]], axis=1)
    bar = frame[-8:]
    bar[:] = (40, 200, 60) if reward > 0 else (60, 60, 60)
    return frame
