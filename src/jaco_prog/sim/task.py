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

"""The reaching task (Rusu et al. 2017, section 4) as one object, dm_control-composer style: what an episode
draws (scene, dynamics, latency and dropped actions, arm start, target, distractors), how the target moves
(the conveyor), and how a step is scored and ends. The robot (sim.simulator.ArmSimulator), the arena
(sim.scene) and the deployment path (the driver + safety layer) are apart from it.

The training environment (sim.reach_env) and the graph's simulated world (runtime.sim_world) both hold one
ReachTask, so the same seed gives the same scene, start pose and target, the same command delivery and the
same reward in both paths.
"""
from __future__ import annotations

from collections import deque

import mujoco
import numpy as np

from jaco_prog.reward import palm_target_distance, sparse_reward
from jaco_prog.robot.profile import RobotProfile
from jaco_prog.sim import scene
from jaco_prog.sim.randomisation import EpisodeDraw, SceneRandomiser
from jaco_prog.sim.simulator import ArmSimulator
from jaco_prog.sim.task_config import TaskConfig


class ConveyorMotion:
    """A target sliding along one table axis at a per-episode speed, reversing at random (Poisson) times
    and at the edge of the target area; the velocity follows its set-point through a first-order lag so
    reversals are smooth, as with the paper's motorised pulley."""

    def __init__(self, cfg: TaskConfig):
        c = cfg.conveyor
        self.direction = np.array(c.direction, float) / np.linalg.norm(c.direction)
        self.cfg = c
        centre = np.array(cfg.task.target_area_center)
        half = np.array(cfg.task.target_area_size) / 2
        self.low, self.high = centre - half, centre + half
        self.velocity = 0.0
        self.setpoint = 0.0

    def reset(self, rng: np.random.Generator) -> None:
        self.setpoint = float(rng.uniform(*self.cfg.speed)) * (1 if rng.random() < 0.5 else -1)
        self.velocity = self.setpoint

    def advance(self, xy: np.ndarray, dt: float, rng: np.random.Generator) -> np.ndarray:
        if rng.random() < 1 - np.exp(-self.cfg.reversal_rate * dt):
            self.setpoint = -self.setpoint
        ahead = xy + self.direction * np.sign(self.setpoint) * 0.02
        if np.any(ahead < self.low) or np.any(ahead > self.high):
            self.setpoint = -self.setpoint  # the belt end: turn around before leaving the area
        alpha = 1 - np.exp(-dt / self.cfg.velocity_time_constant)
        self.velocity += alpha * (self.setpoint - self.velocity)
        return np.clip(xy + self.direction * self.velocity * dt, self.low, self.high)


