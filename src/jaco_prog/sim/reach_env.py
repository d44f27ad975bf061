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

"""The reaching task of Rusu et al. 2017 (section 4) as a gymnasium environment, plus the conveyor variant.

Observation: {"pixels": 64x64x3 uint8 from the fixed policy camera, "proprio": joint angles then joint
velocities}. Privileged state (target and palm positions) is in `info["privileged"]` for training code only.
Action: one choice per profile joint in {0: -v, 1: 0, 2: +v}, a velocity command for one control period.
Reward: +1 for every step the palm is within `reward_radius` of the target centre. An episode ends on a safety
violation (self-collision, table contact, a joint at its set limit) or after `episode_steps`.

Train as you deploy: the task (sim.task.ReachTask) is the one the graph's SimWorld runs, and each command
reaches the simulated arm as on the robot, through the driver loop and safety layer of config/safety.yaml
(acceleration limit, braking before joint limits, workspace) at the driver's control rate, on the `sim`
hardware backend. `safety=False` applies the command directly for the whole control period instead (the
unfiltered step, for benchmarks and comparisons).
"""
from __future__ import annotations

import gymnasium as gym
import mujoco
import numpy as np
from gymnasium import spaces

from jaco_prog.config import ConfigError, ticks_per
from jaco_prog.robot.profile import RobotProfile, load_profile
from jaco_prog.sim import scene
from jaco_prog.sim.randomisation import EpisodeDraw
from jaco_prog.sim.render import SceneRenderer, View
from jaco_prog.sim.simulator import ArmSimulator
from jaco_prog.sim.task import ReachTask
from jaco_prog.sim.task_config import TaskConfig, load_task_config

ACTION_CHOICES = 3  # {-v, 0, +v}


class ClockedSim:
    """The simulator as the `sim` hardware backend sees it, with a monotonic clock as its `time` (MuJoCo's own
    time restarts at 0 on every episode reset, which would make joint states look stale to the driver)."""

    def __init__(self, sim: ArmSimulator, clock):
        self._sim = sim
        self._clock = clock
        # what the backend calls every driver period, bound here rather than looked up through __getattr__
        self.joint_names = sim.joint_names
        self.joint_positions = sim.joint_positions
        self.joint_velocities = sim.joint_velocities
        self.set_velocity_command = sim.set_velocity_command

    @property
    def time(self) -> float:
        return self._clock()

    def __getattr__(self, name):
        return getattr(self._sim, name)


class DeployedArm:
    """The arm as the robot drives it: VelocityDriver + SafetyLayer (config/safety.yaml, driver.yaml) on the
    `sim` backend, stepped one driver period at a time on a clock that runs on across episodes."""

    def __init__(self, sim: ArmSimulator, profile: RobotProfile, layer=None):
        from jaco_prog.hardware.driver import VelocityDriver, load_driver_params
        from jaco_prog.hardware.sim import SimBackend
        from jaco_prog.safety import SafetyLayer

        self.sim = sim
        self.layer = layer or SafetyLayer.from_profile(profile)
        self.period = self.layer.params.period
        self.ticks = 0
        backend = SimBackend(ClockedSim(sim, self.now))
        backend.connect()
        self.driver = VelocityDriver.from_params(load_driver_params(), backend, self.layer, self.now)

    def now(self) -> float:
        return self.ticks * self.period

    def new_episode(self) -> None:
        """The arm was placed at a new start, at rest: forget the last command and output (an e-stop stays)."""
        if not self.layer.estopped:
            self.layer.reset()


