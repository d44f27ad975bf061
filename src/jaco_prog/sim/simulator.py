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

"""The simulated arm: MuJoCo physics driven by joint-velocity commands, with the paper's safety violations.

Shared by the gymnasium task, the `sim` hardware backend and the ROS sim node, so all three see the same
physics, the same joint order (the robot profile's) and the same notion of a violation.
"""
from __future__ import annotations

import mujoco
import numpy as np

from jaco_prog.robot.profile import RobotProfile
from jaco_prog.sim import scene
from jaco_prog.sim.scene import SceneConfig

TABLE_CONTACT = "table_contact"
SELF_COLLISION = "self_collision"
JOINT_LIMIT = "joint_limit"


class ArmSimulator:
    def __init__(self, profile: RobotProfile, model: mujoco.MjModel, joint_limit_margin: float = 0.0):
        self.profile = profile
        self.model = model
        self.data = mujoco.MjData(model)
        self.joint_names = profile.joint_names
        joints = [model.joint(n) for n in self.joint_names]
        self._qpos_adr = np.array([j.qposadr[0] for j in joints])
        self._dof_adr = np.array([j.dofadr[0] for j in joints])
        self._actuators = np.array([model.actuator(f"{n}_velocity").id for n in self.joint_names])
        self._limited = np.array([bool(model.jnt_limited[j.id]) for j in joints])
        self._palm_site = model.site(scene.PALM_SITE).id
        self._table_geom = model.geom(scene.TABLE_GEOM).id
        robot_bodies = {model.body(model.jnt_bodyid[j.id]).id for j in joints}
        # every body below the first moving link belongs to the moving robot
        self._robot_body = np.zeros(model.nbody, bool)
        for b in range(model.nbody):
            walk = b
            while walk > 0 and walk not in robot_bodies:
                walk = model.body_parentid[walk]
            self._robot_body[b] = walk > 0
        self.home = profile.home.copy()
        arm = np.array([j.group == "arm" for j in profile.joints])
        # the set limits (hardware limit minus margin) of the limited arm joints, checked every physics step
        self._checked = np.flatnonzero(self._limited & arm)
        ranges = model.jnt_range[[j.id for j in joints]][self._checked]
        self._set_low = ranges[:, 0] + joint_limit_margin
        self._set_high = ranges[:, 1] - joint_limit_margin

    @classmethod
    def from_profile(cls, profile: RobotProfile, scene_cfg: SceneConfig | None = None,
                     joint_limit_margin: float | None = None) -> "ArmSimulator":
        """The arm in the scene of config/task.yaml unless `scene_cfg` is given; the set joint-limit margin
        defaults to task.joint_limit_margin_deg from the same file."""
        if scene_cfg is None or joint_limit_margin is None:
            from jaco_prog.sim.task_config import load_task_config
            task_cfg = load_task_config()
            scene_cfg = scene_cfg or task_cfg.scene
            if joint_limit_margin is None:
                joint_limit_margin = float(np.radians(task_cfg.task.joint_limit_margin_deg))
        return cls(profile, scene.build_model(profile, scene_cfg), joint_limit_margin)

    # --- state -----------------------------------------------------------------------------------------
    @property
    def time(self) -> float:
        return float(self.data.time)

    @property
    def joint_limits(self) -> np.ndarray:
        """(n, 2) position limits in rad; +-inf for continuous joints."""
        ranges = self.model.jnt_range[[self.model.joint(n).id for n in self.joint_names]].copy()
        ranges[~self._limited] = [-np.inf, np.inf]
        return ranges

    def reset(self, q: np.ndarray | None = None) -> None:
        mujoco.mj_resetData(self.model, self.data)
        self.data.qpos[self._qpos_adr] = self.home if q is None else np.asarray(q, float)
        mujoco.mj_forward(self.model, self.data)

    def joint_positions(self) -> np.ndarray:
        return self.data.qpos[self._qpos_adr].copy()

    def joint_velocities(self) -> np.ndarray:
        return self.data.qvel[self._dof_adr].copy()

    def palm_position(self) -> np.ndarray:
        return self.data.site_xpos[self._palm_site].copy()

    # --- motion ----------------------------------------------------------------------------------------
    def set_velocity_command(self, qd: np.ndarray) -> None:
        self.data.ctrl[self._actuators] = qd

    def advance(self, duration: float) -> None:
        """Step physics for `duration` seconds of sim time (rounded to whole physics steps)."""
        n = max(1, int(round(duration / self.model.opt.timestep)))
        mujoco.mj_step(self.model, self.data, nstep=n)

    # --- safety (paper section 4: self-intersection, table top, joint limits) --------------------------
    def violation(self) -> str | None:
        q = self.data.qpos[self._qpos_adr[self._checked]]
        outside = (q <= self._set_low) | (q >= self._set_high)
        if outside.any():
            return f"{JOINT_LIMIT}:{self.joint_names[self._checked[np.argmax(outside)]]}"
        if self.data.ncon == 0:
            return None
        for c in self.data.contact[: self.data.ncon]:
            if c.dist > 0:
                continue
            b1, b2 = self.model.geom_bodyid[c.geom1], self.model.geom_bodyid[c.geom2]
            if self._table_geom in (c.geom1, c.geom2):
                if self._robot_body[b1] or self._robot_body[b2]:
                    return TABLE_CONTACT
            elif self._robot_body[b1] or self._robot_body[b2]:
                # a moving link touching another moving link or the static base: the arm hits itself
                return SELF_COLLISION
        return None
