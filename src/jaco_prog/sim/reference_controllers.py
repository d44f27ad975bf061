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

"""Privileged reference controllers beside the scripted teacher: how high anything can score on the task.

`MisplacedTargetReacher` is the teacher aiming at a target it has located wrongly (a stand-in for a student's
localisation error); `LookaheadPlanner` plans with a copy of the physics; `controller_episodes` scores any of
them without rendering. bench/task_ceiling.py draws the ceiling from them (docs/results.md).
"""
from __future__ import annotations

import copy
import itertools
import math

import mujoco
import numpy as np

from jaco_prog.sim.scripted_policy import ScriptedReacher


class MisplacedTargetReacher(ScriptedReacher):
    """The scripted teacher steering for a target it has located wrongly: each episode the target it aims at is
    off by a fixed draw, `error` metres (s.d.) across the table and half that in height. It never corrects,
    unlike a pixel policy that sees its hand near the target, so it shows how forgiving a teacher's aim point is
    to a student's localisation error, not what the student will score."""

    def __init__(self, env, error: float, seed: int, **teacher):
        super().__init__(env, **teacher)
        self.error = error
        self.rng = np.random.default_rng(seed)
        self.offset = np.zeros(3)

    def reset(self) -> None:
        self.offset = self.rng.normal(0.0, self.error, 3) * (1.0, 1.0, 0.5)

    def goal(self) -> np.ndarray:
        return super().goal() + self.offset


class LookaheadPlanner:
    """Rank the 3^6 arm-action combinations by where the Jacobian says they take the palm in `horizon` steps,
    simulate the best `candidates` of them (and the teacher's choice, and standing still) that far on a copy of
    the physics, and act with the one that ends nearest the teacher's goal without a violation.

    The rollouts apply the commands directly (no safety layer): an optimistic model of the deployed arm."""

    def __init__(self, env, teacher: ScriptedReacher, candidates: int = 8, horizon: int = 3):
        self.env, self.teacher = env, teacher
        self.candidates, self.horizon = candidates, horizon
        self.combos = np.array(list(itertools.product(range(3), repeat=int(teacher.arm.sum()))))
        self.velocity = env.profile.action_velocities

    def reset(self) -> None:
        self.teacher.reset()

    def act(self) -> np.ndarray:
        env, arm = self.env, self.teacher.arm
        goal = self.teacher.goal()
        jac = self.teacher.palm_jacobian()[:, arm]
        travel = (self.combos - 1.0) * self.velocity[arm] * self.horizon / env.cfg.task.control_hz
        ranked = np.argsort(np.linalg.norm(goal - env.sim.palm_position() - travel @ jac.T, axis=1))
        scripted = self.teacher.act()       # its finger command goes with every candidate
        arm_actions = [self.combos[i] for i in ranked[: self.candidates]] + [scripted[arm], np.ones(arm.sum(), int)]
        options = []
        for arm_action in arm_actions:
            options.append(scripted.copy())
            options[-1][arm] = arm_action
        return options[int(np.argmin([self._rollout(option, goal) for option in options]))]

    def _rollout(self, action: np.ndarray, goal: np.ndarray) -> float:
        env, sim = self.env, self.env.sim
        live = sim.data
        sim.data = copy.copy(live)   # the simulator's helpers read sim.data: point them at the copy
        try:
            sim.set_velocity_command(env.velocity_command(action))
            for _ in range(self.horizon):
                mujoco.mj_step(env.model, sim.data, nstep=env.physics_substeps)
                if sim.violation() is not None:
                    return math.inf
            return float(np.linalg.norm(sim.palm_position() - goal))
        finally:
            sim.data = live


def controller_episodes(env, controller, episodes: int, seed: int) -> dict:
    """Returns and first rewarded step of a privileged controller on seeds seed.., without rendering; the env
    stays open."""
    task = env.cfg.task
    returns, first_steps, start_distances = [], [], []
    for episode in range(episodes):
        env.reset_state(seed + episode)
        controller.reset()
        start_distances.append(env.palm_target_distance())
        total, first = 0.0, None
        for step in range(1, task.episode_steps + 1):
            reward, terminated, truncated, _ = env.advance(controller.act())
            total += reward
            if reward and first is None:
                first = step
            if terminated or truncated:
                break
        returns.append(total)
        first_steps.append(first if first is not None else task.episode_steps + 1)
    return {"returns": np.asarray(returns), "first_steps": np.asarray(first_steps),
            "start_distance": float(np.mean(start_distances))}
