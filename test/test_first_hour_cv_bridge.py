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

"""Issue 28, item 14: image conversions go through ROS 2's cv_bridge where it is installed (the docker image) and
through the package's own conversion where it is not; both pass the same encoding fixtures."""
from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from jaco_prog.nodes import common

H, W = 3, 5
RGB = np.random.default_rng(7).integers(0, 256, (H, W, 3), dtype=np.uint8)
GREY = RGB[..., 0]
PAD = 0xEE  # padding bytes: visible in the output if a conversion reads them as pixels


def pixels(encoding: str) -> tuple[np.ndarray, np.ndarray]:
    """(the H x W x C pixel bytes of `encoding`, the RGB image a conversion must return)."""
    alpha = np.full((H, W, 1), 99, np.uint8)
    return {"rgb8": (RGB, RGB), "bgr8": (RGB[..., ::-1], RGB),
            "rgba8": (np.concatenate([RGB, alpha], 2), RGB), "bgra8": (np.concatenate([RGB[..., ::-1], alpha], 2), RGB),
            "mono8": (GREY[..., None], np.repeat(GREY[..., None], 3, axis=2))}[encoding]


def image_msg(encoding: str, padding: int):
    """A sensor_msgs/Image (rclpy's) of the fixture, each row followed by `padding` bytes."""
    from sensor_msgs.msg import Image

    data, _ = pixels(encoding)
    rows = data.reshape(H, -1)
    padded = np.concatenate([rows, np.full((H, padding), PAD, np.uint8)], axis=1)
    msg = Image()
    msg.height, msg.width, msg.encoding, msg.is_bigendian = H, W, encoding, 0
    msg.step = int(padded.shape[1])
    msg.data = padded.tobytes()
    return msg


FIXTURES = [("rgb8", 0), ("bgr8", 0), ("mono8", 0), ("rgba8", 0), ("bgra8", 0),
            ("rgb8", 3),   # padded by whole pixels
            ("rgb8", 1),   # rows aligned to 4 bytes: 16 for 15 bytes of pixels, not a whole pixel
            ("bgr8", 1), ("mono8", 3), ("rgba8", 4)]


def ros2_cv_bridge():
    bridge = common.cv_bridge()
    if bridge is None:
        pytest.skip("ROS 2's cv_bridge is not installed here (rclpy comes from PyPI wheels; the docker image has it)")
    return bridge


BRIDGES = {"own conversion": lambda: None, "cv_bridge": ros2_cv_bridge}


@pytest.mark.parametrize("path", BRIDGES)
@pytest.mark.parametrize("encoding,padding", FIXTURES)
def test_image_to_rgb_reads_every_encoding_and_row_padding(path, encoding, padding):
    bridge = BRIDGES[path]()
    rgb = common.image_to_rgb(image_msg(encoding, padding), bridge=bridge)
    assert rgb.dtype == np.uint8 and rgb.shape == (H, W, 3)
    assert np.array_equal(rgb, pixels(encoding)[1])


@pytest.mark.parametrize("path", BRIDGES)
def test_rgb_to_image_writes_rgb8_that_reads_back(path):
    bridge = BRIDGES[path]()
    msg = common.rgb_to_image(RGB, 12.25, "camera_optical_frame", bridge=bridge)
    assert (msg.encoding, msg.height, msg.width, msg.step, msg.is_bigendian) == ("rgb8", H, W, 3 * W, 0)
    assert (msg.header.stamp.sec, msg.header.stamp.nanosec, msg.header.frame_id) == (12, 250_000_000,
                                                                                     "camera_optical_frame")
    assert bytes(msg.data) == RGB.tobytes()
    assert np.array_equal(common.image_to_rgb(msg, bridge=bridge), RGB)


def test_the_result_is_a_copy():
    msg = image_msg("rgb8", 0)
    rgb = common.image_to_rgb(msg, bridge=None)
    rgb[:] = 0
    assert np.array_equal(common.image_to_rgb(msg, bridge=None), RGB)


