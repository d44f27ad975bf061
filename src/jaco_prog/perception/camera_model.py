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

"""Pinhole camera in OpenCV's convention (x right, y down, z forward), posed in the robot base frame.

The same model serves the real camera (from a calibration: sensor_msgs/CameraInfo K and a fixed
transform) and the simulated one (from MuJoCo's camera), so the tracker cannot tell them apart.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# MuJoCo cameras look along -z with y up; OpenCV cameras look along +z with y down.
_MUJOCO_TO_OPENCV = np.diag([1.0, -1.0, -1.0])


@dataclass(frozen=True)
class PinholeCamera:
    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float
    rotation: np.ndarray  # 3x3, camera axes in the base frame (columns)
    position: np.ndarray  # camera centre in the base frame

    @classmethod
    def from_fovy(cls, width: int, height: int, fovy_deg: float, rotation: np.ndarray,
                  position: np.ndarray) -> "PinholeCamera":
        f = 0.5 * height / np.tan(np.radians(fovy_deg) / 2)
        return cls(width, height, f, f, (width - 1) / 2, (height - 1) / 2, np.asarray(rotation, float),
                   np.asarray(position, float))

    @classmethod
    def from_mujoco(cls, model, data, camera: str, width: int, height: int) -> "PinholeCamera":
        cam = model.camera(camera).id
        rotation = data.cam_xmat[cam].reshape(3, 3) @ _MUJOCO_TO_OPENCV
        return cls.from_fovy(width, height, float(model.cam_fovy[cam]), rotation, data.cam_xpos[cam].copy())

    @property
    def K(self) -> np.ndarray:
        return np.array([[self.fx, 0, self.cx], [0, self.fy, self.cy], [0, 0, 1.0]])

    def project(self, points: np.ndarray) -> np.ndarray:
        """(N, 3) base-frame points to (N, 2) pixel coordinates (u right, v down)."""
        local = (np.atleast_2d(points) - self.position) @ self.rotation
        return np.column_stack([self.fx * local[:, 0] / local[:, 2] + self.cx,
                                self.fy * local[:, 1] / local[:, 2] + self.cy])

    def ray(self, u: float, v: float) -> np.ndarray:
        """Unit direction, in the base frame, of the ray through pixel (u, v)."""
        d = self.rotation @ np.array([(u - self.cx) / self.fx, (v - self.cy) / self.fy, 1.0])
        return d / np.linalg.norm(d)

    def pixel_on_plane(self, u: float, v: float, z: float) -> np.ndarray | None:
        """Where the ray through (u, v) meets the horizontal plane at height z; None if it never does."""
        d = self.ray(u, v)
        if abs(d[2]) < 1e-9:
            return None
        t = (z - self.position[2]) / d[2]
        return None if t <= 0 else self.position + t * d
