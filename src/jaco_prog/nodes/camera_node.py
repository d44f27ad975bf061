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

"""camera_node: OpenCV capture (jaco_prog.perception.camera_capture) -> sensor_msgs/Image (rgb8) + CameraInfo.

A timer at `fps` reads a frame and publishes it with its calibration; while the device is missing or
unplugged it publishes nothing, logs why (once per change) and the capture reopens it every retry_interval.
"""
from __future__ import annotations

from rclpy.node import Node

from jaco_prog import config_check
from jaco_prog.config import config_class, setting, yaml_defaults
from jaco_prog.messages import camera_info_fields
from jaco_prog.nodes import common
from jaco_prog.perception.camera_capture import CameraCapture, CaptureParams, camera_intrinsics
from jaco_prog.runtime.params import FrameParams

NAME = "camera_node"


@config_class("real_nodes.yaml", NAME, "ros__parameters", frozen=True)
class CameraFileParameters:
    """camera_node's parameters in config/real_nodes.yaml (their one home; real.launch.py passes the file)."""
    width: int = setting("requested frame width", unit="pixels", low=1)
    height: int = setting("requested frame height", unit="pixels", low=1)
    fps: float = setting("requested frame rate, and the rate frames are read and published", unit="Hz", above=0)
    retry_interval: float = setting("between attempts to reopen a missing or unplugged device", unit="s", above=0)
    max_failed_reads: int = setting("consecutive failed reads that count as unplugged", low=1)
    fovy_deg: float = setting("vertical field of view, used while fx, fy are 0 (no calibration)", unit="deg",
                              above=0, high=180)
    fx: float = setting("calibration; 0: from fovy_deg", unit="pixels", low=0)
    fy: float = setting("calibration; 0: from fovy_deg", unit="pixels", low=0)
    cx: float = setting("principal point; < 0: the image centre", unit="pixels")
    cy: float = setting("principal point; < 0: the image centre", unit="pixels")


FILE = common.file_parameters(CameraFileParameters)
PARAMETERS = {
    "device": "0",               # index ("0" -> /dev/video0), a device path or a stream URL
    "width": FILE["width"],
    "height": FILE["height"],
    "fps": FILE["fps"],
    "retry_interval": FILE["retry_interval"],
    "max_failed_reads": FILE["max_failed_reads"],
    "frame_id": yaml_defaults(FrameParams).camera,  # runtime.yaml frames.camera: the sim camera's frame too
    "fovy_deg": FILE["fovy_deg"],
    "fx": FILE["fx"], "fy": FILE["fy"],
    "cx": FILE["cx"], "cy": FILE["cy"],
}


class CameraNode(Node):
    def __init__(self, capture: CameraCapture | None = None, **node_kwargs):
        super().__init__(NAME, **node_kwargs)
        self.p = common.declare(self, PARAMETERS)
        config_check.check_agreement()  # the graph it feeds must agree with itself (config/*.yaml)
        params = CaptureParams.from_dict(self.p, NAME)
        self.capture = capture or CameraCapture(params)
        self.camera_info = camera_info_fields(camera_intrinsics(
            params.width, params.height, self.p["fovy_deg"], self.p["fx"], self.p["fy"], self.p["cx"], self.p["cy"]))
        self.image_pub = common.publisher(self, "image")
        self.info_pub = common.publisher(self, "camera_info")
        self.timer = self.create_timer(1.0 / params.fps, self.on_timer)
        self._reported = None

    def on_timer(self) -> None:
        frame = self.capture.read()
        status = self.capture.status
        if status != self._reported:
            (self.get_logger().info if status.ok else self.get_logger().error)(status.message)
            self._reported = status
        if frame is None:
            return
        now = common.now_seconds(self)
        self.image_pub.publish(common.rgb_to_image(frame.rgb, now, self.p["frame_id"]))
        self.info_pub.publish(common.camera_info(self.camera_info, now, self.p["frame_id"]))

    def close(self) -> None:
        self.capture.close()


def main(args=None) -> None:
    common.spin(CameraNode, args)  # a UserError ends in one line: jaco_prog.nodes.executables


if __name__ == "__main__":
    main()
