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

"""Batched forward kinematics of a few links for many joint vectors at once (the safety layer's look-ahead).

Same URDF chain as jaco_prog.robot.kinematics (one robot model), restructured for speed: per moving joint
the local rotation origin_R @ Rot(axis, q) is precomputed as B0 + sin(q) B1 + (1 - cos(q)) B2 (Rodrigues),
so one call costs a handful of small numpy operations per joint whatever the batch size.

For the layer's exact workspace shortcut it also gives, at one pose, the Jacobian of every point and a bound
on its second derivatives (`curvature`): with them a Taylor bound says how far a point can be moved by any
joint change, far tighter than the lever arms alone.
"""
from __future__ import annotations

import numpy as np

from jaco_prog.robot.kinematics import UrdfChain


class BatchKinematics:
    """positions(Q) -> (N, L, 3): the origins of `links` in the frame of `base_link` for each row of Q.

    Frames are kept only after moving joints; fixed joints are folded into the next moving joint's local
    transform or into the output point's offset, so one call costs sin/cos, three array operations for
    all local transforms, one 4x4 batched matmul per moving joint and one mat-vec per output link.
    """

    def __init__(self, chain: UrdfChain, links: list[str], joint_names: list[str], base_link: str | None = None):
        self.links = list(links)
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
                raise ValueError(f"joint {joint.name!r}: {joint.kind} joints are not supported by the safety FK")
        self._c0, self._c1, self._c2 = np.array(c0), np.array(c1), np.array(c2)
        self._parents = parents
        self._cols = np.array(cols, dtype=int)
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
        for frame, _ in self._outputs:
            path = []
            while frame >= 0:
                path.append(frame)
                frame = parents[frame]
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
        if base_link and base_link != chain.root:
            if any(j.kind != "fixed" for j in chain.path_to(base_link)):
                raise ValueError(f"base link {base_link!r} moves with the joints")
            pose = chain.link_pose({}, base_link)
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
            # (L, m, 3): w_i x (p_l - o_i), zero where joint i does not move point l
            columns = np.cross(axes[None, :, :], out[0][:, None, :] - origins[None, :, :]) * self._on_path[:, :, None]
            jacobian[:, :, self._cols] = columns.transpose(0, 2, 1)
        return jacobian

    def _forward(self, q_batch: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        q_batch = np.atleast_2d(q_batch)
        n = q_batch.shape[0]
        angles = q_batch[:, self._cols][:, :, None, None]
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
    """BatchKinematics.forward: the positions (N, L, 3), and jacobian() (L, 3, n) at the first row."""

    def __init__(self, kinematics: BatchKinematics, positions: np.ndarray, frames: list[np.ndarray]):
        self.positions = positions
        self._kinematics, self._frames = kinematics, frames

    def jacobian(self) -> np.ndarray:
        return self._kinematics._jacobian(self.positions, self._frames)
