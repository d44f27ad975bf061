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

"""OpenCV camera capture for the real robot: a device index, a device path or a stream URL, at a requested
resolution and frame rate, that survives the camera being missing at start or unplugged while running.

ROS-free; the camera node calls `read()` from a timer at `fps` and publishes what it returns:

    cap = CameraCapture(CaptureParams.from_dict({"device": "0", "width": 640, "height": 480, "fps": 30}))
    frame = cap.read()          # Frame(rgb HxWx3 uint8, stamp) or None while the camera is unavailable
    cap.status                  # CaptureStatus(ok, message): why there is no frame, what is being tried

A missing or unplugged camera is never an exception out of `read()`: the capture is released, the status
says what failed and which device, and it is reopened every `retry_interval` seconds.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from jaco_prog.config import ConfigError, check_value, config_class, join, setting


@config_class(frozen=True)
class CaptureParams:
    device: int | str = setting("index (0 -> /dev/video0), device path, or URL (rtsp://, http://, a file)",
                                parse=lambda value, where: parse_device(value, where))
    width: int = setting("requested frame width", unit="pixels", low=1)
    height: int = setting("requested frame height", unit="pixels", low=1)
    fps: float = setting("requested frame rate", unit="Hz", above=0)
    # their home is camera_node's parameters (config/real_nodes.yaml)
    retry_interval: float = setting("between attempts to (re)open the device", unit="s", above=0)
    max_failed_reads: int = setting("consecutive failed reads that count as unplugged", low=1)

    @classmethod
    def from_dict(cls, raw: dict, where: str = "camera") -> "CaptureParams":
        """From a camera node's parameters: its other parameters (frame_id, calibration) are not read here."""
        return cls(**{name: check_value(cls, name, raw.get(name), join(where, name))
                      for name in ("device", "width", "height", "fps", "retry_interval", "max_failed_reads")})


def parse_device(value, where: str = "device") -> int | str:
    """"0" or 0 -> index 0; anything else non-empty (a /dev path, a URL) is passed to OpenCV as is."""
    if isinstance(value, bool):
        raise ConfigError(where, f"must be a device index, path or URL (got {value!r})")
    if isinstance(value, int):
        if value < 0:
            raise ConfigError(where, f"a device index must be >= 0 (got {value})")
        return value
    if isinstance(value, str) and value.strip():
        text = value.strip()
        return int(text) if text.isdigit() else text
    raise ConfigError(where, f"must be a device index, path or URL (got {value!r})")


def describe(device: int | str) -> str:
    return f"camera device {device} (/dev/video{device})" if isinstance(device, int) else f"camera {device!r}"


@dataclass(frozen=True)
class Frame:
    rgb: np.ndarray  # H x W x 3 uint8, RGB
    stamp: float  # clock() when the frame was read


@dataclass(frozen=True)
class CaptureStatus:
    ok: bool
    message: str


def _opencv_capture(device, api_preference=None):
    import cv2
    return cv2.VideoCapture(device) if api_preference is None else cv2.VideoCapture(device, api_preference)


