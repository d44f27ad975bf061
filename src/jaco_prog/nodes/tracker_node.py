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

"""tracker_node: jaco_prog.runtime.RewardTracker over ROS - colour threshold -> target centroid -> point on the
table plane (camera calibration) -> palm by URDF forward kinematics of the joint states -> reward.

    image (+ camera_info, joint_states)  ->  target_point, target_visible, target_marker (sphere + reward
                                              text for rviz), reward (+1 within reward_radius, else 0)

Intrinsics come from CameraInfo; the camera pose (extrinsic calibration) from the parameters camera_position
and camera_lookat (base frame); the HSV ranges and the occlusion rule from config/tracker.yaml (`tracker_config`
names another file; `hsv_ranges`, flat lo_h lo_s lo_v hi_h hi_s hi_v per range, overrides its ranges for a
test); the reward radius and the target's shapes and sizes from config/task.yaml. Stamps are the messages'
header stamps.
"""
from __future__ import annotations

import functools
from dataclasses import replace

from rclpy.node import Node

from jaco_prog import config_check
from jaco_prog.nodes import common
from jaco_prog.perception.camera_capture import configured_camera
from jaco_prog.perception.colour_tracker import load_tracker_config, load_tracker_params
from jaco_prog.robot.profile import load_profile
from jaco_prog.runtime import RewardTracker, load_runtime_params
from jaco_prog.runtime.params import SimParams
from jaco_prog.sim.task_config import nominal_camera

NAME = "tracker_node"


def _hsv_of(tracker_file: str) -> list[int]:
    """The HSV ranges of the tracker.yaml at `tracker_file` (empty: the package's), flat."""
    return [int(v) for lo, hi in load_tracker_config(tracker_file or None).hsv_ranges for v in (*lo, *hi)]


@functools.lru_cache(maxsize=4)  # camera_width and camera_height both ask: read the file once
def _sim_camera(runtime_file: str) -> SimParams:
    """The simulated camera of the runtime.yaml at `runtime_file` (empty: the package's)."""
    return load_runtime_params(runtime_file or None).sim


# Defaults given as functions come from the file an earlier parameter names (common.declare).
PARAMETERS = {
    "robot_profile": "j2n6s300",
    "tracker_config": "",                  # a tracker.yaml; "" -> the package's config/tracker.yaml
    "runtime_config": "",                  # a runtime.yaml; "" -> the package's config/runtime.yaml
    # flat [lo_h, lo_s, lo_v, hi_h, hi_s, hi_v] * n (OpenCV HSV); default: tracker_config's ranges
    "hsv_ranges": lambda p: _hsv_of(p["tracker_config"]),
    # Camera pose (extrinsic calibration), robot base frame (m): measured values on the real robot. Left empty,
    # the simulated camera's nominal pose from config/task.yaml (and `sim_preset`) is used.
    "camera_position": [0.0, 0.0, 0.0],
    "camera_lookat": [0.0, 0.0, 0.0],
    "camera_fovy_deg": 0.0,                # intrinsics until the first CameraInfo arrives; 0: the simulated camera's
    "sim_preset": "",                      # the sim graph's preset (config/presets.yaml), for the nominal pose
    # the calibration's image size; default: the simulated camera's (runtime_config's sim.camera_width, height)
    "camera_width": lambda p: _sim_camera(p["runtime_config"]).camera_width,
    "camera_height": lambda p: _sim_camera(p["runtime_config"]).camera_height,
}


class TrackerNode(Node):
    def __init__(self, **node_kwargs):
        super().__init__(NAME, **node_kwargs)
        self.p = p = common.declare(self, PARAMETERS)
        config_check.check_agreement(runtime_file=p["runtime_config"] or None)  # one reward radius, one rate
        profile = load_profile(p["robot_profile"])
        runtime = load_runtime_params(p["runtime_config"] or None)
        hsv = p["hsv_ranges"]
        if len(hsv) % 6 or not hsv:
            raise ValueError(f"{NAME}: hsv_ranges must hold 6 numbers per range, got {len(hsv)}")
        tracker_params = replace(load_tracker_params(p["tracker_config"] or None),
                                 hsv_ranges=tuple((tuple(hsv[i:i + 3]), tuple(hsv[i + 3:i + 6]))
                                                  for i in range(0, len(hsv), 6)))
        camera = configured_camera(p["camera_width"], p["camera_height"], p["camera_position"], p["camera_lookat"],
                                   p["camera_fovy_deg"], nominal_camera(p["sim_preset"] or None))
        self.tracker = RewardTracker.for_profile(profile, camera, tracker_params, runtime.tracker)
        self.frame = profile.base_link
        self.marker_scale = runtime.tracker.marker_scale
        self.pub = {k: common.publisher(self, k) for k in ("target_point", "target_visible", "target_marker",
                                                           "reward")}
        common.subscription(self, "image", self.on_image)
        common.subscription(self, "camera_info", self.on_camera_info)
        common.subscription(self, "joint_states", self.on_joint_state)
        self.last = None

    def on_camera_info(self, msg) -> None:
        self.tracker.on_camera_info(msg.width, msg.height, msg.k)

    def on_joint_state(self, msg) -> None:
        self.tracker.on_joint_state(list(msg.name), list(msg.position), common.seconds(msg.header.stamp))

    def on_image(self, msg) -> None:
        t = common.seconds(msg.header.stamp)
        out = self.last = self.tracker.on_image(common.image_to_rgb(msg), t)
        self.pub["target_visible"].publish(common.scalar("target_visible", out.visible))
        if out.visible:
            self.pub["target_point"].publish(common.point_stamped(out.point, t, self.frame))
        self.pub["target_marker"].publish(common.marker(out.marker(self.marker_scale), t, self.frame))
        text = f"reward {out.reward:g}" + (f" ({out.reason})" if out.reason else "")
        where = [0.0, 0.0, 0.5] if out.point is None else [out.point[0], out.point[1], out.point[2] + 0.12]
        self.pub["target_marker"].publish(common.text_marker(text, where, t, self.frame))
        self.pub["reward"].publish(common.scalar("reward", out.reward))


def main(args=None) -> None:
    common.spin(TrackerNode, args)  # a UserError ends in one line: jaco_prog.nodes.executables


if __name__ == "__main__":
    main()
