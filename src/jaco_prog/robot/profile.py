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

from jaco_prog.config import ConfigError, load_yaml, number, require
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


def _parse_profile(name: str, raw: dict, where: str) -> RobotProfile:
    if not isinstance(raw, dict):
        raise ConfigError(where, "must be a mapping")
    joints_raw = require(raw, "joints", where)
    if not isinstance(joints_raw, list) or not joints_raw:
        raise ConfigError(f"{where}.joints", "must be a non-empty list")
    joints, seen = [], set()
    for i, j in enumerate(joints_raw):
        jw = f"{where}.joints[{i}]"
        jname = require(j, "name", jw)
        if not isinstance(jname, str) or not jname:
            raise ConfigError(f"{jw}.name", "must be a non-empty string")
        if jname in seen:
            raise ConfigError(f"{jw}.name", f"duplicate joint {jname!r}")
        seen.add(jname)
        group = require(j, "group", jw)
        if group not in GROUPS:
            raise ConfigError(f"{jw}.group", f"must be one of {GROUPS} (got {group!r})")
        vlim = number(require(j, "velocity_limit", jw), f"{jw}.velocity_limit", positive=True)
        v = number(require(j, "action_velocity", jw), f"{jw}.action_velocity", positive=True)
        if v > vlim:
            raise ConfigError(f"{jw}.action_velocity", f"{v} exceeds velocity_limit {vlim}")
        home = number(j.get("home_deg", 0.0), f"{jw}.home_deg")
        joints.append(JointSpec(jname, group, vlim, v, float(np.radians(home))))
    for key in ("base_link", "palm_link"):
        if not isinstance(require(raw, key, where), str):
            raise ConfigError(f"{where}.{key}", "must be a link name")
    return RobotProfile(name=name, description=str(raw.get("description", "")), urdf=raw.get("urdf"),
                        base_link=raw["base_link"], palm_link=raw["palm_link"], joints=tuple(joints))


def load_profiles(path: str | Path | None = None) -> dict[str, RobotProfile]:
    path = Path(path) if path else config_path("robots.yaml")
    data = load_yaml(path)
    profiles = require(data, "profiles", path.name)
    return {name: _parse_profile(name, raw, f"{path.name}: profiles.{name}") for name, raw in profiles.items()}


def load_profile(name: str, path: str | Path | None = None) -> RobotProfile:
    profiles = load_profiles(path)
    if name not in profiles:
        raise ConfigError("robot_profile", f"unknown profile {name!r}; known: {', '.join(sorted(profiles))}")
    return profiles[name]
