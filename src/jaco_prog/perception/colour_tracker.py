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

"""The colour-target tracker (paper section 4.2): threshold the target's colour, take the blob's centroid,
cast it onto the table plane through the calibrated camera, and score the palm against it.

On the real robot this is the reward: +1 when the palm (forward kinematics of the measured joint angles)
is within `reward_radius` of the tracked target. Every number comes from config/tracker.yaml.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from jaco_prog.config import ConfigError, load_yaml, number
from jaco_prog.paths import config_path
from jaco_prog.perception.camera_model import PinholeCamera
from jaco_prog.reward import palm_target_distance, sparse_reward


@dataclass(frozen=True)
class TrackerParams:
    # OpenCV HSV: hue 0-179, saturation and value 0-255. Red wraps around hue 0, hence several ranges.
    hsv_ranges: tuple = (((0, 120, 50), (10, 255, 255)), ((170, 120, 50), (179, 255, 255)))
    min_pixels: int = 4
    target_height: float = 0.03  # height of the target's centre above the table top
    table_z: float = 0.0
    reward_radius: float = 0.10


@dataclass
class TrackResult:
    visible: bool
    pixel: np.ndarray | None = None  # (u, v) centroid
    point: np.ndarray | None = None  # target centre in the base frame
    pixels: int = 0
    mask: np.ndarray | None = field(default=None, repr=False)


class ColourTracker:
    def __init__(self, params: TrackerParams, camera: PinholeCamera):
        self.params = params
        self.camera = camera
        self._ranges = [(np.array(lo, np.uint8), np.array(hi, np.uint8)) for lo, hi in params.hsv_ranges]

    def track(self, rgb: np.ndarray, keep_mask: bool = False) -> TrackResult:
        h, w = rgb.shape[:2]
        hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
        mask = cv2.inRange(hsv, *self._ranges[0])
        for lo, hi in self._ranges[1:]:
            mask |= cv2.inRange(hsv, lo, hi)
        moments = cv2.moments(mask, binaryImage=True)
        count = int(moments["m00"])
        if count < self.params.min_pixels:
            return TrackResult(False, pixels=count, mask=mask if keep_mask else None)
        # the camera may run at another resolution than the calibration: scale pixel coordinates
        u = moments["m10"] / count * self.camera.width / w
        v = moments["m01"] / count * self.camera.height / h
        point = self.camera.pixel_on_plane(u, v, self.params.table_z + self.params.target_height)
        return TrackResult(point is not None, np.array([u, v]), point, count, mask if keep_mask else None)

    def reward(self, target: np.ndarray | None, palm: np.ndarray) -> float:
        """The sparse reward: +1 when the palm is within reward_radius of the tracked target."""
        if target is None:
            return 0.0
        return sparse_reward(palm_target_distance(palm, target), self.params.reward_radius)


def load_tracker_params(path=None) -> TrackerParams:
    path = path or config_path("tracker.yaml")
    raw = load_yaml(path).get("tracker", {})
    where = f"{getattr(path, 'name', path)}: tracker"
    known = set(TrackerParams.__dataclass_fields__)
    for key in raw:
        if key not in known:
            raise ConfigError(f"{where}.{key}", f"unknown field; known: {', '.join(sorted(known))}")
    values = {}
    if "hsv_ranges" in raw:
        ranges = raw["hsv_ranges"]
        if not isinstance(ranges, list) or not ranges:
            raise ConfigError(f"{where}.hsv_ranges", "must be a non-empty list of {low: [h,s,v], high: [h,s,v]}")
        parsed = []
        for i, r in enumerate(ranges):
            w = f"{where}.hsv_ranges[{i}]"
            if not isinstance(r, dict) or set(r) != {"low", "high"}:
                raise ConfigError(w, "must have exactly the keys low and high")
            lo, hi = r["low"], r["high"]
            for name, triple in (("low", lo), ("high", hi)):
                if not isinstance(triple, list) or len(triple) != 3:
                    raise ConfigError(f"{w}.{name}", "must be [h, s, v]")
                for j, (value, top) in enumerate(zip(triple, (179, 255, 255))):
                    if number(value, f"{w}.{name}[{j}]", non_negative=True) > top:
                        raise ConfigError(f"{w}.{name}[{j}]", f"must be <= {top} (OpenCV HSV)")
            parsed.append((tuple(lo), tuple(hi)))
        values["hsv_ranges"] = tuple(parsed)
    for key in ("target_height", "table_z", "reward_radius"):
        if key in raw:
            values[key] = number(raw[key], f"{where}.{key}", non_negative=key != "table_z")
    if "min_pixels" in raw:
        values["min_pixels"] = int(number(raw["min_pixels"], f"{where}.min_pixels", positive=True))
    return TrackerParams(**values)