class JacoReachEnv(gym.Env):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 20}

    def __init__(self, config: TaskConfig | None = None, profile: str | RobotProfile = "j2n6s300",
                 conveyor: bool = False, render_mode: str | None = "rgb_array", own_renderer: bool = True,
                 safety: bool = True, safety_layer=None):
        self.cfg = config or load_task_config()
        self.profile = load_profile(profile) if isinstance(profile, str) else profile
        self.conveyor = conveyor
        self.render_mode = render_mode
        t = self.cfg.task
        n = self.profile.n_joints
        if len(t.start_noise_deg) != n:
            raise ConfigError("task.yaml: task.start_noise_deg",
                              f"needs one value per joint of profile {self.profile.name!r} ({n}), got "
                              f"{len(t.start_noise_deg)}")
        self.sim = ArmSimulator.from_profile(self.profile, self.cfg.scene, np.radians(t.joint_limit_margin_deg))
        self.model, self.data = self.sim.model, self.sim.data
        self.task = ReachTask(self.cfg, self.sim, self.profile, conveyor)
        self.view = View(self.model, self.data, scene.POLICY_CAMERA)
        size = self.cfg.scene.image_size
        self._renderer = SceneRenderer(self.model, size, size) if own_renderer else None
        self._video_renderer: SceneRenderer | None = None
        self.physics_substeps = max(1, int(round(1.0 / (t.control_hz * self.cfg.scene.physics_dt))))
        self._action_v = self.profile.action_velocities
        self.arm = DeployedArm(self.sim, self.profile, safety_layer) if safety else None
        if self.arm is not None:
            self.driver_periods = ticks_per(self.arm.layer.params.control_rate, t.control_hz,
                                            "task.yaml: task.control_hz")
        self.observation_space = spaces.Dict({
            "pixels": spaces.Box(0, 255, (size, size, 3), np.uint8),
            "proprio": spaces.Box(*self._proprio_bounds(), dtype=np.float32),
        })
        self.action_space = spaces.MultiDiscrete([ACTION_CHOICES] * n)
        self._steps = 0
        self._pixels: np.ndarray | None = None
        self._applied = np.zeros(n)
        self.violation: str | None = None

    def _proprio_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Joint angles within their limits (a continuous joint within how far it can turn in one episode from
        its farthest start), joint velocities within twice the hardware limit (the simulated arm overshoots its
        command briefly in contacts)."""
        t, p = self.cfg.task, self.profile
        limits = self.sim.joint_limits
        reach = np.radians(np.array(t.start_noise_deg)) + t.episode_steps / t.control_hz * p.velocity_limits
        low = np.where(np.isfinite(limits[:, 0]), limits[:, 0], p.home - reach)
        high = np.where(np.isfinite(limits[:, 1]), limits[:, 1], p.home + reach)
        velocity = 2.0 * p.velocity_limits
        return np.concatenate([low, -velocity]).astype(np.float32), np.concatenate([high, velocity]).astype(np.float32)

    @property
    def draw(self) -> EpisodeDraw | None:
        return self.task.draw

    # --- episode -------------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        self.reset_state(seed, options)
        return self._observation(self._render_own()), self._info(None, False)

    def reset_state(self, seed: int | None = None, options: dict | None = None) -> None:
        """A new episode's world, without rendering it (a vector env renders many at once)."""
        super().reset(seed=seed)
        self.task.initialize_episode(self.np_random, options)
        if self.arm is not None:
            self.arm.new_episode()
        self._steps = 0
        self._applied = np.zeros(self.profile.n_joints)
        self.violation = None

    def set_target(self, xy: np.ndarray) -> None:
        """Place the target's centre on the table at `xy` (its base rests on the table top)."""
        self.task.set_target(xy)

    # --- stepping ------------------------------------------------------------------------------------
    def step(self, action):
        reward, terminated, truncated, info = self.advance(action)
        return self._observation(self._render_own()), reward, terminated, truncated, info

    def velocity_command(self, action) -> np.ndarray:
        action = np.asarray(action)
        if action.shape != (self.profile.n_joints,) or np.any((action < 0) | (action >= ACTION_CHOICES)):
            raise ValueError(f"action must be {self.profile.n_joints} integers in 0..{ACTION_CHOICES - 1}, "
                             f"got {action!r}")
        return (action.astype(float) - 1.0) * self._action_v

    def advance(self, action):
        """One control step without rendering: (reward, terminated, truncated, info). A vector env renders its
        envs together afterwards; privileged controllers need no pixels at all."""
        delivered = self.task.deliver(self.velocity_command(action))
        if self.arm is None:
            if delivered is not None:
                self._applied = delivered
            self.sim.set_velocity_command(self._applied)
            # The command is constant over the control period, so a contact or limit reached mid-period is
            # still there at its end: one check per control step sees every violation.
            mujoco.mj_step(self.model, self.data, nstep=self.physics_substeps)
            self.task.advance_target(1.0 / self.cfg.task.control_hz)
            self.violation = self.violation or self.sim.violation()
        else:
            step, physics_period = self.arm.driver.step, self.physics_period
            for period in range(self.driver_periods):
                step()  # drive(): read the joint state, run the safety layer, send
                if period == 0 and delivered is not None:
                    # after the period's driver step, as a command from the graph arrives: it acts from the
                    # next driver period on, one period late, on the robot and in SimWorld alike
                    self.submit(delivered)
                physics_period()
        self._steps += 1
        violation = self.violation
        reward, distance = self.task.reward(violation)
        terminated = self.task.terminated(violation)
        truncated = not terminated and self.task.truncated(self._steps, violation)
        return reward, terminated, truncated, self._info(violation, distance <= self.cfg.task.reward_radius, distance)

    # --- the deployment path, one driver period at a time (SimWorld drives these between messages) ---------
    def submit(self, velocities, names=None, valid_for: float = 0.0):
        """A velocity command to the driver, as the joint_command topic delivers it (the SafetyStatus)."""
        return self.arm.driver.submit(velocities, names, valid_for)

    def drive(self):
        """The driver's period: read the joint state, run the safety layer, send to the arm (the Tick)."""
        return self.arm.driver.step()

    def physics_period(self) -> None:
        """Physics for one driver period, the target's motion, the episode's first violation, the clock."""
        arm = self.arm
        self.sim.advance(arm.period)
        self.task.advance_target(arm.period)
        if self.violation is None:
            self.violation = self.sim.violation()
        arm.ticks += 1

    # --- observations --------------------------------------------------------------------------------
    def target_position(self) -> np.ndarray:
        return self.task.target_position()

    def palm_target_distance(self) -> float:
        return self.task.distance()

    def _render_own(self) -> np.ndarray:
        self._pixels = self._renderer.render([self.view])[0]
        return self._pixels

    def _observation(self, pixels: np.ndarray) -> dict:
        self._pixels = pixels
        proprio = np.concatenate([self.sim.joint_positions(), self.sim.joint_velocities()]).astype(np.float32)
        return {"pixels": pixels, "proprio": proprio}

    def _info(self, violation: str | None, within: bool, distance: float | None = None) -> dict:
        return {
            "privileged": {"target_pos": self.target_position().astype(np.float32),
                           "palm_pos": self.sim.palm_position().astype(np.float32)},
            "violation": violation,
            "within_radius": bool(within),
            "distance": self.palm_target_distance() if distance is None else distance,
            "step": self._steps,
        }

    def render(self):
        return None if self._pixels is None else self._pixels.copy()

    def render_camera(self, width: int = 256, height: int = 256) -> np.ndarray:
        """The policy camera at a viewing resolution (videos), from a second, lazily built context."""
        if self._video_renderer is None or (self._video_renderer.width, self._video_renderer.height) != (width, height):
            self._video_renderer = SceneRenderer(self.model, width, height)
        return self._video_renderer.render([self.view])[0]

    def close(self):
        for r in (self._renderer, self._video_renderer):
            if r is not None:
                r.close()
        self._renderer = self._video_renderer = None
