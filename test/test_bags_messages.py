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

"""One message layer (jaco_prog.messages) for both sides: a message the bag writer builds on rosbags' classes is,
read back by rclpy from its CDR bytes, the message the nodes build on rclpy's classes from the same values; and
one image decoder reads raw and compressed frames from either side alike."""
import numpy as np
import pytest

from jaco_prog import messages
from jaco_prog.bags import messages as bag
from jaco_prog.nodes import common

T = 12.25  # s: 12_250_000_000 ns, exact in both
T_NS = 12_250_000_000
RGB = np.random.default_rng(3).integers(0, 256, (6, 8, 3), dtype=np.uint8)
INFO = {"width": 8, "height": 6, "K": [5.0, 0.0, 4.0, 0.0, 5.0, 3.0, 0.0, 0.0, 1.0], "D": [0.0] * 5,
        "R": list(np.eye(3).ravel()), "P": [5.0, 0.0, 4.0, 0.0, 0.0, 5.0, 3.0, 0.0, 0.0, 0.0, 1.0, 0.0],
        "distortion_model": "plumb_bob"}
MARKER = {"ns": "target", "id": 0, "type": 2, "action": 0, "position": [0.1, -0.2, 0.3], "scale": 0.05,
          "rgba": (0.1, 0.9, 0.2, 0.8)}
STATUS = [{"level": 1, "name": "driver_node/safety", "message": "clamped", "values": {"status": "clamped", "j": 2}}]
NAMES = ["joint_1", "joint_2"]

# (what, the rosbags message, the rclpy message) of the same values
PAIRS = {
    "image": (lambda: bag.image(T_NS, "cam", RGB), lambda: common.rgb_to_image(RGB, T, "cam", bridge=None)),
    "camera_info": (lambda: bag.camera_info(T_NS, "cam", INFO), lambda: common.camera_info(INFO, T, "cam")),
    "joint_states": (lambda: bag.joint_state(T_NS, NAMES, [0.1, 0.2], [1.0, -1.0]),
                     lambda: common.joint_state(NAMES, np.array([0.1, 0.2]), np.array([1.0, -1.0]), T)),
    "joint_command": (lambda: bag.joint_command(T_NS, "", NAMES, [0.3, -0.3], 0.1),
                      lambda: common.joint_command(NAMES, np.array([0.3, -0.3]), T, 0.1)),
    "target_point": (lambda: bag.point_stamped(T_NS, "base", [0.1, 0.2, 0.3]),
                     lambda: common.point_stamped(np.array([0.1, 0.2, 0.3]), T, "base")),
    "target_marker": (lambda: bag.marker(T_NS, "base", MARKER), lambda: common.marker(MARKER, T, "base")),
    "reward": (lambda: bag.float32(1.0), lambda: common.scalar("reward", 1.0)),
    "target_visible": (lambda: bag.boolean(True), lambda: common.scalar("target_visible", True)),
    "episode_event": (lambda: bag.string("end 4 7"), lambda: common.scalar("episode_event", "end 4 7")),
    "clock": (lambda: bag.clock(T_NS), lambda: common.clock(T)),
    "driver_status": (lambda: bag.diagnostic_array(T_NS, STATUS, "sim"), lambda: common.diagnostics(STATUS, T, "sim")),
}


@pytest.mark.parametrize("key", PAIRS)
def test_a_bag_message_reads_in_rclpy_as_the_message_the_nodes_build(key):
    from rclpy.serialization import deserialize_message, serialize_message

    from jaco_prog import topics

    recorded, published = (build() for build in PAIRS[key])
    type_name = topics.TOPICS[key].msg_type
    assert recorded.__msgtype__ == type_name
    cls = common.interface(type_name)
    from_bag = deserialize_message(bytes(bag.typestore().serialize_cdr(recorded, type_name)), cls)
    # through rclpy's serializer too, as a subscriber gets it (float32 fields rounded on both sides)
    assert from_bag == deserialize_message(serialize_message(published), cls)


