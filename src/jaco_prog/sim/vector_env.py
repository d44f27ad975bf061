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

"""Several reaching environments stepped together in one process, rendered through one GL context.

Episodes reset automatically in the same step that ends them (gymnasium's SAME_STEP autoreset): the returned
observation is the new episode's first, and `infos["final_info"][i]` holds the finished episode's last info.
"""
from __future__ import annotations

import numpy as np

from jaco_prog.sim.reach_env import JacoReachEnv
from jaco_prog.sim.render import SceneRenderer
from jaco_prog.sim.task_config import TaskConfig, load_task_config


class JacoVectorEnv:
    def __init__(self, num_envs: int, config: TaskConfig | None = None, profile: str = "j2n6s300",
                 conveyor: bool = False):
        cfg = config or load_task_config()
        self.envs = [JacoReachEnv(cfg, profile, conveyor, own_renderer=False) for _ in range(num_envs)]
        self.num_envs = num_envs
        size = cfg.scene.image_size
        self.renderer = SceneRenderer(self.envs[0].model, size, size, max_views=num_envs)
        self.single_observation_space = self.envs[0].observation_space
        self.single_action_space = self.envs[0].action_space

    def _observations(self) -> dict:
        pixels = self.renderer.render([e.view for e in self.envs])
        obs = [e._observation(p) for e, p in zip(self.envs, pixels)]
        return {"pixels": pixels, "proprio": np.stack([o["proprio"] for o in obs])}

    def reset(self, seed: int | None = None):
        infos = []
        for i, env in enumerate(self.envs):
            env.reset_state(seed=None if seed is None else seed + i)
            infos.append(env._info(None, False))
        return self._observations(), infos

    def step(self, actions: np.ndarray):
        rewards = np.zeros(self.num_envs)
        terminated = np.zeros(self.num_envs, bool)
        truncated = np.zeros(self.num_envs, bool)
        infos = []
        for i, (env, action) in enumerate(zip(self.envs, actions)):
            rewards[i], terminated[i], truncated[i], info = env.advance(action)
            if terminated[i] or truncated[i]:
                info = {"final_info": info}
                env.reset_state()
            infos.append(info)
        return self._observations(), rewards, terminated, truncated, infos

    def close(self) -> None:
        self.renderer.close()
        for env in self.envs:
            env.close()
