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

"""The contract's messages, built and read once for both sides of the graph: rclpy (the nodes) and rosbags (bags
written and read without ROS). ROS-free: a builder takes `types`, a MessageTypes that the side which publishes
or records supplies (its message classes, and the values its array and byte fields take), so that
jaco_prog.nodes.common binds these builders to rclpy's classes and jaco_prog.bags.messages to rosbags' type store.

    msg = joint_command(types, t_ns, frame_id, names, velocities, valid_for)
    rgb = image_to_rgb(msg)      # sensor_msgs/Image (an encoding of ENCODING_CHANNELS) or CompressedImage

Builders take the time as integer nanoseconds (a bag's timestamps; a node converts its clock's seconds with
`nanoseconds`), then the frame id, then the payload, and give every field: rosbags' classes have no defaults.
Readers take a message of either side (they read fields only). The joint command's reader is the contract's
own, jaco_prog.topics.read_joint_command.
"""
from __future__ import annotations

import array
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import numpy as np

ENCODING_CHANNELS = {"rgb8": 3, "bgr8": 3, "rgba8": 4, "bgra8": 4, "mono8": 1}  # raw images read
TEXT_VIEW_FACING = 9  # visualization_msgs/Marker type
SCALARS = {"std_msgs/msg/Float32": float, "std_msgs/msg/Bool": bool, "std_msgs/msg/String": str}


@dataclass(frozen=True)
class MessageTypes:
    """How one side makes messages: `cls` maps an interface name ('sensor_msgs/msg/Image') to its class; the
    others turn plain values into what that side's fields take (rclpy's setters take python floats and bytes,
    rosbags' serializer numpy arrays)."""
    cls: Callable[[str], type]
    floats: Callable[[Iterable], Any]  # a float64[] or float64[N] field, from numbers
    uint8s: Callable[[np.ndarray], Any]  # a uint8[] field, from a uint8 array
    byte: Callable[[int], Any]  # a `byte` field, from an int

    def new(self, type_name: str, **fields):
        return self.cls(type_name)(**fields)


# --- time -------------------------------------------------------------------------------------------------
def nanoseconds(seconds_: float) -> int:
    """Seconds -> integer nanoseconds, rounded (the builders' time)."""
    return int(round(seconds_ * 1e9))


def seconds(time_msg) -> float:
    """builtin_interfaces Time or Duration -> seconds."""
    return time_msg.sec + time_msg.nanosec * 1e-9


