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

"""Forward kinematics straight from a URDF file: a plain chain product of the joint transforms.

This is deliberately independent of MuJoCo, so tests can check the simulator against the URDF, and the
safety layer and the colour tracker can compute the palm position on a machine without MuJoCo.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np


def _floats(text: str | None, default: tuple[float, ...]) -> np.ndarray:
    if text is None:
        return np.array(default, dtype=float)
    return np.array([float(v) for v in text.split()], dtype=float)


def rpy_matrix(roll: float, pitch: float, yaw: float) -> np.ndarray:
    """URDF fixed-axis roll-pitch-yaw: R = Rz(yaw) @ Ry(pitch) @ Rx(roll)."""
    cr, sr, cp, sp, cy, sy = np.cos(roll), np.sin(roll), np.cos(pitch), np.sin(pitch), np.cos(yaw), np.sin(yaw)
    return np.array([
        [cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr],
        [sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr],
        [-sp, cp * sr, cp * cr],
    ])


def axis_angle_matrix(axis: np.ndarray, angle: float) -> np.ndarray:
    """Rodrigues' formula for a unit axis."""
    x, y, z = axis
    c, s = np.cos(angle), np.sin(angle)
    k = np.array([[0, -z, y], [z, 0, -x], [-y, x, 0]])
    return np.eye(3) + s * k + (1 - c) * (k @ k)


@dataclass(frozen=True)
class UrdfJoint:
    name: str
    kind: str  # revolute | continuous | prismatic | fixed
    parent: str
    child: str
    origin: np.ndarray  # 4x4 parent->joint frame
    axis: np.ndarray
    lower: float | None
    upper: float | None
    velocity: float | None

    @property
    def is_continuous(self) -> bool:
        return self.kind == "continuous"


class UrdfChain:
    """Tree of URDF joints with forward kinematics for any link."""

    def __init__(self, joints: list[UrdfJoint], root: str, name: str = ""):
        self.name = name
        self.root = root
        self.joints = {j.name: j for j in joints}
        self._joint_to_child = {j.child: j for j in joints}
        self.movable = [j.name for j in joints if j.kind != "fixed"]

    @classmethod
    def from_file(cls, path: str | Path) -> "UrdfChain":
        return cls.from_string(Path(path).read_text(), source=str(path))

    @classmethod
    def from_string(cls, text: str, source: str = "<string>") -> "UrdfChain":
        try:
            robot = ET.fromstring(text)
        except ET.ParseError as err:
            raise ValueError(f"{source}: not valid URDF XML ({err})") from err
        joints = []
        for el in robot.findall("joint"):
            origin_el = el.find("origin")
            xyz = _floats(origin_el.get("xyz") if origin_el is not None else None, (0, 0, 0))
            rpy = _floats(origin_el.get("rpy") if origin_el is not None else None, (0, 0, 0))
            origin = np.eye(4)
            origin[:3, :3] = rpy_matrix(*rpy)
            origin[:3, 3] = xyz
            axis_el = el.find("axis")
            axis = _floats(axis_el.get("xyz") if axis_el is not None else None, (1, 0, 0))
            axis = axis / np.linalg.norm(axis)
            limit = el.find("limit")

            def lim(key: str) -> float | None:
                return float(limit.get(key)) if limit is not None and limit.get(key) is not None else None

            kind = el.get("type")
            joints.append(UrdfJoint(
                name=el.get("name"), kind=kind, parent=el.find("parent").get("link"),
                child=el.find("child").get("link"), origin=origin, axis=axis,
                lower=lim("lower") if kind in ("revolute", "prismatic") else None,
                upper=lim("upper") if kind in ("revolute", "prismatic") else None,
                velocity=lim("velocity"),
            ))
        children = {j.child for j in joints}
        roots = {j.parent for j in joints} - children
        if len(roots) != 1:
            raise ValueError(f"{source}: expected one root link, found {sorted(roots)}")
        return cls(joints, roots.pop(), robot.get("name", ""))

    def path_to(self, link: str) -> list[UrdfJoint]:
        """Joints from the root down to `link`."""
        path = []
        while link != self.root:
            if link not in self._joint_to_child:
                raise KeyError(f"unknown link {link!r}")
            joint = self._joint_to_child[link]
            path.append(joint)
            link = joint.parent
        return path[::-1]

    def link_pose(self, q: dict[str, float] | None, link: str) -> np.ndarray:
        """4x4 pose of `link` in the root frame; joints missing from `q` are at zero."""
        q = q or {}
        pose = np.eye(4)
        for joint in self.path_to(link):
            pose = pose @ joint.origin
            if joint.kind in ("revolute", "continuous"):
                motion = np.eye(4)
                motion[:3, :3] = axis_angle_matrix(joint.axis, q.get(joint.name, 0.0))
                pose = pose @ motion
            elif joint.kind == "prismatic":
                motion = np.eye(4)
                motion[:3, 3] = joint.axis * q.get(joint.name, 0.0)
                pose = pose @ motion
        return pose

    def position(self, q: dict[str, float] | None, link: str) -> np.ndarray:
        return self.link_pose(q, link)[:3, 3]


class PointKinematics:
    """Fast FK for one link as a function of an ordered joint vector (the hot path of the safety layer)."""

    def __init__(self, chain: UrdfChain, link: str, joint_names: list[str]):
        self._steps = []
        index = {n: i for i, n in enumerate(joint_names)}
        for joint in chain.path_to(link):
            moving = joint.kind in ("revolute", "continuous")
            if moving and joint.name not in index:
                raise KeyError(f"joint {joint.name!r} on the path to {link!r} is not in the joint vector")
            self._steps.append((joint.origin, joint.axis, index[joint.name] if moving else None))

    def __call__(self, q: np.ndarray) -> np.ndarray:
        pose = np.eye(4)
        for origin, axis, i in self._steps:
            pose = pose @ origin
            if i is not None:
                pose[:3, :3] = pose[:3, :3] @ axis_angle_matrix(axis, float(q[i]))
        return pose[:3, 3].copy()
