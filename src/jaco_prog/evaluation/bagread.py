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

"""Reading a bag of the topic contract for evaluation, without ROS: rosbag2 directories (MCAP or sqlite3), or a
bare .mcap / .db3 file, through `rosbags` (CDR, message types from the bag's own definitions).

    source = BagSource(path, keys=("image", "reward", ...), required=("image", "reward"))
    source.info                         # BagInfo: storage, custom_data, topics, what was ignored
    for t_ns, key, msg in source.messages(): ...

Messages come in timestamp order; messages with the same timestamp come in the order the graph produced them
(joint state, camera info, image, tracker outputs, driver status, episode event, command: PRIORITY), whatever
order the storage returns them in, so a replay sees what each component saw.

The camera may be recorded raw (`image`: sensor_msgs/Image) or through image_transport's compressed transport
(`image_compressed`: sensor_msgs/CompressedImage on <image topic>/compressed, PNG or JPEG; what `jaco-prog run`
records by default). A reader asking for `image` gets either: compressed frames come as DecodedImage, the
rgb8 Image fields of the decoded frame, so the replay reads both alike. A bag with both is read from its raw
topic (the compressed one is listed in info.ignored).

Bad input gives one BagError (a UserError: one line, exit 2): no such bag, not a bag, a required topic missing,
a topic of another message type than the contract's, a type without a definition. A bag that breaks off (a
recording killed mid-write: an MCAP without its summary and footer, or a corrupt chunk) is read up to the
break by scanning the MCAP records with the `mcap` package (`pip install mcap`); `info.truncated` says where
and why, and the caller reports what it could.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from jaco_prog import topics
from jaco_prog.errors import UserError

PRIORITY = {"clock": 0, "joint_states": 1, "camera_info": 2, "image": 3, "target_visible": 4, "target_point": 4,
            "target_marker": 4, "reward": 4, "reward_ground_truth": 4, "driver_status": 5, "episode_event": 6,
            "joint_command": 7, "policy_status": 8, "tf": 0, "tf_static": 0}
TF_TOPICS = {"tf": ("/tf", "tf2_msgs/msg/TFMessage"), "tf_static": ("/tf_static", "tf2_msgs/msg/TFMessage")}


class BagError(UserError):
    """A bag that cannot be evaluated: missing, unreadable, or without what evaluation needs."""


@dataclass
class BagInfo:
    path: Path
    storage: str  # mcap | sqlite3
    reader: str  # "rosbags" or "mcap record scan (salvage)"
    custom_data: dict = field(default_factory=dict)
    topics: dict = field(default_factory=dict)  # name -> (type, message count or None)
    message_count: int | None = None  # from the metadata / summary (None when unknown)
    ignored: list = field(default_factory=list)  # notes: topics not evaluated and why
    truncated: str | None = None  # why reading stopped before the end of the bag
    messages_read: int = 0
    last_ns: int | None = None  # timestamp of the last message read
    camera_topic: str | None = None  # where the `image` frames come from: topic (type)


def _expected(key: str) -> tuple[str, str]:
    if key in TF_TOPICS:
        return TF_TOPICS[key]
    return topics.name(key), topics.TOPICS[key].msg_type


COMPRESSED_IMAGE = "sensor_msgs/msg/CompressedImage"


class UndecodableImage(BagError):
    """A compressed camera frame that is not a PNG or JPEG image (a BagError: one line, exit 2, unless the
    reader skips the frame as it skips other malformed ones)."""


class DecodedImage:
    """A sensor_msgs/CompressedImage read as the rgb8 sensor_msgs/Image it encodes (header, height, width,
    encoding, is_bigendian, step, data). The pixels are decoded on first use; a frame that does not decode
    raises UndecodableImage there."""

    encoding = "rgb8"
    is_bigendian = 0

    def __init__(self, msg):
        self.header, self.format, self._compressed = msg.header, msg.format, msg
        self._rgb: np.ndarray | None = None

    @property
    def rgb(self) -> np.ndarray:
        if self._rgb is None:
            from jaco_prog.bags.images import ImageDecodeError
            from jaco_prog.messages import image_to_rgb

            try:
                self._rgb = image_to_rgb(self._compressed)
            except ImageDecodeError:
                # no time or size in the text: a reader that skips such frames counts them by it
                raise UndecodableImage(f"{topics.name('image_compressed')}: a frame that is not a PNG or JPEG "
                                       f"image (format {self.format!r})") from None
        return self._rgb

    @property
    def height(self) -> int:
        return self.rgb.shape[0]

    @property
    def width(self) -> int:
        return self.rgb.shape[1]

    @property
    def step(self) -> int:
        return self.rgb.shape[1] * 3

    @property
    def data(self) -> np.ndarray:
        return self.rgb.reshape(-1)


def _types_from_definition(msgtype: str, fmt, data: str) -> dict:
    from rosbags.interfaces import MessageDefinitionFormat
    from rosbags.typesys import get_types_from_idl, get_types_from_msg

    if fmt == MessageDefinitionFormat.MSG or fmt == "ros2msg":
        return get_types_from_msg(data, msgtype)
    if fmt == MessageDefinitionFormat.IDL or fmt == "ros2idl":
        sep = "=" * 80 + "\n"
        types = {}
        if data.startswith(f"{sep}IDL: "):
            for part in data.split(sep)[1:]:
                types.update(get_types_from_idl(part.split("\n", 1)[1]))
        else:
            types.update(get_types_from_idl(data))
        return types
    return {}


class _Store:
    """A type store from the bag's own message definitions (a Humble Marker differs from a Jazzy one), falling
    back to rosbags' Jazzy store (+ the legacy JointJog) for connections recorded without a definition."""

    def __init__(self):
        from rosbags.typesys import Stores, get_typestore

        self.store = get_typestore(Stores.EMPTY)
        self._registered: set[str] = set()

    def add(self, topic: str, msgtype: str, fmt, data: str | None) -> None:
        from jaco_prog.bags.messages import typestore

        if msgtype in self._registered:
            return
        try:
            types = _types_from_definition(msgtype, fmt, data) if data else {}
        except Exception as err:  # noqa: BLE001 - rosbags' parser errors have no common base
            raise BagError(f"topic {topic}: cannot parse the definition of message type {msgtype}: {err}") from None
        if msgtype not in types:
            fallback = typestore()
            if msgtype not in fallback.fielddefs:
                raise BagError(f"topic {topic}: unknown message type {msgtype} (the bag has no definition of it "
                               "and it is not a standard ROS 2 Jazzy type)")
            types = _closure(fallback, msgtype)
        self.store.register(types)
        self._registered.add(msgtype)

    def deserialize(self, raw, msgtype: str):
        return self.store.deserialize_cdr(raw, msgtype)


