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

"""SimWorld: what sim_node runs, without ROS. It stands in for camera_node + driver_node.

    world = SimWorld.build(task="reach", preset=None, profile="j2n6s300", seed=0)
    every driver period (safety.yaml control_rate, 100 Hz), on the sim clock:
        out = world.tick()        # SimOutputs: joint state every period; image + camera_info, ground-truth
                                  # reward, driver status and clock when due (None otherwise)
        ... publish what is not None, deliver commands: world.submit(names, velocities)
        world.advance()           # physics for one period; the clock moves on by one period
    services: world.estop(), world.reset_driver(), world.enable(flag), world.reset_episode(seed)
    'start n' on episode_event: world.begin_episode()

It runs the training environment's own task and deployment path (jaco_prog.sim.reach_env: ReachTask +
DeployedArm): the same episode draws for the same seed (scene, camera, dynamics, arm start, target), the same
command delivery (latency and dropped commands, one draw per command as in training), the same driver loop and
safety layer on the sim backend, the same conveyor motion and the same reward rule. The clock is the
env's, monotonic across episode resets (MuJoCo's own time restarts at 0 on a reset; ours does not).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jaco_prog.messages import camera_info_fields
from jaco_prog.perception.camera_model import PinholeCamera
from jaco_prog.runtime.episodes import VIOLATION_KEY
from jaco_prog.config import ticks_per
from jaco_prog.runtime.params import RuntimeParams, SimParams, load_runtime_params
from jaco_prog.safety.layer import SafetyLayer, SafetyStatus
from jaco_prog.sim import scene
from jaco_prog.topics import JointCommand


@dataclass
class SimOutputs:
    """What one driver period publishes; None: not due this period."""
    stamp: float  # s, sim clock
    stamp_ns: int
    joint_names: list[str]
    positions: np.ndarray | None  # None when the driver could not read the state (never in sim)
    velocities: np.ndarray | None
    driver_status: SafetyStatus | None  # due at sim.driver_status_rate
    image: np.ndarray | None  # H x W x 3 uint8 RGB at the camera rate
    camera_info: dict | None  # with each image: width, height, K (9), D, R, P (12), distortion_model
    reward_ground_truth: float | None  # with each image when sim.ground_truth_reward
    clock: bool  # publish /clock now
    violation: str | None  # first safety violation of this episode (sim only)
    applied: np.ndarray | None = None  # velocities the driver sent this period (after the safety layer)


class SimWorld:
    def __init__(self, env, params: RuntimeParams | None = None, seed: int = 0):
        self.env = env.unwrapped
        if self.env.arm is None:
            raise ValueError("SimWorld drives the arm through the driver and safety layer: build the env with "
                             "safety=True")
        self.params = params or load_runtime_params()
        sp: SimParams = self.params.sim
        self.sim = self.env.sim
        self.profile = self.env.profile
        self.joint_names = list(self.profile.joint_names)
        self.driver = self.env.arm.driver
        self.layer: SafetyLayer = self.env.arm.layer
        self.period = self.env.arm.period
        self.period_ns = int(round(self.period * 1e9))
        rate = self.layer.params.control_rate
        where = "runtime.yaml: sim"
        self.camera_every = ticks_per(rate, sp.camera_rate, f"{where}.camera_rate")
        self.joint_state_every = ticks_per(rate, sp.joint_state_rate, f"{where}.joint_state_rate")
        self.status_every = ticks_per(rate, sp.driver_status_rate, f"{where}.driver_status_rate")
        self.clock_every = ticks_per(rate, sp.clock_rate, f"{where}.clock_rate")
        self.enabled = True
        self.episode_seed: int | None = None
        self._camera: PinholeCamera | None = None
        self.reset_episode(seed)

    @classmethod
    def build(cls, task: str = "reach", preset: str | None = None, profile: str = "j2n6s300", seed: int = 0,
              params: RuntimeParams | None = None, overrides: dict | None = None,
              safety_layer: SafetyLayer | None = None) -> "SimWorld":
        from jaco_prog.sim import make_env

        # the env's own 64x64 renderer is not needed: the world renders the camera at its resolution
        env = make_env(task=task, preset=preset, profile=profile, overrides=overrides, own_renderer=False,
                       safety_layer=safety_layer)
        return cls(env, params, seed)

    # --- clock -------------------------------------------------------------------------------------------
    @property
    def ticks(self) -> int:
        return self.env.arm.ticks

    @property
    def now(self) -> float:
        return self.ticks * self.period

    @property
    def now_ns(self) -> int:
        return self.ticks * self.period_ns

    def clock(self) -> float:
        return self.now

    # --- services ----------------------------------------------------------------------------------------
    def reset_episode(self, seed: int | None = None, options: dict | None = None) -> None:
        """New episode: arm start, target, randomised scene and camera (seeded); the clock runs on."""
        self.env.reset_state(seed=seed, options=options)
        self.episode_seed = seed
        self._camera = None

    def begin_episode(self) -> None:
        """The policy starts the episode ('start n'): command delivery and the conveyor begin now, as in
        the training environment's first step, whatever happened since the reset."""
        self.env.task.begin()

    def estop(self, reason: str = "e-stop requested") -> None:
        self.driver.estop(reason)

    def reset_driver(self) -> None:
        self.driver.reset()

    def enable(self, flag: bool) -> None:
        """Disabled: commands are ignored (the watchdog then holds zero velocity)."""
        self.enabled = bool(flag)

    def submit(self, velocities, names=None, valid_for: float = 0.0) -> SafetyStatus | None:
        """A joint velocity command (names + velocities, valid for `valid_for` s) from the policy."""
        return self.submit_command(JointCommand(tuple(names or ()), tuple(velocities), valid_for))

    def submit_command(self, command: JointCommand) -> SafetyStatus | None:
        """A command read from the joint_command topic (jaco_prog.topics.read_joint_command). It reaches the
        driver as commands reach the arm in training: `latency_steps` commands late, or not at all when dropped
        (None then, and when disabled)."""
        if not self.enabled:
            return None
        delivered = self.env.task.deliver(command)
        return None if delivered is None else self.driver.submit_command(delivered)

    # --- sensing -----------------------------------------------------------------------------------------
    def camera_model(self) -> PinholeCamera:
        """The calibrated camera of this episode (pose in the robot base frame) at the camera resolution."""
        if self._camera is None:
            sp = self.params.sim
            self._camera = PinholeCamera.from_mujoco(self.env.model, self.env.data, scene.POLICY_CAMERA,
                                                     sp.camera_width, sp.camera_height)
        return self._camera

    def camera_info(self) -> dict:
        return camera_info_fields(self.camera_model())

    def render(self, width: int | None = None, height: int | None = None) -> np.ndarray:
        sp = self.params.sim
        return self.env.render_camera(width or sp.camera_width, height or sp.camera_height)

    def target_position(self) -> np.ndarray:
        return self.env.target_position()

    def palm_position(self) -> np.ndarray:
        return self.sim.palm_position()

    def violation_diagnostic(self, name: str) -> dict | None:
        """An ERROR diagnostic naming this episode's safety violation (None without one, or when the
        configuration does not end episodes on violations): the policy node ends the episode on it."""
        if self.violation is None or not self.params.sim.end_on_violation:
            return None
        return {"level": 2, "name": name, "message": "safety violation",
                "values": {VIOLATION_KEY: self.violation}}

    def ground_truth_reward(self) -> float:
        return self.env.task.reward(self.violation)[0]

    # --- the period --------------------------------------------------------------------------------------
    def tick(self) -> SimOutputs:
        """One driver period at `now`: the driver reads the joint state, runs the safety layer and sends; the
        camera renders when due. Deliver commands after this call, then call advance()."""
        k = self.ticks
        tick = self.env.drive()
        state = tick.state
        due_camera = k % self.camera_every == 0
        image = self.render() if due_camera else None
        publish_state = k % self.joint_state_every == 0 and state is not None
        return SimOutputs(
            stamp=self.now, stamp_ns=self.now_ns, joint_names=self.joint_names,
            positions=state.positions if publish_state else None,
            velocities=state.velocities if publish_state else None,
            driver_status=tick.status if k % self.status_every == 0 else None,
            image=image, camera_info=self.camera_info() if due_camera else None,
            reward_ground_truth=self.ground_truth_reward() if due_camera and self.params.sim.ground_truth_reward
            else None,
            clock=k % self.clock_every == 0, violation=self.violation, applied=tick.output)

    def advance(self) -> None:
        """Physics for one driver period (the conveyor target moves too); then the clock moves on."""
        self.env.physics_period()

    @property
    def violation(self) -> str | None:
        """The episode's first safety violation (None so far)."""
        return self.env.violation

    @violation.setter
    def violation(self, value: str | None) -> None:
        self.env.violation = value

    def close(self) -> None:
        self.env.close()
