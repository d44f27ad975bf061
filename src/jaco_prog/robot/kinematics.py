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

"""The robot's one forward kinematics, straight from its URDF (one robot model): `UrdfChain` reads the joints,
`ChainKinematics` gives the positions of a few links, in an explicitly named frame, for many joint vectors at
once, and at one pose their Jacobian and a bound on their second derivatives.

Independent of MuJoCo, so tests check the simulator against the URDF, and the safety layer (workspace
look-ahead, its exact shortcut) and the colour tracker (the palm) compute link positions on a machine without
MuJoCo. Per moving joint the local rotation origin_R @ Rot(axis, q) is precomputed as B0 + sin(q) B1 +
(1 - cos(q)) B2 (Rodrigues), so one call costs a handful of small numpy operations per joint whatever the batch
size. With the Jacobian and `curvature` a Taylor bound says how far a point can be moved by any joint change,
far tighter than the lever arms alone.
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


def fast_index(indices) -> slice | np.ndarray:
    """What indexes the same elements as the integer array `indices`: a slice when they are a run (numpy indexes
    far faster with one than with an index array, which matters on the safety layer's per-period arrays), else
    the array itself."""
    indices = np.asarray(indices, dtype=int)
    if indices.size and np.array_equal(indices, np.arange(indices[0], indices[0] + indices.size)):
        return slice(int(indices[0]), int(indices[0]) + indices.size)
    return indices


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

    def fixed_pose(self, link: str) -> np.ndarray:
        """4x4 pose of `link` in the root frame, for a link no joint moves (a base or mounting frame)."""
        pose = np.eye(4)
        for joint in self.path_to(link):
            if joint.kind != "fixed":
                raise ValueError(f"link {link!r} moves with joint {joint.name!r}: it has no fixed pose")
            pose = pose @ joint.origin
        return pose


class ChainKinematics:
    """positions(Q) -> (N, L, 3): the origins of `links` in the frame of link `frame` (a link no joint moves,
    e.g. the profile's base_link) for each row of Q, a joint vector in `joint_names` order.

    Frames are kept only after moving joints; fixed joints are folded into the next moving joint's local
    transform or into the output point's offset, so one call costs sin/cos, three array operations for
    all local transforms, one 4x4 batched matmul per moving joint and one mat-vec per output link.
    """

    def __init__(self, chain: UrdfChain, links: list[str], joint_names: list[str], frame: str):
        self.links = list(links)
        self.frame = frame
        index = {n: i for i, n in enumerate(joint_names)}
        order, seen = [], set()
        for link in self.links:
            for joint in chain.path_to(link):
                if joint.name not in seen:
                    seen.add(joint.name)
                    order.append(joint)
        # link -> (anchor frame: -1 root or index of a moving joint's frame, fixed 4x4 offset from that frame)
        anchor = {chain.root: (-1, np.eye(4))}
        c0, c1, c2, parents, cols, axes = [], [], [], [], [], []
        for joint in order:
            parent_anchor, offset = anchor[joint.parent]
            pre = offset @ joint.origin
            if joint.kind == "fixed":
                anchor[joint.child] = (parent_anchor, pre)
            elif joint.kind in ("revolute", "continuous"):
                if joint.name not in index:
                    raise KeyError(f"joint {joint.name!r} moves link(s) {self.links} but is not in the joint vector")
                x, y, z = joint.axis
                k = np.zeros((4, 4))
                k[:3, :3] = [[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]]
                # local(q) = pre @ Rot(q) = pre + sin(q) pre@K + (1 - cos(q)) pre@K@K (Rodrigues, homogeneous)
                c0.append(pre)
                c1.append(pre @ k)
                c2.append(pre @ k @ k)
                parents.append(parent_anchor)
                cols.append(index[joint.name])
                axes.append(joint.axis)
                anchor[joint.child] = (len(cols) - 1, np.eye(4))
            else:
                raise ValueError(f"joint {joint.name!r}: {joint.kind} joints are not supported")
        self._c0, self._c1, self._c2 = np.array(c0), np.array(c1), np.array(c2)
        self._parents = parents
        self._cols = np.array(cols, dtype=int)
        self._col_index = fast_index(self._cols)  # a slice on the Jaco's arm (0..5)
        self._axes = np.array(axes).reshape(-1, 3)
        self._outputs = [(anchor[link][0], anchor[link][1][:, 3].copy()) for link in self.links]
        self.moving_joints = sorted(set(cols))  # joint-vector indices that move any of the links
        # lever[l, j] >= |p_l - o_j| for every joint vector: the sum of the translations along the chain from
        # joint j to link l. A point moves at most sum_j lever[l, j] |dq_j| for a joint change dq (its speed is
        # |sum_j w_j x (p - o_j)|), whatever the path: the workspace look-ahead's cheap exact bound.
        self.lever = np.zeros((len(self.links), len(joint_names)))
        for row, link in enumerate(self.links):
            path = chain.path_to(link)
            after = 0.0
            for joint in reversed(path):
                if joint.kind in ("revolute", "continuous"):
                    self.lever[row, index[joint.name]] = max(self.lever[row, index[joint.name]], after)
                after += float(np.linalg.norm(joint.origin[:3, 3]))
        # The moving joints (frame indices) each link's point hangs from, root first.
        self._paths = []
        for anchor_frame, _ in self._outputs:
            path = []
            while anchor_frame >= 0:
                path.append(anchor_frame)
                anchor_frame = parents[anchor_frame]
            self._paths.append(path[::-1])
        # curvature[l, j, k] >= |d2 p_l / dq_j dq_k| for every joint vector: the derivative of p_l along
        # joint k is w_k x (p_l - o_k); along joint j too it is w_j x (w_k x (p_l - o_k)) when j is k or above
        # it in the chain (the vector turns rigidly with j), w_k x (w_j x (p_l - o_j)) when j is below it.
        # Either way its length is at most |p_l - o_d| <= lever[l, d], d the lower of the two joints.
        n = len(joint_names)
        self.curvature = np.zeros((len(self.links), n, n))
        for row, path in enumerate(self._paths):
            for a, upper in enumerate(path):
                for lower in path[a:]:
                    bound = self.lever[row, cols[lower]]
                    self.curvature[row, cols[upper], cols[lower]] = bound
                    self.curvature[row, cols[lower], cols[upper]] = bound
        self._n_joints = n
        # on_path[l, i]: moving joint i (frame index) moves point l
        self._on_path = np.zeros((len(self.links), len(cols)))
        for row, path in enumerate(self._paths):
            self._on_path[row, path] = 1.0
        self._base_inv = None
        pose = chain.fixed_pose(self.frame)  # refuses a frame that moves with the joints
        if not np.allclose(pose, np.eye(4)):
            self._base_inv = (pose[:3, :3].T, -pose[:3, :3].T @ pose[:3, 3])

    def positions(self, q_batch: np.ndarray) -> np.ndarray:
        return self._forward(q_batch)[0]

    def positions_and_jacobian(self, q_batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """positions(q_batch) (the same numbers) and the Jacobian (L, 3, n) of the points at the first row:
        column j of point l is w_j x (p_l - o_j) (axis and origin of joint j, base frame), zero for joints
        that do not move it."""
        forward = self.forward(q_batch)
        return forward.positions, forward.jacobian()

    def forward(self, q_batch: np.ndarray) -> "Forward":
        """positions(q_batch), with the Jacobian at the first row to be had from the same computation."""
        out, frames = self._forward(q_batch)
        return Forward(self, out, frames)

    def _jacobian(self, out: np.ndarray, frames: list[np.ndarray]) -> np.ndarray:
        jacobian = np.zeros((len(self._outputs), 3, self._n_joints))
        if frames:
            poses = np.array([f[0] for f in frames])  # (m, 4, 4) at the first row, chain frame
            axes = np.matmul(poses[:, :3, :3], self._axes[:, :, None])[:, :, 0]
            origins = poses[:, :3, 3]
            if self._base_inv is not None:
                rot_t, offset = self._base_inv
                axes = axes @ rot_t.T
                origins = origins @ rot_t.T + offset
            # column i of point l: w_i x (p_l - o_i), zero where joint i does not move point l. The cross product
            # written out (np.cross's own products and differences, so the same numbers, at a fraction of the
            # cost of its generic code on arrays this small)
            lever = out[0][:, None, :] - origins[None, :, :]  # (L, m, 3)
            w0, w1, w2 = axes[:, 0], axes[:, 1], axes[:, 2]
            d0, d1, d2 = lever[..., 0], lever[..., 1], lever[..., 2]
            on_path, cols = self._on_path, self._col_index
            jacobian[:, 0, cols] = (w1 * d2 - w2 * d1) * on_path
            jacobian[:, 1, cols] = (w2 * d0 - w0 * d2) * on_path
            jacobian[:, 2, cols] = (w0 * d1 - w1 * d0) * on_path
        return jacobian

    def _forward(self, q_batch: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        if not (isinstance(q_batch, np.ndarray) and q_batch.ndim == 2):
            q_batch = np.atleast_2d(q_batch)
        n = q_batch.shape[0]
        angles = q_batch[:, self._col_index][:, :, None, None]
        local = self._c0 + np.sin(angles) * self._c1 + (1.0 - np.cos(angles)) * self._c2  # (N, m, 4, 4)
        frames = []
        for i, parent in enumerate(self._parents):
            frames.append(local[:, i] if parent < 0 else frames[parent] @ local[:, i])
        out = np.empty((n, len(self._outputs), 3))
        for j, (frame, point) in enumerate(self._outputs):
            out[:, j] = point[:3] if frame < 0 else (frames[frame] @ point)[:, :3]
        if self._base_inv is not None:
            rot_t, offset = self._base_inv
            out = out @ rot_t.T + offset
        return out, frames

    def __call__(self, q: np.ndarray) -> np.ndarray:
        """(L, 3) for one joint vector."""
        return self.positions(np.asarray(q, float)[None, :])[0]


class Forward:
    """ChainKinematics.forward: the positions (N, L, 3), and jacobian() (L, 3, n) at the first row."""

    def __init__(self, kinematics: ChainKinematics, positions: np.ndarray, frames: list[np.ndarray]):
        self.positions = positions
        self._kinematics, self._frames = kinematics, frames

    def jacobian(self) -> np.ndarray:
        return self._kinematics._jacobian(self.positions, self._frames)