def _closure(store, msgtype: str) -> dict:
    """msgtype's field definitions and those of every type it uses, from `store`."""
    out, todo = {}, [msgtype]
    while todo:
        name = todo.pop()
        if name in out:
            continue
        out[name] = store.fielddefs[name]
        for _, (kind, desc) in out[name][1]:
            for ref in _refs(kind, desc):
                todo.append(ref)
    return out


def _refs(kind, desc) -> list[str]:
    from rosbags.typesys.base import Nodetype

    if kind == Nodetype.NAME:
        return [desc]
    if kind in (Nodetype.ARRAY, Nodetype.SEQUENCE):
        return _refs(*desc[0])
    return []


class BagSource:
    def __init__(self, path: str | Path, keys: Iterable[str], required: Iterable[str] = ()):
        self.path = Path(path)
        self.keys = list(keys)
        self.required = list(required)
        if not self.path.exists():
            raise BagError(f"no bag at {self.path}")
        self._by_topic = {_expected(k)[0]: k for k in self.keys}  # topic -> contract key it is read as
        self._types = {_expected(k)[0]: _expected(k)[1] for k in self.keys}  # topic -> the type it must have
        if "image" in self.keys and "image_compressed" not in self.keys:  # the camera, by either transport
            compressed, msgtype = _expected("image_compressed")
            self._by_topic[compressed], self._types[compressed] = "image", msgtype
        self._store = _Store()
        self._reader = None
        self._salvage_file: Path | None = None
        target = self.path
        if self.path.is_dir() and not (self.path / "metadata.yaml").is_file():
            files = sorted(self.path.glob("*.mcap")) + sorted(self.path.glob("*.db3"))
            if len(files) != 1:
                raise BagError(f"{self.path} is not a bag: no metadata.yaml and not exactly one .mcap/.db3 file")
            target = files[0]  # a recording killed before rosbag2 wrote its metadata
        try:
            self._open_rosbags(target)
        except BagError:
            raise
        except Exception as err:  # noqa: BLE001 - rosbags raises ReaderError, KeyError, yaml errors, ...
            mcap = self._mcap_file()
            if mcap is None:
                raise BagError(f"{self.path} is not a readable rosbag2 bag: {_why(err)}") from None
            self._open_salvage(mcap, _why(err))
        self._check()

    # --- opening -----------------------------------------------------------------------------------------
    def _mcap_file(self) -> Path | None:
        if self.path.is_file():
            return self.path if self.path.suffix == ".mcap" else None
        files = sorted(self.path.glob("*.mcap"))
        return files[0] if len(files) == 1 else None

    def _open_rosbags(self, target: Path) -> None:
        from rosbags.rosbag2 import Reader

        reader = Reader(target)
        reader.open()
        self._reader = reader
        meta = reader.storage.metadata
        storage = "mcap" if type(reader.storage).__name__.lower().startswith("mcap") else "sqlite3"
        if self.path.is_dir():
            storage = _storage_of_dir(self.path) or storage
        self.info = BagInfo(self.path, storage, "rosbags", dict(getattr(meta, "custom", None) or {}),
                            message_count=meta.message_count)
        self._connections = {}
        for conn in reader.connections:
            self.info.topics[conn.topic] = (conn.msgtype, conn.msgcount)
        skip = self._second_camera_topic()
        for conn in reader.connections:
            key = self._by_topic.get(conn.topic)
            if key is None or conn.topic in skip:
                continue
            self._accept(key, conn.topic, conn.msgtype, conn.msgdef.format, conn.msgdef.data)
            self._connections[conn.id] = (key, conn.msgtype)
        self._wanted = [c for c in reader.connections if c.id in self._connections]

    def _open_salvage(self, mcap: Path, why: str) -> None:
        """Scan the MCAP records from the start (no summary needed); stops at the first broken record."""
        try:
            from mcap.records import Channel, Message, Schema
            from mcap.stream_reader import StreamReader
        except ImportError:
            raise BagError(f"{self.path} cannot be read ({why}); to recover the messages before the break, "
                           "install the `mcap` package") from None
        self._salvage_file = mcap
        self.info = BagInfo(self.path, "mcap", "mcap record scan (salvage)", _custom_data_of_dir(self.path))
        self.info.ignored.append(f"{mcap.name}: rosbags could not open it ({why}); read by scanning its records")
        self._records = (Channel, Message, Schema, StreamReader)
        # first pass: the channels (and their schemas) of the messages that can be read
        schemas, self._channels = {}, {}
        counts: dict[int, int] = {}
        try:
            for rec in self._scan(mcap):
                if isinstance(rec, Schema):
                    schemas[rec.id] = rec
                elif isinstance(rec, Channel):
                    self._channels[rec.id] = rec
                elif isinstance(rec, Message):
                    counts[rec.channel_id] = counts.get(rec.channel_id, 0) + 1
        except Exception:  # noqa: BLE001 - the break itself; the second pass reports it
            pass
        if not self._channels:
            raise BagError(f"{self.path} is not a readable bag: {why}")
        self._connections = {}
        for cid, ch in self._channels.items():
            schema = schemas.get(ch.schema_id)
            self.info.topics[ch.topic] = (schema.name if schema else "?", counts.get(cid, 0))
        skip = self._second_camera_topic()
        for cid, ch in self._channels.items():
            schema = schemas.get(ch.schema_id)
            msgtype = schema.name if schema else "?"
            key = self._by_topic.get(ch.topic)
            if key is None or ch.topic in skip:
                continue
            if ch.message_encoding != "cdr":
                raise BagError(f"topic {ch.topic}: message encoding {ch.message_encoding!r}, expected cdr")
            self._accept(key, ch.topic, msgtype, schema.encoding if schema else None,
                         schema.data.decode() if schema else None)
            self._connections[cid] = (key, msgtype)

    def _scan(self, mcap: Path):
        _, _, _, StreamReader = self._records
        with open(mcap, "rb") as f:
            yield from StreamReader(f, validate_crcs=True).records

    def _second_camera_topic(self) -> set[str]:
        """The compressed camera topic when the raw one has frames too: only one of them may be replayed."""
        if self._by_topic.get(_expected("image_compressed")[0]) != "image":
            return set()
        raw, compressed = _expected("image")[0], _expected("image_compressed")[0]
        if raw in self.info.topics and compressed in self.info.topics and self.info.topics[raw][1] != 0:
            self.info.ignored.append(f"{compressed} ({COMPRESSED_IMAGE}): the bag has the raw {raw} as well, "
                                     "which is read instead")
            return {compressed}
        return set()

    def _accept(self, key: str, topic: str, msgtype: str, fmt, data) -> None:
        expected = self._types[topic]
        if msgtype != expected and msgtype not in topics.LEGACY_TYPES.get(key, ()):
            raise BagError(f"topic {topic} has message type {msgtype}; evaluation reads it as {expected} (the "
                           "topic contract, jaco_prog.topics)")
        self._store.add(topic, msgtype, fmt, data)
        if key == "image" and (self.info.camera_topic is None or self.info.topics.get(topic, (None, 0))[1]):
            self.info.camera_topic = f"{topic} ({msgtype})"  # the camera topic with frames, of one or two

    def _check(self) -> None:
        for key in self.required:
            names = [t for t, k in self._by_topic.items() if k == key]
            if not any(self.info.topics.get(name, (None, 0))[1] != 0 for name in names):
                wanted = " or ".join(f"{name} ({self._types[name]})" for name in names)
                raise BagError(f"{self.path} has no {wanted} messages: evaluation needs the "
                               f"{key.replace('_', ' ')} topic (bag topics: {', '.join(sorted(self.info.topics))})")
        for name, (msgtype, _) in sorted(self.info.topics.items()):
            if name not in self._by_topic:
                self.info.ignored.append(f"{name} ({msgtype}): not used by evaluation")

    # --- reading -----------------------------------------------------------------------------------------
    def _raw(self) -> Iterator[tuple[int, str, str, bytes]]:
        if self._salvage_file is None:
            for conn, t_ns, raw in self._reader.messages(connections=self._wanted):
                key, msgtype = self._connections[conn.id]
                yield t_ns, key, msgtype, raw
            return
        _, Message, _, _ = self._records
        for rec in self._scan(self._salvage_file):
            if isinstance(rec, Message) and rec.channel_id in self._connections:
                key, msgtype = self._connections[rec.channel_id]
                yield rec.log_time, key, msgtype, rec.data

    def messages(self) -> Iterator[tuple[int, str, object]]:
        """(t_ns, contract key, message) in timestamp order; equal timestamps in the graph's order. Reading
        stops at the first unreadable message (info.truncated says why)."""
        group: list = []
        info = self.info
        raw_iter = self._raw()
        while True:
            try:
                item = next(raw_iter)
                t_ns, key, msgtype, raw = item
                msg = self._read(key, msgtype, raw)
            except StopIteration:
                break
            except Exception as err:  # noqa: BLE001 - a broken chunk, record or message: stop here
                where = f"after t = {info.last_ns / 1e9:.3f} s" if info.last_ns is not None else "at the start"
                reason = f"unreadable {where} ({_why(err)})"
                info.truncated = f"{info.truncated}; {reason}" if info.truncated else reason
                break
            info.messages_read += 1
            if group and group[0][0] != t_ns:
                yield from _ordered(group)
                group = []
            group.append((t_ns, key, msg))
            info.last_ns = t_ns if info.last_ns is None else max(info.last_ns, t_ns)
        yield from _ordered(group)

    def first(self, key: str):
        """The first message on `key` (None if none), without reading the rest of the bag."""
        if self._salvage_file is None:
            conns = [c for c in self._wanted if self._connections[c.id][0] == key]
            for conn, _, raw in self._reader.messages(connections=conns):
                return self._read(key, conn.msgtype, raw)
            return None
        try:
            for t_ns, k, msgtype, raw in self._raw():
                if k == key:
                    return self._read(key, msgtype, raw)
        except Exception:  # noqa: BLE001
            return None
        return None

    def _read(self, key: str, msgtype: str, raw):
        msg = self._store.deserialize(raw, msgtype)
        return DecodedImage(msg) if msgtype == COMPRESSED_IMAGE and key == "image" else msg

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def __enter__(self) -> "BagSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _ordered(group: list):
    if len(group) > 1:
        group.sort(key=lambda item: PRIORITY.get(item[1], 9))
    return group


def _why(err: Exception) -> str:
    text = str(err).strip().splitlines()
    return (text[0] if text else type(err).__name__).rstrip(".")


def _storage_of_dir(path: Path) -> str | None:
    import yaml

    try:
        meta = yaml.safe_load((path / "metadata.yaml").read_text())["rosbag2_bagfile_information"]
        return meta.get("storage_identifier")
    except Exception:  # noqa: BLE001
        return None


def _custom_data_of_dir(path: Path) -> dict:
    import yaml

    if not path.is_dir() or not (path / "metadata.yaml").is_file():
        return {}
    try:
        meta = yaml.safe_load((path / "metadata.yaml").read_text())["rosbag2_bagfile_information"]
        return {str(k): str(v) for k, v in (meta.get("custom_data") or {}).items()}
    except Exception:  # noqa: BLE001
        return {}