class ReachTask:
    def __init__(self, cfg: TaskConfig, sim: ArmSimulator, profile: RobotProfile, conveyor: bool = False):
        self.cfg = cfg
        self.sim = sim
        self.model, self.data = sim.model, sim.data
        self.profile = profile
        self.randomiser = SceneRandomiser(self.model, cfg)
        self.target_mocap = self.model.body_mocapid[self.model.body(scene.TARGET_BODY).id]
        self._distractor_mocap = [self.model.body_mocapid[self.model.body(f"distractor_{i}").id]
                                  for i in range(cfg.scene.distractor_slots)]
        self._limits = sim.joint_limits
        self.conveyor = ConveyorMotion(cfg) if conveyor else None
        self.draw: EpisodeDraw | None = None
        self._pending: deque = deque()
        # Per-episode streams, seeded from the episode's draw: command delivery and the conveyor do not
        # depend on how often (or in which order) the two paths call them between driver periods.
        self._delivery_rng = np.random.default_rng(0)
        self._conveyor_rng = np.random.default_rng(0)
        self._seeds = (0, 0)
        self._start_xy = np.zeros(2)
        self._start_qpos = self.data.qpos.copy()

    # --- the episode's draws -------------------------------------------------------------------------
    def initialize_episode(self, rng: np.random.Generator, options: dict | None = None) -> EpisodeDraw:
        """Scene, dynamics, latency, arm start, distractors and target, in that order, from `rng`
        (options: joint_positions, target_xy override the draws)."""
        options = options or {}
        t = self.cfg.task
        self.draw = self.randomiser.apply(rng)
        q = options.get("joint_positions")
        self._start_arm(rng, None if q is None else np.asarray(q, float))  # resets MjData: before the props
        target_xy = options.get("target_xy")
        if target_xy is None:
            centre, size = np.array(t.target_area_center), np.array(t.target_area_size)
            target_xy = centre + rng.uniform(-size / 2, size / 2)
        self._start_qpos = self.data.qpos.copy()
        self._start_xy = np.asarray(target_xy, float)
        self._place_distractors(rng, self._start_xy)
        self.set_target(self._start_xy)
        self._seeds = tuple(int(x) for x in rng.integers(0, 2**63, size=2))  # delivery, conveyor
        self.begin()
        return self.draw

    def begin(self) -> None:
        """The episode's first command is about to be sent: the arm is at its drawn start, at rest; command
        delivery and the conveyor start from the episode's own seeds, the target from its drawn place.
        initialize_episode() calls it; the graph calls it again on 'start', so that what happened between its
        reset and the start (settling ticks, the previous episode's stop command) leaves no trace."""
        # the arm as drawn, at rest: a velocity-servoed arm sags a little under gravity while the graph settles
        self.data.qpos[:] = self._start_qpos
        self.data.qvel[:] = 0.0
        self.data.qacc_warmstart[:] = 0.0
        self.data.time = 0.0
        mujoco.mj_forward(self.model, self.data)
        delivery_seed, conveyor_seed = self._seeds
        self._delivery_rng = np.random.default_rng(delivery_seed)
        self._pending = deque([None] * self.draw.latency_steps)  # nothing has reached the arm yet
        if self.conveyor:
            self.set_target(self._start_xy)
            self._conveyor_rng = np.random.default_rng(conveyor_seed)
            self.conveyor.reset(self._conveyor_rng)

    def set_target(self, xy: np.ndarray) -> None:
        """Place the target's centre on the table at `xy` (its base rests on the table top)."""
        self.data.mocap_pos[self.target_mocap] = [xy[0], xy[1], self.draw.target_size]
        mujoco.mj_forward(self.model, self.data)

    def _place_distractors(self, rng: np.random.Generator, target_xy: np.ndarray) -> None:
        t, d = self.cfg.task, self.cfg.randomisation.distractors
        centre, size = np.array(t.target_area_center), np.array(t.target_area_size) + 0.2
        placed = [target_xy]
        for i, mocap in enumerate(self._distractor_mocap):
            if i >= self.draw.distractor_count:
                self.data.mocap_pos[mocap] = [0.0, 0.8 + 0.1 * i, -0.5]  # parked under the table
                continue
            for _ in range(100):
                xy = centre + rng.uniform(-size / 2, size / 2)
                if all(np.linalg.norm(xy - p) >= d.min_distance for p in placed):
                    break
            placed.append(xy)
            self.data.mocap_pos[mocap] = [xy[0], xy[1], self.draw.distractor_sizes[i]]

    def _start_arm(self, rng: np.random.Generator, q: np.ndarray | None) -> None:
        t = self.cfg.task
        if q is not None:
            self.sim.reset(q)
            return
        noise = np.radians(np.array(t.start_noise_deg))
        margin = np.radians(t.joint_limit_margin_deg) + 0.05
        low, high = self._limits[:, 0] + margin, self._limits[:, 1] - margin
        for _ in range(t.max_start_tries):
            q = np.clip(self.profile.home + rng.uniform(-noise, noise), low, high)
            self.sim.reset(q)
            if self.sim.violation() is None and self.sim.palm_position()[2] >= t.start_min_palm_height:
                return
        self.sim.reset(self.profile.home)

    # --- during the episode --------------------------------------------------------------------------
    def deliver(self, command):
        """The command that reaches the arm now (one per control step): the one sent `latency_steps` commands
        ago, or None when it is dropped or none is due yet (the command in force stays, as a lost message
        leaves it). Commands are passed through as they are (an array, or the graph's JointCommand)."""
        self._pending.append(command)
        due = self._pending.popleft()
        if due is None:
            return None
        p = self.draw.drop_probability
        if p and self._delivery_rng.random() < p:
            return None
        return due

    def advance_target(self, dt: float) -> None:
        """The conveyor moves the target for `dt` s (nothing for the static reach task)."""
        if self.conveyor is None:
            return
        xy = self.data.mocap_pos[self.target_mocap, :2]
        self.data.mocap_pos[self.target_mocap, :2] = self.conveyor.advance(xy, dt, self._conveyor_rng)
        mujoco.mj_kinematics(self.model, self.data)

    def target_position(self) -> np.ndarray:
        return self.data.mocap_pos[self.target_mocap].copy()

    # --- scoring -------------------------------------------------------------------------------------
    def distance(self) -> float:
        return palm_target_distance(self.sim.palm_position(), self.data.mocap_pos[self.target_mocap])

    def reward(self, violation: str | None) -> tuple[float, float]:
        """(reward, palm-target distance) of the state now."""
        distance = self.distance()
        return sparse_reward(distance, self.cfg.task.reward_radius, violation), distance

    def terminated(self, violation: str | None) -> bool:
        """A safety violation ends the episode (paper section 4)."""
        return violation is not None

    def truncated(self, steps: int, violation: str | None) -> bool:
        return violation is None and steps >= self.cfg.task.episode_steps