def test_unsupported_encoding_is_refused_by_both_paths():
    msg = image_msg("rgb8", 0)
    msg.encoding = "16UC1"
    for bridge in (None, SpyBridge()):
        with pytest.raises(ValueError, match="'16UC1' not supported"):
            common.image_to_rgb(msg, bridge=bridge)


class SpyBridge:
    """Stands in for CvBridge: records what reaches it, converts with the own path."""

    def __init__(self):
        self.calls = []

    def imgmsg_to_cv2(self, msg, desired_encoding="passthrough"):
        self.calls.append(("imgmsg_to_cv2", msg.encoding, msg.step, desired_encoding))
        return common.image_to_rgb(msg, bridge=None)

    def cv2_to_imgmsg(self, cvim, encoding="passthrough", header=None):
        self.calls.append(("cv2_to_imgmsg", encoding, header.frame_id))
        msg = common.rgb_to_image(cvim, 0.0, "", bridge=None)
        msg.header = header
        return msg


def test_a_bridge_gets_every_message_it_reads_right_and_rows_padded_by_part_of_a_pixel_take_the_own_path():
    spy = SpyBridge()
    for encoding, padding in FIXTURES:
        assert np.array_equal(common.image_to_rgb(image_msg(encoding, padding), bridge=spy), pixels(encoding)[1])
    sent = [(encoding, step) for _, encoding, step, _ in spy.calls]
    channels = common.ENCODING_CHANNELS
    assert sent == [(e, W * channels[e] + p) for e, p in FIXTURES if (W * channels[e] + p) % channels[e] == 0]
    assert ("rgb8", 16) not in sent and ("bgr8", 16) not in sent
    assert {desired for *_, desired in spy.calls} == {"rgb8"}
    common.rgb_to_image(RGB, 1.0, "cam", bridge=spy)
    assert spy.calls[-1] == ("cv2_to_imgmsg", "rgb8", "cam")


@pytest.fixture
def fake_cv_bridge(monkeypatch, tmp_path):
    """A cv_bridge package (with its compiled half) at tmp_path/site/cv_bridge, as pip would install a port."""
    package = types.ModuleType("cv_bridge")
    package.__file__ = str(tmp_path / "site" / "cv_bridge" / "__init__.py")
    package.CvBridge = SpyBridge
    boost = types.ModuleType("cv_bridge.boost")
    compiled = types.ModuleType("cv_bridge.boost.cv_bridge_boost")
    compiled.cvtColor2 = lambda *a: None
    for name, module in (("cv_bridge", package), ("cv_bridge.boost", boost),
                         ("cv_bridge.boost.cv_bridge_boost", compiled)):
        monkeypatch.setitem(sys.modules, name, module)
    common.cv_bridge.cache_clear()
    yield tmp_path / "site"
    common.cv_bridge.cache_clear()


def test_cv_bridge_is_used_from_a_sourced_ros2_prefix_only(fake_cv_bridge, monkeypatch, tmp_path):
    monkeypatch.setenv("AMENT_PREFIX_PATH", str(tmp_path / "elsewhere"))
    assert common.cv_bridge() is None  # a pip-installed port (PyPI `cv-bridge`, ROS 1) is not ROS 2's
    common.cv_bridge.cache_clear()
    monkeypatch.setenv("AMENT_PREFIX_PATH", f"{tmp_path / 'elsewhere'}:{fake_cv_bridge}")
    bridge = common.cv_bridge()
    assert isinstance(bridge, SpyBridge)
    common.image_to_rgb(image_msg("bgr8", 0))  # AUTO: through the installed bridge
    assert bridge.calls == [("imgmsg_to_cv2", "bgr8", 3 * W, "rgb8")]


def test_without_cv_bridge_the_own_conversion_is_used(monkeypatch):
    monkeypatch.setitem(sys.modules, "cv_bridge", None)  # `import cv_bridge` raises ImportError
    common.cv_bridge.cache_clear()
    try:
        assert common.cv_bridge() is None
        assert np.array_equal(common.image_to_rgb(image_msg("mono8", 3)), pixels("mono8")[1])
    finally:
        common.cv_bridge.cache_clear()
