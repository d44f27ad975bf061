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

"""RewardTracker: what tracker_node does with each camera frame, without ROS.

    rt = RewardTracker.for_profile(profile, camera)        # camera: PinholeCamera (calibration, base frame)
    rt.on_camera_info(width, height, K)                    # CameraInfo: intrinsics (the pose stays)
    rt.on_joint_state(names, positions, stamp)             # latest joint state -> palm by URDF FK
    out = rt.on_image(rgb, stamp)                          # TrackerOutput: target point, visible, reward
    publish PointStamped(out.point) if out.visible; Bool(out.visible); Marker; Float32(out.reward)

The reward is the paper's sparse reward: +1 when the palm is within the task's reward_radius (config/task.yaml,
10 cm) of the tracked target centre, else 0 (also 0, with a reason, when the target is not visible or the joint
state is missing or stale). While the hand is near the camera's line of sight to the target, the estimate from
the last clear view is held (`held`; perception.colour_tracker.TargetHold): a half-hidden target's centroid is
off by up to its size. A new calibration (`set_camera`: in sim, every episode) drops the held estimate.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from jaco_prog.perception.camera_model import PinholeCamera
from jaco_prog.perception.colour_tracker import ColourTracker, TargetHold, TrackerParams, load_tracker_params
from jaco_prog.reward import palm_target_distance, sparse_reward
from jaco_prog.robot.kinematics import ChainKinematics, UrdfChain
from jaco_prog.runtime.params import TrackerRuntimeParams


@dataclass
class TrackerOutput:
    stamp: float
    visible: bool  # the tracker has the target: seen in this frame, or held while the hand hides it
    point: np.ndarray | None  # target centre, robot base frame (m)
    pixel: np.ndarray | None  # (u, v) centroid at the calibration's resolution
    palm: np.ndarray | None  # palm position from FK (m)
    distance: float | None  # palm to target (m)
    reward: float
    reason: str  # "" when the reward is meaningful, else why it is 0 ("target not visible", ...)
    held: bool = False  # point is the last clear view's estimate: the hand may hide the target now

    def marker(self, scale: float) -> dict:
        """Fields of a visualization_msgs/Marker (a sphere; action 0 ADD when visible, 2 DELETE when not)."""
        point = self.point if self.point is not None else np.zeros(3)
        colour = (0.1, 0.9, 0.2, 0.8) if self.reward > 0 else (0.9, 0.1, 0.1, 0.8)
        return {"ns": "target", "id": 0, "type": 2, "action": 0 if self.visible else 2,
                "position": [float(v) for v in point], "scale": scale, "rgba": colour}


class RewardTracker:
    def __init__(self, tracker: ColourTracker, palm_fk: ChainKinematics, joint_names: Sequence[str],
                 params: TrackerRuntimeParams | None = None):
        self.tracker = tracker
        self.palm_fk = palm_fk
        self.joint_names = list(joint_names)
        self.params = params or TrackerRuntimeParams()
        self.hold = TargetHold(tracker.params.occlusion_clearance, tracker.params.hold_gate)
        self._q: np.ndarray | None = None
        self._stamp: float | None = None
        self._problem: str | None = None

    @classmethod
    def for_profile(cls, profile, camera: PinholeCamera, tracker_params: TrackerParams | None = None,
                    params: TrackerRuntimeParams | None = None) -> "RewardTracker":
        chain = UrdfChain.from_file(profile.urdf_file())
        fk = ChainKinematics(chain, [profile.palm_link], profile.joint_names, frame=profile.base_link)
        return cls(ColourTracker(tracker_params or load_tracker_params(), camera), fk, profile.joint_names, params)

    @property
    def camera(self) -> PinholeCamera:
        return self.tracker.camera

    @property
    def reward_radius(self) -> float:
        return self.tracker.params.reward_radius

    def set_camera(self, camera: PinholeCamera) -> None:
        """A new calibration (pose and intrinsics); in sim, the episode's randomised camera. The held estimate
        was made with the old one: it goes."""
        self.tracker.camera = camera
        self.hold.reset()

    def on_camera_info(self, width: int, height: int, K: Sequence[float]) -> None:
        """Intrinsics from sensor_msgs/CameraInfo (K row-major, 9 values); the camera pose is kept."""
        k = np.asarray(K, float).reshape(3, 3)
        c = self.tracker.camera
        self.tracker.camera = PinholeCamera(int(width), int(height), float(k[0, 0]), float(k[1, 1]), float(k[0, 2]),
                                            float(k[1, 2]), c.rotation, c.position)

    def on_joint_state(self, names: Sequence[str], positions: Sequence[float], stamp: float) -> None:
        index = {n: i for i, n in enumerate(names)}
        missing = [n for n in self.joint_names if n not in index]
        if missing:
            self._problem = f"joint_states lacks joint(s) {missing}"
            return
        self._q = np.asarray(positions, float)[[index[n] for n in self.joint_names]]
        self._stamp = float(stamp)
        self._problem = None

    def palm(self, now: float) -> tuple[np.ndarray | None, str]:
        if self._problem:
            return None, self._problem
        if self._q is None:
            return None, "no joint state received yet"
        age = now - self._stamp
        if age > self.params.joint_state_timeout:
            return None, f"joint state is {age:.3f} s old (joint_state_timeout {self.params.joint_state_timeout} s)"
        return self.palm_fk(self._q)[0], ""

    def on_image(self, rgb: np.ndarray, stamp: float) -> TrackerOutput:
        result = self.tracker.track(rgb)
        palm, problem = self.palm(stamp)
        held = False
        if palm is not None:  # without the hand's position, occlusion cannot be judged: the frame as it is
            result, held = self.hold.update(result, self.camera, palm)
        if not result.visible:
            return TrackerOutput(stamp, False, None, result.pixel, palm, None, 0.0, "target not visible")
        if palm is None:
            return TrackerOutput(stamp, True, result.point, result.pixel, None, None, 0.0, problem)
        distance = palm_target_distance(palm, result.point)
        reward = sparse_reward(distance, self.reward_radius)
        return TrackerOutput(stamp, True, result.point, result.pixel, palm, distance, reward, "", held)
