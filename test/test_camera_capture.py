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

"""The ROS-free OpenCV capture behind camera_node: device parsing, resolution/fps requests, and a camera that
is missing at start or unplugged while running (a fake cv2.VideoCapture; no camera needed)."""
import cv2
import numpy as np
import pytest

from jaco_prog.config import ConfigError
from jaco_prog.perception.camera_capture import (CameraCapture, CaptureParams, camera_intrinsics, parse_device)


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


class FakeDevice:
    """cv2.VideoCapture look-alike: `present` decides whether it opens, `plugged` whether reads succeed."""

    def __init__(self, width=640, height=480):
        self.present, self.plugged = True, True
        self.size = (width, height)
        self.opened_with, self.props, self.released = [], {}, 0

    def __call__(self, device):
        self.opened_with.append(device)
        return _Handle(self)


class _Handle:
    def __init__(self, dev):
        self.dev, self.open = dev, dev.present

    def isOpened(self):
        return self.open

    def set(self, prop, value):
        self.dev.props[prop] = value
        return True

    def read(self):
        if not (self.open and self.dev.plugged):
            return False, None
        w, h = self.dev.size
        bgr = np.zeros((h, w, 3), np.uint8)
        bgr[..., 0] = 255  # blue in BGR
        return True, bgr

    def release(self):
        self.open = False
        self.dev.released += 1


def make(device="0", **kw):
    dev, clock = FakeDevice(**kw), Clock()
    params = CaptureParams.from_dict({"device": device, "width": 640, "height": 480, "fps": 30.0,
                                      "retry_interval": 1.0, "max_failed_reads": 3})
    return CameraCapture(params, clock, dev), dev, clock


def test_device_index_path_and_url():
    assert parse_device("0") == 0 and parse_device(2) == 2
    assert parse_device("/dev/video4") == "/dev/video4"
    assert parse_device("rtsp://10.0.0.5/stream") == "rtsp://10.0.0.5/stream"
    for bad in ("", "  ", -1, None, True):
        with pytest.raises(ConfigError, match="device"):
            parse_device(bad)
    with pytest.raises(ConfigError, match=r"camera\.fps: must be > 0"):
        CaptureParams.from_dict({"device": 0, "width": 640, "height": 480, "fps": 0})


def test_opens_with_requested_resolution_and_fps_and_returns_rgb():
    cap, dev, _ = make()
    frame = cap.read()
    assert dev.opened_with == [0]
    assert dev.props[cv2.CAP_PROP_FRAME_WIDTH] == 640 and dev.props[cv2.CAP_PROP_FRAME_HEIGHT] == 480
    assert dev.props[cv2.CAP_PROP_FPS] == 30.0
    assert frame.rgb.shape == (480, 640, 3) and frame.rgb.dtype == np.uint8
    assert (frame.rgb[..., 2] == 255).all() and (frame.rgb[..., 0] == 0).all()  # BGR -> RGB
    assert cap.status.ok


def test_missing_device_gives_a_clear_error_and_is_retried_every_interval():
    cap, dev, clock = make()
    dev.present = False
    assert cap.read() is None
    assert not cap.status.ok
    assert "cannot open camera device 0 (/dev/video0)" in cap.status.message
    assert "retrying every 1 s" in cap.status.message
    for t in (0.1, 0.5, 0.9):  # no reopen storm between retries
        clock.t = t
        assert cap.read() is None
    assert len(dev.opened_with) == 1
    dev.present = True
    clock.t = 1.0
    assert cap.read() is not None and len(dev.opened_with) == 2 and cap.status.ok


def test_unplugged_while_running_is_released_and_reopened():
    cap, dev, clock = make()
    assert cap.read() is not None
    dev.plugged = False
    assert [cap.read() for _ in range(3)] == [None] * 3
    assert not cap.is_open and dev.released == 1
    assert "stopped delivering frames" in cap.status.message and "unplugged" in cap.status.message
    dev.plugged = True
    clock.t = 0.5
    assert cap.read() is None  # waits for the retry interval
    clock.t = 1.0
    assert cap.read() is not None and cap.opens == 2


def test_url_error_hint_and_other_resolution_is_reported():
    cap, dev, _ = make("http://cam.local/mjpg")
    dev.present = False
    cap.read()
    assert "camera 'http://cam.local/mjpg'" in cap.status.message and "URL" in cap.status.message
    cap, dev, _ = make(width=320, height=240)
    frame = cap.read()
    assert frame.rgb.shape == (240, 320, 3)
    assert "delivers 320x240, not the requested 640x480" in cap.status.message


def test_intrinsics_from_calibration_or_field_of_view():
    cam = camera_intrinsics(640, 480, 52.0)
    assert cam.cx == pytest.approx(319.5) and cam.fx == pytest.approx(0.5 * 480 / np.tan(np.radians(26)))
    cam = camera_intrinsics(640, 480, 52.0, fx=500.0, fy=510.0, cx=300.0, cy=250.0)
    assert (cam.fx, cam.fy, cam.cx, cam.cy) == (500.0, 510.0, 300.0, 250.0)


def test_look_at_pose_matches_the_simulated_camera():
    """The extrinsics from position + look-at agree with MuJoCo's camera built from the same numbers."""
    from jaco_prog.perception.camera_capture import look_at
    from jaco_prog.perception.camera_model import PinholeCamera
    from jaco_prog.sim import make_env, scene
    env = make_env(overrides={"randomisation": {"camera": {"enabled": False}}}, seed=0).unwrapped
    try:
        sim_cam = PinholeCamera.from_mujoco(env.model, env.data, scene.POLICY_CAMERA, 320, 240)
        cfg = env.cfg.scene
        cam = look_at(camera_intrinsics(320, 240, cfg.camera_fovy), cfg.camera_pos, cfg.camera_lookat)
        assert np.allclose(cam.rotation, sim_cam.rotation, atol=1e-6)
        assert np.allclose(cam.position, sim_cam.position, atol=1e-9)
        target = np.array([0.45, 0.05, 0.03])
        assert np.allclose(cam.project(target), sim_cam.project(target), atol=1e-3)
    finally:
        env.close()


def test_configured_camera_takes_the_nominal_values_only_where_the_parameters_are_unset():
    from jaco_prog.perception.camera_capture import configured_camera
    nominal = ((1.0, 0.5, 1.0), (0.2, 0.0, 0.3), 50.0)
    unset = configured_camera(320, 240, [0.0] * 3, [0.0] * 3, 0.0, nominal)
    assert np.allclose(unset.position, nominal[0])
    assert unset.fy == pytest.approx(camera_intrinsics(320, 240, 50.0).fy)
    measured = configured_camera(320, 240, [1.25, 0.55, 1.05], [0.25, 0.0, 0.3], 60.0, nominal)
    assert np.allclose(measured.position, [1.25, 0.55, 1.05])
    assert measured.fy == pytest.approx(camera_intrinsics(320, 240, 60.0).fy)
    pose_only = configured_camera(320, 240, [1.25, 0.55, 1.05], [0.25, 0.0, 0.3], 0.0, nominal)
    assert pose_only.fy == pytest.approx(unset.fy) and np.all(np.isfinite(pose_only.project([0.4, 0.0, 0.05])))
