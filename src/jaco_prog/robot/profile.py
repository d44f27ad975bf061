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

"""Robot profiles (config/robots.yaml): which joints a policy drives, in what order, how fast."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jaco_prog.config import ConfigError, config_class, from_mapping, join, load_yaml, require, setting
from jaco_prog.paths import config_path, urdf_path

GROUPS = ("arm", "gripper")


@dataclass(frozen=True)
class JointSpec:
    name: str
    group: str
    velocity_limit: float
    action_velocity: float
    home: float  # rad


@dataclass(frozen=True)
class RobotProfile:
    name: str
    description: str
    urdf: str | None
    base_link: str
    palm_link: str
    joints: tuple[JointSpec, ...]

    @property
    def joint_names(self) -> list[str]:
        return [j.name for j in self.joints]

    @property
    def n_joints(self) -> int:
        return len(self.joints)

    @property
    def action_velocities(self) -> np.ndarray:
        return np.array([j.action_velocity for j in self.joints])

    @property
    def velocity_limits(self) -> np.ndarray:
        return np.array([j.velocity_limit for j in self.joints])

    @property
    def home(self) -> np.ndarray:
        return np.array([j.home for j in self.joints])

    def urdf_file(self) -> Path:
        if not self.urdf:
            raise ConfigError(f"robots.yaml: profiles.{self.name}.urdf",
                              "this profile ships no URDF, so it cannot be simulated or used for FK")
        path = urdf_path(self.urdf)
        if not path.is_file():
            raise ConfigError(f"robots.yaml: profiles.{self.name}.urdf", f"file {path} not found")
        return path

    def to_dict(self) -> dict:
        """Plain data, for checkpoints and bag metadata."""
        return {"name": self.name, "joint_names": self.joint_names,
                "groups": [j.group for j in self.joints],
                "action_velocities": self.action_velocities.tolist()}


# robots.yaml writes the URDF's velocity limits to 4 decimals (0.8378 for 0.837758): that much above is the
# same limit, anything more is a limit the hardware does not have.
URDF_ROUNDING = 5e-5


@config_class(frozen=True)
class JointEntry:
    """One joint of a profile as robots.yaml writes it."""
    name: str = setting("URDF joint name", nonempty=True)
    group: str = setting("joint group", choices=GROUPS)
    velocity_limit: float = setting("the hardware limit, the safety layer clamps to it (at most the URDF's "
                                    "<limit velocity>)", unit="rad/s", above=0)
    action_velocity: float = setting("v of the discrete action set {-v, 0, +v}", unit="rad/s", above=0)
    home_deg: float = setting("the nominal start pose around which random starts are drawn", unit="deg")

    def check_config(self, where: str) -> None:
        if self.action_velocity > self.velocity_limit:
            raise ConfigError(join(where, "action_velocity"),
                              f"{self.action_velocity} exceeds velocity_limit {self.velocity_limit}")


@config_class(frozen=True)
class ProfileEntry:
    """One profile of robots.yaml."""
    description: str = setting("what the robot is")
    urdf: str | None = setting("file in urdf/ (null: no URDF ships, no simulation or forward kinematics)",
                               nonempty=True)
    base_link: str = setting("robot base frame", nonempty=True)
    palm_link: str = setting("link whose origin is the palm", nonempty=True)
    joints: tuple[JointEntry, ...] = setting("the joints a policy drives, in action order", nonempty=True)

    def check_config(self, where: str) -> None:
        seen = set()
        for i, joint in enumerate(self.joints):
            if joint.name in seen:
                raise ConfigError(f"{where}.joints[{i}].name", f"duplicate joint {joint.name!r}")
            seen.add(joint.name)


def _check_urdf_velocities(profile: RobotProfile, where: str) -> None:
    """No velocity_limit above the URDF's <limit velocity> (joints the URDF lacks are the scene's to refuse)."""
    if not profile.urdf or not urdf_path(profile.urdf).is_file():
        return  # reported by urdf_file() where a URDF is needed
    from jaco_prog.robot.kinematics import UrdfChain

    urdf_joints = UrdfChain.from_file(urdf_path(profile.urdf)).joints
    for i, joint in enumerate(profile.joints):
        limit = getattr(urdf_joints.get(joint.name), "velocity", None)
        if limit is not None and joint.velocity_limit > limit + URDF_ROUNDING:
            raise ConfigError(f"{where}.joints[{i}].velocity_limit",
                              f"{joint.velocity_limit} rad/s is above {profile.urdf}'s <limit velocity> {limit} "
                              f"of {joint.name}")


def _profile(name: str, raw, where: str) -> RobotProfile:
    entry = from_mapping(ProfileEntry, raw, where)
    joints = tuple(JointSpec(j.name, j.group, j.velocity_limit, j.action_velocity, float(np.radians(j.home_deg)))
                   for j in entry.joints)
    profile = RobotProfile(name=name, description=entry.description, urdf=entry.urdf, base_link=entry.base_link,
                           palm_link=entry.palm_link, joints=joints)
    _check_urdf_velocities(profile, where)
    return profile


def load_profiles(path: str | Path | None = None) -> dict[str, RobotProfile]:
    path = Path(path) if path else config_path("robots.yaml")
    data = load_yaml(path)
    for key in data:
        if key != "profiles":
            raise ConfigError(join(path.name, key), "unknown key; known: profiles")
    profiles = require(data, "profiles", path.name)
    if not isinstance(profiles, dict) or not profiles:
        raise ConfigError(join(path.name, "profiles"), "must be a mapping of profile names to profiles")
    return {name: _profile(name, raw, join(path.name, f"profiles.{name}")) for name, raw in profiles.items()}


def load_profile(name: str, path: str | Path | None = None) -> RobotProfile:
    profiles = load_profiles(path)
    if name not in profiles:
        raise ConfigError("robot_profile", f"unknown profile {name!r}; known: {', '.join(sorted(profiles))}")
    return profiles[name]
