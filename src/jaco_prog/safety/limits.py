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

"""Per-joint limit vectors (profile order) and the workspace model, built from the robot profile, the URDF
and config/safety.yaml. Everything here is computed once; the safety layer only indexes the arrays."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jaco_prog.config import ConfigError
from jaco_prog.robot.kinematics import ChainKinematics, UrdfChain
from jaco_prog.robot.profile import RobotProfile
from jaco_prog.safety.params import SafetyParams


@dataclass(frozen=True)
class JointLimits:
    """Arrays in profile joint order. Position limits of exempt (continuous / unlimited) joints are +-inf."""
    names: tuple[str, ...]
    velocity: np.ndarray  # rad/s, already scaled by velocity_scale
    acceleration: np.ndarray  # rad/s^2
    deceleration: np.ndarray  # rad/s^2 braking deceleration
    lower: np.ndarray  # rad, URDF (or override) limits
    upper: np.ndarray
    stop_lower: np.ndarray  # rad, where the joint comes to rest: limit + margin
    stop_upper: np.ndarray

    @property
    def limited(self) -> np.ndarray:
        return np.isfinite(self.lower) | np.isfinite(self.upper)

    @classmethod
    def build(cls, profile: RobotProfile, params: SafetyParams, chain: UrdfChain | None = None) -> "JointLimits":
        n = profile.n_joints
        lower, upper = np.full(n, -np.inf), np.full(n, np.inf)
        pos = params.position_limits
        if pos.enabled:
            if chain is not None:
                for i, name in enumerate(profile.joint_names):
                    joint = chain.joints.get(name)
                    if joint is None:
                        raise ConfigError(f"robots.yaml: profiles.{profile.name}",
                                          f"joint {name!r} is not in the URDF {profile.urdf}")
                    if joint.lower is not None and joint.upper is not None:
                        lower[i], upper[i] = joint.lower, joint.upper
            for name, (lo, hi) in pos.overrides.items():
                if name not in profile.joint_names:
                    raise ConfigError(f"safety.yaml: position_limits.overrides.{name}",
                                      f"not a joint of profile {profile.name!r}")
                i = profile.joint_names.index(name)
                lower[i], upper[i] = lo, hi
        margin = pos.margin if pos.enabled else 0.0
        stop_lower, stop_upper = lower + margin, upper - margin
        bad = np.flatnonzero(stop_lower > stop_upper)
        if bad.size:
            raise ConfigError("safety.yaml: position_limits.margin",
                              f"{margin} rad leaves no room on joint {profile.joint_names[bad[0]]}")
        groups = [j.group for j in profile.joints]
        return cls(
            names=tuple(profile.joint_names),
            velocity=profile.velocity_limits * params.velocity_scale,
            acceleration=np.array([params.acceleration_limit.of(g) for g in groups]),
            deceleration=np.array([params.braking_deceleration.of(g) for g in groups]),
            lower=lower, upper=upper, stop_lower=stop_lower, stop_upper=stop_upper,
        )


class Workspace:
    """Palm inside a box and above the table plane (plus margin); extra links above the table (clearance).

    `excess(P)` for points P (N, L, 3) is the largest distance (m) by which any constraint is violated in
    each configuration: <= 0 inside, > 0 outside.
    """

    def __init__(self, profile: RobotProfile, params: SafetyParams, chain: UrdfChain):
        ws = params.workspace
        links = [profile.palm_link] + [p.link for p in ws.clearance_points]
        for link in links:
            try:
                chain.path_to(link)
            except KeyError:
                raise ConfigError("safety.yaml: workspace.clearance_points",
                                  f"link {link!r} is not in the URDF {profile.urdf}") from None
        self.links = links
        self.kinematics = ChainKinematics(chain, links, profile.joint_names, frame=profile.base_link)
        self.moving_joints = np.array(self.kinematics.moving_joints, dtype=int)
        self.z_min = ws.table_height + np.array([ws.table_margin] + [p.clearance for p in ws.clearance_points])
        self.box_low = np.array([b[0] for b in ws.box])
        self.box_high = np.array([b[1] for b in ws.box])

    def excess(self, points: np.ndarray) -> np.ndarray:
        table = (self.z_min - points[:, :, 2]).max(axis=1)
        palm = points[:, 0, :]
        box = np.maximum(self.box_low - palm, palm - self.box_high).max(axis=1)
        return np.maximum(table, box)

    def inside_by(self, points: np.ndarray, reach: np.ndarray) -> bool:
        """Whether every point (L, 3) stays inside even when point l moves by up to reach[l] (m)."""
        if np.any(points[:, 2] - reach < self.z_min):
            return False
        palm = points[0]
        return bool(np.all(palm - reach[0] >= self.box_low) and np.all(palm + reach[0] <= self.box_high))

    def excess_at(self, q_batch: np.ndarray) -> np.ndarray:
        return self.excess(self.kinematics.positions(q_batch))

    def describe(self, q: np.ndarray) -> str:
        """Which constraint is violated at q (for reasons and tests)."""
        points = self.kinematics.positions(np.asarray(q, float)[None, :])[0]
        parts = []
        for link, z, zmin in zip(self.links, points[:, 2], self.z_min):
            if z < zmin:
                parts.append(f"{link} {zmin - z:.3f} m below its table clearance")
        for axis, value, lo, hi in zip("xyz", points[0], self.box_low, self.box_high):
            if value < lo or value > hi:
                parts.append(f"palm {axis}={value:.3f} outside [{lo}, {hi}]")
        return "; ".join(parts) or "inside"
