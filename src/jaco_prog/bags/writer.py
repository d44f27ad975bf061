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

"""BagWriter: rosbag2 bags (MCAP by default, or sqlite3) of the contract topics, through `rosbags`.

    with BagWriter(run_dir / "bag") as bag:                  # every contract topic, the camera as PNG
        bag.write("reward", t_ns, messages.float32(1.0))
        bag.write_image(t_ns, "camera_optical_frame", rgb)   # on /camera/image_raw/compressed

The camera goes on one of its two contract topics, by `image_format`: png (default) or jpeg as
sensor_msgs/CompressedImage on `image_compressed` (<image topic>/compressed, image_transport's convention;
a 320x240 frame is 23 KB as PNG instead of 230 KB raw), raw as sensor_msgs/Image on `image`.

`ros2 bag info` / `ros2 bag play` read these bags: CDR serialization, standard message types with their
definitions and RIHS01 type hashes, metadata.yaml version 9 (Jazzy) by default, and each topic's offered QoS
profile from the topic contract (jaco_prog.topics), so that `ros2 bag play` offers what the live publisher did
(e.g. transient-local for the episode events). Timestamps are nanoseconds on the graph's clock (sim time).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from jaco_prog import topics
from jaco_prog.bags import messages
from jaco_prog.bags.images import FORMATS, JPEG_QUALITY
from jaco_prog.bags.messages import typestore

# "infinite" durations, as rclpy/rosbag2 write them for the default deadline, lifespan and lease duration
_INFINITE = (9223372036, 854775807)


def rosbags_qos(qos: topics.Qos):
    from rosbags.interfaces import (Qos, QosDurability, QosHistory, QosLiveliness, QosReliability,
                                    QosTime)

    infinite = QosTime(*_INFINITE)
    return Qos(history=QosHistory.KEEP_LAST, depth=qos.depth,
               reliability=QosReliability[qos.reliability.upper()],
               durability=QosDurability[qos.durability.upper()],
               deadline=infinite, lifespan=infinite, liveliness=QosLiveliness.AUTOMATIC,
               liveliness_lease_duration=infinite, avoid_ros_namespace_conventions=False)


def image_key(image_format: str) -> str:
    """The contract topic the camera is recorded on: `image` (raw) or `image_compressed` (png, jpeg)."""
    if image_format not in FORMATS:
        raise ValueError(f"image format must be one of {', '.join(FORMATS)} (got {image_format!r})")
    return "image" if image_format == "raw" else "image_compressed"


def default_keys(image_format: str = "png") -> list[str]:
    """Every contract topic, the camera on the one topic `image_format` records it on."""
    other = {"image", "image_compressed"} - {image_key(image_format)}
    return [key for key in topics.TOPICS if key not in other]


class BagWriter:
    def __init__(self, path: str | Path, keys: Iterable[str] | None = None, storage: str = "mcap",
                 version: int = 9, custom_data: dict[str, str] | None = None, image_format: str = "png",
                 jpeg_quality: int = JPEG_QUALITY):
        from rosbags.rosbag2 import StoragePlugin, Writer

        self.image_key = image_key(image_format)
        self.image_format, self.jpeg_quality = image_format, jpeg_quality
        self.path = Path(path)
        plugin = {"mcap": StoragePlugin.MCAP, "sqlite3": StoragePlugin.SQLITE3}[storage]
        self._writer = Writer(self.path, version=version, storage_plugin=plugin)
        for key, value in (custom_data or {}).items():
            self._writer.set_custom_data(key, str(value))
        self._writer.open()
        self._store = typestore()
        self._connections = {}
        self.counts: dict[str, int] = {}
        for key in (keys if keys is not None else default_keys(image_format)):
            t = topics.TOPICS[key]
            self._connections[key] = self._writer.add_connection(
                topics.name(key), t.msg_type, typestore=self._store, serialization_format="cdr",
                offered_qos_profiles=[rosbags_qos(t.publisher_qos)])
            self.counts[key] = 0
        self._closed = False

    def write(self, key: str, t_ns: int, msg) -> None:
        """Serialize `msg` (a messages.* object) to CDR and write it on the topic of contract key `key`."""
        conn = self._connections[key]
        self._writer.write(conn, int(t_ns), self._store.serialize_cdr(msg, conn.msgtype))
        self.counts[key] += 1

    def write_image(self, t_ns: int, frame_id: str, rgb) -> None:
        """A camera frame (H x W x 3 uint8 RGB) on the camera topic, raw or compressed as the bag records it."""
        if self.image_format == "raw":
            msg = messages.image(t_ns, frame_id, rgb)
        else:
            msg = messages.compressed_image(t_ns, frame_id, rgb, self.image_format, self.jpeg_quality)
        self.write(self.image_key, t_ns, msg)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._writer.close()

    def __enter__(self) -> "BagWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
