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
        # the checks of violation() as plain lists (it runs every driver period; a handful of joints)
        self._limit_checks = list(zip(self._checked.tolist(), [self.joint_names[i] for i in self._checked],
                                      self._set_low.tolist(), self._set_high.tolist()))
        self._steps_of: tuple[float, float, int] | None = None  # (duration, timestep, physics steps)
        # Views of the profile's entries in qpos / qvel / ctrl, kept while `data` is the same MjData (its arrays
        # are allocated once; a planner may point `data` at a copy for a while): cheaper than fancy indexing
        # every driver period. None where the entries are not contiguous.
        self._viewed: mujoco.MjData | None = None
        self._slices = [self._contiguous(a) for a in (self._qpos_adr, self._dof_adr, self._actuators)]
        self._views: list[np.ndarray | None] = [None, None, None]

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

    @staticmethod
    def _contiguous(index: np.ndarray) -> slice | None:
        if len(index) and np.array_equal(index, np.arange(index[0], index[0] + len(index))):
            return slice(int(index[0]), int(index[0]) + len(index))
        return None

    def _view(self, which: int) -> np.ndarray | None:
        """The cached view of qpos (0), qvel (1) or ctrl (2) entries of the profile's joints, or None."""
        data = self.data
        if data is not self._viewed:
            self._viewed = data
            self._views = [None if sl is None else array[sl]
                           for sl, array in zip(self._slices, (data.qpos, data.qvel, data.ctrl))]
        return self._views[which]

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
        view = self._view(0)
        return self.data.qpos[self._qpos_adr] if view is None else view.copy()

    def joint_velocities(self) -> np.ndarray:
        view = self._view(1)
        return self.data.qvel[self._dof_adr] if view is None else view.copy()

    def palm_position(self) -> np.ndarray:
        return self.data.site_xpos[self._palm_site].copy()

    # --- motion ----------------------------------------------------------------------------------------
    def set_velocity_command(self, qd: np.ndarray) -> None:
        view = self._view(2)
        if view is None:
            self.data.ctrl[self._actuators] = qd
        else:
            view[:] = qd

    def advance(self, duration: float) -> None:
        """Step physics for `duration` seconds of sim time (rounded to whole physics steps)."""
        timestep = self.model.opt.timestep
        steps_of = self._steps_of
        if steps_of is None or steps_of[0] != duration or steps_of[1] != timestep:
            steps_of = self._steps_of = (duration, timestep, max(1, int(round(duration / timestep))))
        mujoco.mj_step(self.model, self.data, nstep=steps_of[2])

    # --- safety (paper section 4: self-intersection, table top, joint limits) --------------------------
    def violation(self) -> str | None:
        """The first violation now, in this order: a checked joint at its set limit (the first such joint),
        then the first touching contact (dist <= 0) of a moving link: with the table top, else with another
        link or the base (the arm hits itself)."""
        view = self._view(0)
        q = self.data.qpos[self._qpos_adr] if view is None else view
        values = q.tolist()
        for i, name, low, high in self._limit_checks:
            if values[i] <= low or values[i] >= high:
                return f"{JOINT_LIMIT}:{name}"
        if self.data.ncon == 0:
            return None
        contact = self.data.contact
        touching = ~(contact.dist > 0)
        if not touching.any():
            return None
        g1, g2 = contact.geom1[touching], contact.geom2[touching]
        body_of = self.model.geom_bodyid
        robot = self._robot_body[body_of[g1]] | self._robot_body[body_of[g2]]
        if not robot.any():
            return None
        first = int(np.argmax(robot))
        return TABLE_CONTACT if self._table_geom in (g1[first], g2[first]) else SELF_COLLISION
