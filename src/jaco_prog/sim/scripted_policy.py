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

"""A scripted reacher that cheats: it reads the privileged target position and the palm Jacobian.

It shows the task is solvable with the discrete {-v, 0, +v} actions, gives the README's main job a policy
that visibly reaches before a learned column exists, and is a reference score for learned policies.
"""
from __future__ import annotations

import mujoco
import numpy as np

from jaco_prog.sim import scene


FINGER_ACTIONS = {"open": 0, "hold": 1, "close": 2}


class ScriptedReacher:
    """Damped-least-squares reaching on the palm Jacobian, with the fingers commanded all the time to `fingers`.

    Open fingers stick 7 cm past the palm (the blocky j2n6s300 model) and closed ones fold across it, so a
    closed hand can hover lower without touching the table; that widens the band of palm heights that both
    score and stay clear, which makes the teacher forgiving to imitate (bench/task_ceiling.py measures it).
    """

    def __init__(self, env, hover: float | None = None, deadband: float | None = None, fingers: str | None = None,
                 arrival: float | None = None, lead: float | None = None):
        """Left out, each setting is DAgger's teacher's (config/imitate.yaml teacher_hover, teacher_deadband,
        teacher_fingers, teacher_arrival, teacher_lead)."""
        given = {"hover": hover, "deadband": deadband, "fingers": fingers, "arrival": arrival, "lead": lead}
        if any(v is None for v in given.values()):
            from jaco_prog.train_settings import ImitationConfig

            teacher = ImitationConfig()
            given = {k: getattr(teacher, "teacher_" + k) if v is None else v for k, v in given.items()}
        hover, deadband, fingers = given["hover"], given["deadband"], given["fingers"]
        if fingers not in FINGER_ACTIONS:
            raise ValueError(f"fingers must be one of {', '.join(FINGER_ACTIONS)} (got {fingers!r})")
        self.env = env.unwrapped
        self.hover = hover  # aim this far above the target centre: close enough to score, clear of the table
        self.deadband = deadband  # a joint whose wanted motion (the fastest arm joint's at 1) is below it holds
        # Within `arrival` of the aim point the arm holds still: a ball of 3 cm around a point 7 cm above the
        # target lies inside the 10 cm reward radius, and a hold region that wide is one a student can see.
        self.arrival = given["arrival"]
        # The deployed arm follows a new command one driver period late and ramps to it (acceleration limit):
        # steering the palm where its joint velocities carry it `lead` seconds on stops it before it overshoots.
        self.lead = given["lead"]
        self.fingers = fingers
        m = self.env.model
        self._site = m.site(scene.PALM_SITE).id
        self._dofs = np.array([m.joint(n).dofadr[0] for n in self.env.profile.joint_names])
        self.arm = np.array([j.group == "arm" for j in self.env.profile.joints])  # True: arm joint, False: finger
        self._jacp = np.zeros((3, m.nv))

    def reset(self) -> None:
        pass

    def goal(self) -> np.ndarray:
        """Where the palm is steered: `hover` above the target centre."""
        return self.env.target_position() + np.array([0.0, 0.0, self.hover])

    def palm_jacobian(self) -> np.ndarray:
        """d(palm position) / d(joint angle), 3 x the profile's joints, in action order."""
        mujoco.mj_jacSite(self.env.model, self.env.data, self._jacp, None, self._site)
        return self._jacp[:, self._dofs]

    def _joint_motion(self) -> tuple[np.ndarray, bool]:
        """The arm's wanted joint motion, scaled so the largest arm joint moves at 1, and whether the palm is
        close enough to the goal to hold still."""
        jac = self.palm_jacobian()
        palm = self.env.sim.palm_position()
        if self.lead:
            palm = palm + self.lead * (jac @ self.env.sim.joint_velocities())
        error = self.goal() - palm
        # damped least squares: joint motion that best moves the palm towards the goal
        dq = jac.T @ np.linalg.solve(jac @ jac.T + 1e-3 * np.eye(3), error)
        return dq / (np.max(np.abs(dq[self.arm])) + 1e-9), bool(np.linalg.norm(error) < self.arrival)

    def act(self, obs=None) -> np.ndarray:
        return self._action(*self._joint_motion())

    def _action(self, dq: np.ndarray, arrived: bool) -> np.ndarray:
        action = np.ones(self.env.profile.n_joints, dtype=np.int64)
        action[self.arm & (dq > self.deadband)] = 2
        action[self.arm & (dq < -self.deadband)] = 0
        if arrived:
            action[self.arm] = 1
        action[~self.arm] = FINGER_ACTIONS[self.fingers]
        return action

    def act_and_label(self, temperature: float) -> tuple[np.ndarray, np.ndarray]:
        """act()'s action and a soft label of it (joints x 3 probabilities) for imitation.

        A bang-bang teacher flips a joint between 0 and +-v where its wanted motion crosses the deadband, so hard
        labels disagree with themselves between neighbouring states. The soft label moves a share
        w = 0.45 exp(-d / temperature) of each arm joint's probability to the action across the deadband, d the
        distance of the wanted motion from it: the teacher's action stays the most probable, and the label is
        sure far from the deadband, while holding still at the goal, and for the fingers. temperature 0: one-hot."""
        dq, arrived = self._joint_motion()  # once: the Jacobian solve is the collection's hot path
        action = self._action(dq, arrived)
        joints = np.arange(len(action))
        label = np.zeros((len(action), 3), np.float32)
        label[joints, action] = 1.0
        if temperature > 0 and not arrived:
            moving = np.abs(dq) > self.deadband
            across = np.where(moving, 1, np.where(dq > 0, 2, 0))  # moving: hold; holding: the way dq points
            share = 0.45 * np.exp(-np.abs(np.abs(dq) - self.deadband) / temperature)
            arm = joints[self.arm]
            label[arm, action[arm]] -= share[arm]
            label[arm, across[arm]] += share[arm]
        return action, label


class RandomPolicy:
    def __init__(self, env, seed: int | None = None):
        self.space = env.action_space
        self.space.seed(seed)

    def reset(self) -> None:
        pass

    def act(self, obs=None) -> np.ndarray:
        return self.space.sample()