def _time(types: MessageTypes, type_name: str, t_ns: int):
    t_ns = int(t_ns)
    return types.new(type_name, sec=t_ns // 1_000_000_000, nanosec=t_ns % 1_000_000_000)


def stamp(types: MessageTypes, t_ns: int):
    return _time(types, "builtin_interfaces/msg/Time", t_ns)


def duration(types: MessageTypes, seconds_: float):
    return _time(types, "builtin_interfaces/msg/Duration", nanoseconds(seconds_))


def header(types: MessageTypes, t_ns: int, frame_id: str = ""):
    return types.new("std_msgs/msg/Header", stamp=stamp(types, t_ns), frame_id=str(frame_id))


# --- camera -----------------------------------------------------------------------------------------------
def image(types: MessageTypes, t_ns: int, frame_id: str, rgb: np.ndarray):
    """sensor_msgs/Image rgb8 of an H x W x 3 uint8 RGB frame (rows not padded)."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = int(rgb.shape[0]), int(rgb.shape[1])
    return types.new("sensor_msgs/msg/Image", header=header(types, t_ns, frame_id), height=h, width=w,
                     encoding="rgb8", is_bigendian=0, step=w * 3, data=types.uint8s(rgb))


def compressed_image(types: MessageTypes, t_ns: int, frame_id: str, rgb: np.ndarray, fmt: str = "png",
                     jpeg_quality: int | None = None):
    """sensor_msgs/CompressedImage of an RGB frame, as image_transport's compressed plugin publishes it (PNG or
    JPEG: the codec is jaco_prog.bags.images; jpeg_quality None: its JPEG_QUALITY)."""
    from jaco_prog.bags import images

    text, data = images.encode(rgb, fmt, images.JPEG_QUALITY if jpeg_quality is None else jpeg_quality)
    return types.new("sensor_msgs/msg/CompressedImage", header=header(types, t_ns, frame_id), format=text,
                     data=types.uint8s(data))


def camera_info_fields(camera) -> dict:
    """The CameraInfo fields (width, height, K (9), D, R (9), P (12), distortion_model) of a pinhole camera
    (jaco_prog.perception.camera_model.PinholeCamera: no distortion)."""
    K = np.asarray(camera.K, float)
    return {"width": int(camera.width), "height": int(camera.height), "K": K.ravel().tolist(), "D": [0.0] * 5,
            "R": np.eye(3).ravel().tolist(), "P": np.hstack([K, np.zeros((3, 1))]).ravel().tolist(),
            "distortion_model": "plumb_bob"}


def camera_info(types: MessageTypes, t_ns: int, frame_id: str, info: dict):
    """sensor_msgs/CameraInfo from camera_info_fields' dict (D, R and distortion_model may be left out: none,
    identity, plumb_bob)."""
    roi = types.new("sensor_msgs/msg/RegionOfInterest", x_offset=0, y_offset=0, height=0, width=0, do_rectify=False)
    return types.new(
        "sensor_msgs/msg/CameraInfo", header=header(types, t_ns, frame_id), height=int(info["height"]),
        width=int(info["width"]), distortion_model=str(info.get("distortion_model", "plumb_bob")),
        d=types.floats(info.get("D", [0.0] * 5)), k=types.floats(info["K"]),
        r=types.floats(info.get("R", np.eye(3).ravel())), p=types.floats(info["P"]), binning_x=0, binning_y=0,
        roi=roi)


class UnsupportedEncoding(ValueError):
    """A raw image in an encoding outside ENCODING_CHANNELS."""


class MalformedImage(ValueError):
    """A raw image whose sizes do not fit its data (empty, a step shorter than a row, fewer bytes than rows)."""


def image_channels(msg) -> int:
    """Bytes per pixel of a raw sensor_msgs/Image; UnsupportedEncoding outside ENCODING_CHANNELS."""
    channels = ENCODING_CHANNELS.get(str(msg.encoding).lower())
    if channels is None:
        raise UnsupportedEncoding(f"image encoding {msg.encoding!r} not supported ({', '.join(ENCODING_CHANNELS)})")
    return channels


def image_to_rgb(msg) -> np.ndarray:
    """sensor_msgs/Image (rgb8, bgr8, rgba8, bgra8 or mono8, rows padded or not; step 0: not padded) or
    sensor_msgs/CompressedImage (PNG or JPEG, jaco_prog.bags.images.decode) -> H x W x 3 uint8 RGB, a copy.
    Raises UnsupportedEncoding, MalformedImage, or for compressed data that does not decode ImageDecodeError."""
    if not hasattr(msg, "encoding"):
        from jaco_prog.bags.images import decode

        return decode(msg.format, msg.data)
    c = image_channels(msg)
    h, w = int(msg.height), int(msg.width)
    if h <= 0 or w <= 0:
        raise MalformedImage(f"an image of {w}x{h} pixels (empty)")
    step = int(msg.step) or w * c
    if step < w * c:
        raise MalformedImage(f"image step {step} is smaller than width x channels ({w} x {c})")
    raw = msg.data  # rclpy: array.array('B'); rosbags: a numpy array
    data = np.frombuffer(raw, np.uint8) if isinstance(raw, (bytes, bytearray, memoryview, array.array)) else \
        np.asarray(raw, np.uint8).reshape(-1)
    if data.size < step * h:
        raise MalformedImage(f"an image of {w}x{h} {str(msg.encoding).lower()} holds {data.size} bytes, fewer than "
                             f"step x height ({step} x {h})")
    img = data[:step * h].reshape(h, step)[:, :w * c].reshape(h, w, c)
    if c == 1:
        return np.repeat(img, 3, axis=2)
    if str(msg.encoding).lower().startswith("bgr"):
        img = img[..., 2::-1]
    out = np.empty((h, w, 3), np.uint8)
    out[...] = img[..., :3]  # a copy in every case: a tight rgb8 message's pixels would otherwise be a view of it
    return out


# --- arm --------------------------------------------------------------------------------------------------
def joint_state(types: MessageTypes, t_ns: int, names: Sequence[str], positions, velocities=None, efforts=None):
    """sensor_msgs/JointState (no velocities or efforts: empty)."""
    return types.new("sensor_msgs/msg/JointState", header=header(types, t_ns), name=[str(n) for n in names],
                     position=types.floats(positions), velocity=types.floats(() if velocities is None else velocities),
                     effort=types.floats(() if efforts is None else efforts))


def joint_command(types: MessageTypes, t_ns: int, frame_id: str, names: Sequence[str], velocities,
                  valid_for: float):
    """trajectory_msgs/JointTrajectory with one point: the velocities (rad/s), time_from_start = `valid_for` s
    (the contract's joint command; jaco_prog.topics.read_joint_command reads it)."""
    point = types.new("trajectory_msgs/msg/JointTrajectoryPoint", positions=types.floats(()),
                      velocities=types.floats(velocities), accelerations=types.floats(()), effort=types.floats(()),
                      time_from_start=duration(types, valid_for))
    return types.new("trajectory_msgs/msg/JointTrajectory", header=header(types, t_ns, frame_id),
                     joint_names=[str(n) for n in names], points=[point])


# --- tracker, episodes, clock -----------------------------------------------------------------------------
def point_stamped(types: MessageTypes, t_ns: int, frame_id: str, point):
    x, y, z = (float(v) for v in point)
    return types.new("geometry_msgs/msg/PointStamped", header=header(types, t_ns, frame_id),
                     point=types.new("geometry_msgs/msg/Point", x=x, y=y, z=z))


def marker(types: MessageTypes, t_ns: int, frame_id: str, fields: dict):
    """visualization_msgs/Marker from {ns, id, type, action, position, scale, rgba[, text]} (the components'
    marker dicts, TrackerOutput.marker(); scale: one number or x, y, z)."""
    new = types.new
    x, y, z = (float(v) for v in fields["position"])
    scale = fields["scale"]
    sx, sy, sz = (float(v) for v in (scale if np.ndim(scale) else [scale] * 3))
    r, g, b, a = (float(v) for v in fields["rgba"])
    nothing = types.uint8s(np.zeros(0, np.uint8))
    return new(
        "visualization_msgs/msg/Marker", header=header(types, t_ns, frame_id), ns=str(fields["ns"]),
        id=int(fields["id"]), type=int(fields["type"]), action=int(fields["action"]),
        pose=new("geometry_msgs/msg/Pose", position=new("geometry_msgs/msg/Point", x=x, y=y, z=z),
                 orientation=new("geometry_msgs/msg/Quaternion", x=0.0, y=0.0, z=0.0, w=1.0)),
        scale=new("geometry_msgs/msg/Vector3", x=sx, y=sy, z=sz),
        color=new("std_msgs/msg/ColorRGBA", r=r, g=g, b=b, a=a),
        lifetime=duration(types, 0.0), frame_locked=False, points=[], colors=[], texture_resource="",
        texture=new("sensor_msgs/msg/CompressedImage", header=header(types, 0), format="", data=nothing),
        uv_coordinates=[], text=str(fields.get("text", "")), mesh_resource="",
        mesh_file=new("visualization_msgs/msg/MeshFile", filename="", data=nothing), mesh_use_embedded_materials=False)


def text_marker(types: MessageTypes, t_ns: int, frame_id: str, text: str, position, ns: str = "reward",
                height: float = 0.05):
    """A text marker (rviz shows the reward with it), white, facing the viewer."""
    return marker(types, t_ns, frame_id, {"ns": ns, "id": 0, "type": TEXT_VIEW_FACING, "action": 0,
                                          "position": position, "scale": [0.0, 0.0, height],
                                          "rgba": [1.0, 1.0, 1.0, 0.9], "text": text})


def scalar(types: MessageTypes, type_name: str, value):
    """std_msgs Float32, Bool or String (`type_name`) holding `value`."""
    return types.new(type_name, data=SCALARS[type_name](value))


def clock(types: MessageTypes, t_ns: int):
    return types.new("rosgraph_msgs/msg/Clock", clock=stamp(types, t_ns))


# --- diagnostics ------------------------------------------------------------------------------------------
def diagnostic_array(types: MessageTypes, t_ns: int, statuses: Iterable[dict], hardware_id: str = ""):
    """diagnostic_msgs/DiagnosticArray from dicts {level, name, message, values: {key: value}} (the components'
    to_diagnostic())."""
    new = types.new
    out = [new("diagnostic_msgs/msg/DiagnosticStatus", level=types.byte(int(d["level"])), name=str(d["name"]),
               message=str(d.get("message", "")), hardware_id=str(hardware_id),
               values=[new("diagnostic_msgs/msg/KeyValue", key=str(k), value=str(v))
                       for k, v in (d.get("values") or {}).items()])
           for d in statuses]
    return new("diagnostic_msgs/msg/DiagnosticArray", header=header(types, t_ns), status=out)


def diagnostic_dicts(msg) -> list[dict]:
    """The statuses of a diagnostic_msgs/DiagnosticArray as {level, name, message, values} dicts (a level is a
    byte in rclpy, an int in rosbags)."""
    out = []
    for s in msg.status:
        level = s.level[0] if isinstance(s.level, (bytes, bytearray)) else int(s.level)
        out.append({"level": level, "name": s.name, "message": s.message,
                    "values": {kv.key: kv.value for kv in s.values}})
    return out