class CameraCapture:
    def __init__(self, params: CaptureParams, clock: Callable[[], float] = time.monotonic,
                 video_capture: Callable = _opencv_capture):
        self.params = params
        self.clock = clock
        self._factory = video_capture
        self._cap = None
        self._next_open = -np.inf
        self._failed_reads = 0
        self.frames = 0
        self.opens = 0
        self.actual_size: tuple[int, int] | None = None  # (width, height) the device delivers
        self.status = CaptureStatus(False, f"{describe(params.device)} not opened yet")

    @property
    def is_open(self) -> bool:
        return self._cap is not None

    def open(self) -> bool:
        """One attempt to open the device and apply resolution and fps. False (status says why) on failure."""
        import cv2
        self._next_open = self.clock() + self.params.retry_interval
        name = describe(self.params.device)
        try:
            cap = self._factory(self.params.device)
        except Exception as err:  # noqa: BLE001 - OpenCV backends raise cv2.error or plain exceptions
            return self._unavailable(f"cannot open {name}: {type(err).__name__}: {err}")
        if cap is None or not cap.isOpened():
            if cap is not None:
                cap.release()
            hint = ("is it plugged in, is the index right (`v4l2-ctl --list-devices`), and may this user read it "
                    "(group `video`)?") if not isinstance(self.params.device, str) or self.params.device.startswith(
                        "/dev") else "is the URL reachable?"
            return self._unavailable(f"cannot open {name}: {hint}")
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.params.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.params.height)
        cap.set(cv2.CAP_PROP_FPS, self.params.fps)
        self._cap = cap
        self._failed_reads = 0
        self.opens += 1
        self.status = CaptureStatus(True, f"{name} open")
        return True

    def _unavailable(self, message: str) -> bool:
        self.status = CaptureStatus(False, f"{message}; retrying every {self.params.retry_interval:g} s")
        return False

    def _lost(self, message: str) -> None:
        if self._cap is not None:
            try:
                self._cap.release()
            except Exception:  # noqa: BLE001 - releasing a vanished device may fail; it is gone either way
                pass
        self._cap = None
        self._next_open = self.clock() + self.params.retry_interval
        self._unavailable(message)

    def read(self) -> Frame | None:
        """The next frame (RGB), or None while the device is unavailable (reopened every retry_interval)."""
        import cv2
        if self._cap is None:
            if self.clock() < self._next_open or not self.open():
                return None
        try:
            ok, bgr = self._cap.read()
        except Exception as err:  # noqa: BLE001
            ok, bgr = False, None
            self.status = CaptureStatus(False, f"read failed: {type(err).__name__}: {err}")
        if not ok or bgr is None or bgr.size == 0:
            self._failed_reads += 1
            if self._failed_reads >= self.params.max_failed_reads:
                self._lost(f"{describe(self.params.device)} stopped delivering frames "
                           f"({self._failed_reads} failed reads; unplugged?)")
            return None
        self._failed_reads = 0
        if bgr.ndim == 2:
            rgb = cv2.cvtColor(bgr, cv2.COLOR_GRAY2RGB)
        else:
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        h, w = rgb.shape[:2]
        if self.actual_size != (w, h):
            self.actual_size = (w, h)
            if (w, h) != (self.params.width, self.params.height):
                self.status = CaptureStatus(True, f"{describe(self.params.device)} delivers {w}x{h}, not the "
                                                  f"requested {self.params.width}x{self.params.height}")
            else:
                self.status = CaptureStatus(True, f"{describe(self.params.device)} open, {w}x{h}")
        self.frames += 1
        return Frame(rgb, self.clock())

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
        self._cap = None
        self.status = CaptureStatus(False, f"{describe(self.params.device)} closed")


def camera_intrinsics(width: int, height: int, fovy_deg: float, fx: float = 0.0, fy: float = 0.0,
                      cx: float = -1.0, cy: float = -1.0):
    """A PinholeCamera (pose: identity) from a calibration (fx, fy > 0) or, lacking one, a vertical field of
    view. cx, cy < 0: the image centre."""
    from jaco_prog.perception.camera_model import PinholeCamera
    cam = PinholeCamera.from_fovy(width, height, fovy_deg, np.eye(3), np.zeros(3))
    fx, fy = (fx, fy) if fx > 0 and fy > 0 else (cam.fx, cam.fy)
    cx = cx if cx >= 0 else cam.cx
    cy = cy if cy >= 0 else cam.cy
    return PinholeCamera(width, height, fx, fy, cx, cy, np.eye(3), np.zeros(3))


def configured_camera(width: int, height: int, position, lookat, fovy_deg: float, nominal: tuple):
    """A fixed camera from a tracker's parameters: a measured pose (`position`, `lookat`, base frame) and
    field of view, where the unset ones (pose all zeros, fovy 0) take the `nominal` (position, lookat,
    fovy_deg) - the simulated camera's, so the sim graph's tracker needs no calibration."""
    nominal_position, nominal_lookat, nominal_fovy = nominal
    if not any(position) and not any(lookat):
        position, lookat = nominal_position, nominal_lookat
    return look_at(camera_intrinsics(width, height, fovy_deg or nominal_fovy), position, lookat)


def look_at(camera, position, lookat, up=(0.0, 0.0, 1.0)):
    """`camera` (intrinsics) posed in the robot base frame: at `position`, looking at `lookat`, image up
    towards `up` (OpenCV axes: x right, y down, z forward) - a fixed camera's extrinsic calibration."""
    from jaco_prog.perception.camera_model import PinholeCamera
    position = np.asarray(position, float)
    z = np.asarray(lookat, float) - position
    if position.shape != (3,) or z.shape != (3,) or not np.linalg.norm(z) > 0:
        raise ConfigError("camera pose", f"position {position} and lookat {lookat} must be distinct 3D points")
    z /= np.linalg.norm(z)
    x = np.cross(z, np.asarray(up, float))
    if not np.linalg.norm(x) > 1e-9:
        raise ConfigError("camera pose", "the camera looks straight along `up`: choose another up vector")
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    return PinholeCamera(camera.width, camera.height, camera.fx, camera.fy, camera.cx, camera.cy,
                         np.column_stack([x, y, z]), position)
