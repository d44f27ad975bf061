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

"""MuJoCo simulation of the Jaco reaching task (ROS-free).

    from jaco_prog.sim import make_env
    env = make_env(task="reach", preset="real_proxy", seed=0)

gymnasium ids: JacoProg/Reach-v0, JacoProg/Conveyor-v0, and JacoProg/Reach-<Preset>-v0 for each preset.
"""
from __future__ import annotations

import os

os.environ.setdefault("MUJOCO_GL", "egl")  # headless by default; must precede the first mujoco import

import gymnasium as gym  # noqa: E402

from jaco_prog.config import ConfigError  # noqa: E402

TASKS = ("reach", "conveyor")


def make_env(task: str = "reach", preset: str | None = None, seed: int | None = None,
             profile: str = "j2n6s300", overrides: dict | None = None, **kwargs):
    """Build the task; `overrides` is merged over config/task.yaml (after the preset)."""
    from jaco_prog.sim.reach_env import JacoReachEnv
    from jaco_prog.sim.task_config import load_task_config

    if task not in TASKS:
        raise ConfigError("task", f"unknown task {task!r}; known: {', '.join(TASKS)}")
    env = JacoReachEnv(load_task_config(preset, overrides), profile=profile, conveyor=task == "conveyor", **kwargs)
    if seed is not None:
        env.reset(seed=seed)
    return env


def _register() -> None:
    from jaco_prog.sim.task_config import available_presets

    entry = "jaco_prog.sim:make_env"
    gym.register(id="JacoProg/Reach-v0", entry_point=entry, kwargs={"task": "reach"})
    gym.register(id="JacoProg/Conveyor-v0", entry_point=entry, kwargs={"task": "conveyor"})
    for preset in available_presets():
        name = "".join(part.capitalize() for part in preset.split("_"))
        gym.register(id=f"JacoProg/Reach-{name}-v0", entry_point=entry, kwargs={"task": "reach", "preset": preset})


_register()