def test_the_camera_info_fields_of_a_pinhole_camera_are_what_camera_info_builds_from():
    from jaco_prog.perception.camera_capture import camera_intrinsics

    camera = camera_intrinsics(8, 6, 52.0)
    fields = messages.camera_info_fields(camera)
    msg = common.camera_info(fields, T, "cam")
    assert (msg.width, msg.height) == (8, 6) and np.allclose(np.reshape(msg.k, (3, 3)), camera.K)
    assert np.allclose(np.reshape(msg.p, (3, 4))[:, :3], camera.K) and not np.reshape(msg.p, (3, 4))[:, 3].any()
    # left out, D, R and the model are no distortion, identity and plumb_bob, as the fields say
    short = bag.camera_info(T_NS, "cam", {k: fields[k] for k in ("width", "height", "K", "P")})
    assert np.allclose(short.r, fields["R"]) and np.allclose(short.d, fields["D"])
    assert short.distortion_model == fields["distortion_model"]


def padded_bgr(types, pad: int):
    """An Image of RGB in bgr8, each row followed by `pad` bytes, on `types`' classes."""
    rows = np.concatenate([RGB[..., ::-1].reshape(6, -1), np.full((6, pad), 0xEE, np.uint8)], axis=1)
    msg = messages.image(types, T_NS, "cam", RGB)
    msg.encoding, msg.step, msg.data = "bgr8", rows.shape[1], types.uint8s(rows)
    return msg


@pytest.mark.parametrize("side", ["rclpy", "rosbags"])
def test_one_decoder_reads_raw_frames_of_either_side(side):
    types = common.RCLPY if side == "rclpy" else bag.ROSBAGS
    for pad in (0, 1, 3):
        rgb = messages.image_to_rgb(padded_bgr(types, pad))
        assert rgb.dtype == np.uint8 and np.array_equal(rgb, RGB)
    msg = messages.image(types, T_NS, "cam", RGB)
    rgb = messages.image_to_rgb(msg)
    rgb[:] = 0  # a copy: the message keeps its pixels
    assert np.array_equal(messages.image_to_rgb(msg), RGB)


def test_one_decoder_reads_compressed_frames_as_recorded_and_as_the_bag_reader_gives_them():
    from jaco_prog.evaluation.bagread import DecodedImage

    msg = bag.compressed_image(T_NS, "cam", RGB)  # PNG: lossless
    assert np.array_equal(messages.image_to_rgb(msg), RGB)
    assert np.array_equal(messages.image_to_rgb(DecodedImage(msg)), RGB)


@pytest.mark.parametrize("side", ["rclpy", "rosbags"])
def test_the_decoder_refuses_an_unknown_encoding_and_names_what_does_not_fit(side):
    types = common.RCLPY if side == "rclpy" else bag.ROSBAGS
    msg = messages.image(types, T_NS, "cam", RGB)
    msg.encoding = "16UC1"
    with pytest.raises(messages.UnsupportedEncoding, match="'16UC1' not supported"):
        messages.image_to_rgb(msg)
    short = messages.image(types, T_NS, "cam", RGB)
    short.step = 8 * 3 - 3
    with pytest.raises(messages.MalformedImage, match=r"image step 21 is smaller than width x channels \(8 x 3\)"):
        messages.image_to_rgb(short)
    cut = messages.image(types, T_NS, "cam", RGB)
    cut.data = types.uint8s(RGB.reshape(-1)[:100])
    with pytest.raises(messages.MalformedImage, match="holds 100 bytes, fewer than step x height"):
        messages.image_to_rgb(cut)
    empty = messages.image(types, T_NS, "cam", np.zeros((0, 0, 3), np.uint8))
    with pytest.raises(messages.MalformedImage, match="0x0 pixels"):
        messages.image_to_rgb(empty)
