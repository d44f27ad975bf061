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

"""What every jaco_prog node shares: contract-bound publishers/subscriptions/services, parameters, and message
conversion (numpy <-> standard messages). No behaviour lives here or in the nodes: they bind ROS to the
ROS-free components.

Topic names, message types and QoS come only from jaco_prog.topics (the contract); a node asks for a
topic by contract key. Message modules are imported by type name on first use, so tests can put a
stand-in for rclpy and the message packages into sys.modules before a node is built.
"""
from __future__ import annotations

import importlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from jaco_prog import topics

DEFAULT_FRAME = "world"  # the URDF's root link; robot_state_publisher publishes TF from it


# --- contract ---------------------------------------------------------------------------------------------
def interface(type_name: str):
    """'sensor_msgs/msg/Image' -> the message class (std_srvs/srv/Trigger -> the service class)."""
    package, kind, name = type_name.split("/")
    return getattr(importlib.import_module(f"{package}.{kind}"), name)


def qos_profile(qos: topics.Qos):
    from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
    return QoSProfile(depth=qos.depth, history=HistoryPolicy.KEEP_LAST,
                      reliability=ReliabilityPolicy[qos.reliability.upper()],
                      durability=DurabilityPolicy[qos.durability.upper()])


def msg_type(key: str):
    return interface(topics.TOPICS[key].msg_type)


def publisher(node, key: str, lifecycle: bool = False):
    """A publisher for contract topic `key` (name, type and publisher QoS from the contract)."""
    topic = topics.TOPICS[key]
    create = node.create_lifecycle_publisher if lifecycle else node.create_publisher
    return create(interface(topic.msg_type), topics.name(key), qos_profile(topic.publisher_qos))


def subscription(node, key: str, callback: Callable):
    topic = topics.TOPICS[key]
    return node.create_subscription(interface(topic.msg_type), topics.name(key), callback,
                                    qos_profile(topic.subscriber_qos))


def service(node, key: str, callback: Callable):
    return node.create_service(interface(topics.SERVICES[key].srv_type), topics.name(key), callback)


def declare(node, parameters: dict[str, Any]) -> dict[str, Any]:
    """Declare every parameter with its default (types as in the defaults); return the values in force."""
    return {name: node.declare_parameter(name, default).value for name, default in parameters.items()}


def now_seconds(node) -> float:
    return node.get_clock().now().nanoseconds * 1e-9


# --- time -------------------------------------------------------------------------------------------------
def _time(type_name: str, seconds: float):
    """builtin_interfaces Time or Duration of `seconds`, rounded to the nanosecond."""
    msg = interface(type_name)()
    ns = int(round(seconds * 1e9))
    msg.sec, msg.nanosec = ns // 1_000_000_000, ns % 1_000_000_000
    return msg


def stamp(seconds: float):
    return _time("builtin_interfaces/msg/Time", seconds)


def seconds(time_msg) -> float:
    return time_msg.sec + time_msg.nanosec * 1e-9


def header(seconds_: float, frame_id: str = DEFAULT_FRAME):
    msg = interface("std_msgs/msg/Header")()
    msg.stamp, msg.frame_id = stamp(seconds_), frame_id
    return msg


# --- images: cv_bridge where it is installed ---------------------------------------------------------------
# ROS 2's cv_bridge converts where it is installed (any ROS 2 install; the docker image), this module's own numpy
# conversion where it is not: rclpy's PyPI wheels come without it, and the PyPI `cv-bridge` is an unofficial
# ROS 1 port (it maps 16-bit encodings to 8-bit), so a cv_bridge found outside a sourced ROS 2 prefix is not used.
# Both paths give the same arrays for the same messages (test/test_first_hour_cv_bridge.py).
AUTO = object()  # `bridge` argument: cv_bridge if installed, else the own conversion
ENCODING_CHANNELS = {"rgb8": 3, "bgr8": 3, "rgba8": 4, "bgra8": 4, "mono8": 1}


@lru_cache(maxsize=1)
def cv_bridge():
    """ROS 2's cv_bridge.CvBridge, or None where it is not installed (or only a pip-installed port is)."""
    try:
        import cv_bridge as module
        from cv_bridge.boost.cv_bridge_boost import cvtColor2  # noqa: F401 - the compiled half does the converting
    except ImportError:
        return None
    prefixes = [Path(p).resolve() for p in os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep) if p]
    where = Path(module.__file__).resolve()
    if not any(prefix in where.parents for prefix in prefixes):
        return None
    return module.CvBridge()


def _bridge(bridge):
    return cv_bridge() if bridge is AUTO else bridge


# --- messages -> numpy ------------------------------------------------------------------------------------
def image_to_rgb(msg, bridge=AUTO) -> np.ndarray:
    """sensor_msgs/Image (rgb8, bgr8, rgba8, bgra8 or mono8) -> H x W x 3 uint8 RGB (a copy). `bridge`: AUTO (ROS
    2's cv_bridge where installed), a CvBridge, or None for the own conversion."""
    if msg.encoding not in ENCODING_CHANNELS:
        raise ValueError(f"image encoding {msg.encoding!r} not supported (rgb8, bgr8, rgba8, bgra8, mono8)")
    c = ENCODING_CHANNELS[msg.encoding]
    bridge = _bridge(bridge)
    # cv_bridge reads each row of `step` bytes as step // pixel size whole pixels: row padding that is not a whole
    # number of pixels would shear its image, so such a message takes the own conversion
    if bridge is not None and msg.step % c == 0:
        return np.array(bridge.imgmsg_to_cv2(msg, desired_encoding="rgb8"), dtype=np.uint8, copy=True)
    flat = np.frombuffer(msg.data, np.uint8)
    rows = flat[:msg.height * msg.step].reshape(msg.height, msg.step)[:, :msg.width * c]
    img = rows.reshape(msg.height, msg.width, c)
    if msg.encoding == "mono8":
        return np.repeat(img, 3, axis=2)
    if msg.encoding.startswith("bgr"):
        img = img[..., 2::-1]
    out = np.empty((msg.height, msg.width, 3), np.uint8)
    out[...] = img[..., :3]  # a copy in every case: a tight rgb8 message's pixels would otherwise be a view of it
    return out


def joint_state_arrays(msg, names: Sequence[str]) -> tuple[np.ndarray, np.ndarray | None]:
    """sensor_msgs/JointState (any order, extra joints ignored) -> positions, velocities in `names` order.
    Joints the message lacks are NaN (the components treat a non-finite state as missing)."""
    index = {n: i for i, n in enumerate(msg.name)}
    q = np.array([msg.position[index[n]] if n in index and index[n] < len(msg.position) else np.nan for n in names])
    if len(msg.velocity) != len(msg.name):
        return q, None
    qd = np.array([msg.velocity[index[n]] if n in index else np.nan for n in names])
    return q, qd


def camera_info_to_k(msg) -> np.ndarray:
    return np.array(msg.k, float).reshape(3, 3)


# --- numpy -> messages ------------------------------------------------------------------------------------
def floats(values: Iterable) -> list[float]:
    """Plain python floats: rosidl's float64[] setters refuse numpy arrays and numpy scalars."""
    return [float(v) for v in values]


def rgb_to_image(rgb: np.ndarray, seconds_: float, frame_id: str, bridge=AUTO):
    """H x W x 3 uint8 RGB -> sensor_msgs/Image rgb8 (through cv_bridge where installed, as image_to_rgb)."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    bridge = _bridge(bridge)
    if bridge is not None:
        return bridge.cv2_to_imgmsg(rgb, encoding="rgb8", header=header(seconds_, frame_id))
    msg = msg_type("image")()
    msg.header = header(seconds_, frame_id)
    msg.height, msg.width = int(rgb.shape[0]), int(rgb.shape[1])
    msg.encoding, msg.is_bigendian, msg.step = "rgb8", 0, int(rgb.shape[1] * 3)
    msg.data = rgb.tobytes()
    return msg


def pinhole_fields(camera) -> dict:
    """CameraInfo fields of a jaco_prog.perception.camera_model.PinholeCamera (no distortion)."""
    K = camera.K
    return {"width": int(camera.width), "height": int(camera.height), "K": K.ravel().tolist(), "D": [0.0] * 5,
            "R": np.eye(3).ravel().tolist(), "P": np.hstack([K, np.zeros((3, 1))]).ravel().tolist(),
            "distortion_model": "plumb_bob"}


def camera_info(fields: dict, seconds_: float, frame_id: str):
    """sensor_msgs/CameraInfo from {width, height, K (9), D, R (9), P (12), distortion_model}."""
    msg = msg_type("camera_info")()
    msg.header = header(seconds_, frame_id)
    msg.width, msg.height = int(fields["width"]), int(fields["height"])
    msg.distortion_model = str(fields.get("distortion_model", "plumb_bob"))
    msg.d, msg.k, msg.r, msg.p = (floats(fields[k]) for k in ("D", "K", "R", "P"))
    return msg


def joint_state(names: Sequence[str], positions, velocities, seconds_: float):
    msg = msg_type("joint_states")()
    msg.header = header(seconds_, "")
    msg.name = list(names)
    msg.position = floats(positions)
    if velocities is not None:
        msg.velocity = floats(velocities)
    return msg


def duration(seconds_: float):
    return _time("builtin_interfaces/msg/Duration", seconds_)


def joint_command(names: Sequence[str], velocities, seconds_: float, valid_for: float, frame_id: str = ""):
    """trajectory_msgs/JointTrajectory with one point: the velocities (rad/s), valid for `valid_for` s."""
    msg = msg_type("joint_command")()
    msg.header = header(seconds_, frame_id)
    msg.joint_names = list(names)
    point = interface("trajectory_msgs/msg/JointTrajectoryPoint")()
    point.velocities = floats(velocities)
    point.time_from_start = duration(valid_for)
    msg.points = [point]
    return msg


def diagnostics(statuses: Iterable[dict], seconds_: float, hardware_id: str = ""):
    """diagnostic_msgs/DiagnosticArray from dicts {level, name, message, values: {key: value}} (the
    components' to_diagnostic())."""
    array_cls = interface("diagnostic_msgs/msg/DiagnosticArray")
    status_cls = interface("diagnostic_msgs/msg/DiagnosticStatus")
    kv_cls = interface("diagnostic_msgs/msg/KeyValue")
    msg = array_cls()
    msg.header = header(seconds_, "")
    out = []
    for d in statuses:
        s = status_cls()
        s.level = bytes([int(d["level"])])
        s.name, s.message, s.hardware_id = str(d["name"]), str(d["message"]), hardware_id
        s.values = [kv_cls(key=str(k), value=str(v)) for k, v in (d.get("values") or {}).items()]
        out.append(s)
    msg.status = out
    return msg


def diagnostic_dicts(msg) -> list[dict]:
    """The statuses of a diagnostic_msgs/DiagnosticArray as {level, name, message, values} dicts."""
    out = []
    for s in msg.status:
        level = s.level[0] if isinstance(s.level, (bytes, bytearray)) else int(s.level)
        out.append({"level": level, "name": s.name, "message": s.message,
                    "values": {kv.key: kv.value for kv in s.values}})
    return out


def point_stamped(point, seconds_: float, frame_id: str):
    msg = msg_type("target_point")()
    msg.header = header(seconds_, frame_id)
    msg.point.x, msg.point.y, msg.point.z = (float(v) for v in point)
    return msg


def marker(fields: dict, seconds_: float, frame_id: str):
    """visualization_msgs/Marker from {ns, id, type, action, position, scale, rgba[, text]} (the components'
    marker dicts; scale: one number or x, y, z)."""
    msg = msg_type("target_marker")()
    msg.header = header(seconds_, frame_id)
    msg.ns, msg.id, msg.type, msg.action = str(fields["ns"]), int(fields["id"]), int(fields["type"]), \
        int(fields["action"])
    msg.pose.position.x, msg.pose.position.y, msg.pose.position.z = floats(fields["position"])
    msg.pose.orientation.w = 1.0
    scale = fields["scale"]
    msg.scale.x, msg.scale.y, msg.scale.z = floats(scale if np.ndim(scale) else [scale] * 3)
    msg.color.r, msg.color.g, msg.color.b, msg.color.a = floats(fields["rgba"])
    if "text" in fields:
        msg.text = str(fields["text"])
    return msg


TEXT_VIEW_FACING = 9  # visualization_msgs/Marker type


def text_marker(text: str, position, seconds_: float, frame_id: str, ns: str = "reward", height: float = 0.05):
    """A text marker (rviz shows the reward with it), white, facing the viewer."""
    return marker({"ns": ns, "id": 0, "type": TEXT_VIEW_FACING, "action": 0, "position": position,
                   "scale": [0.0, 0.0, height], "rgba": [1.0, 1.0, 1.0, 0.9], "text": text}, seconds_, frame_id)


def scalar(key: str, value):
    """std_msgs Float32 / Bool / String for contract topic `key`."""
    cls = msg_type(key)
    kind = topics.TOPICS[key].msg_type.rsplit("/", 1)[-1]
    return cls(data={"Float32": float, "Bool": bool, "String": str}[kind](value))


def clock(seconds_: float):
    msg = msg_type("clock")()
    msg.clock = stamp(seconds_)
    return msg


def trigger_response(response, ok: bool, message: str):
    response.success, response.message = bool(ok), str(message)
    return response


# --- process ----------------------------------------------------------------------------------------------
def spin(node_factory: Callable[[], Any], args=None) -> None:
    """rclpy.init, build the node, spin until Ctrl-C / shutdown, clean up (the executables' main)."""
    import signal

    import rclpy
    from rclpy.executors import ExternalShutdownException

    # Only the first Ctrl-C interrupts: pressed again while the node closes, or while the interpreter exits
    # (which resets Python's handlers to the default, killing the process), it must not break the clean-up (a
    # GL context half freed, a backend left without its stop) or turn exit 0 into -2.
    interrupted = []

    def on_sigint(signum, frame):
        if not interrupted:
            interrupted.append(signum)
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_sigint)
    rclpy.init(args=args)
    node = None
    try:
        node = node_factory()
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if node is not None:
            close = getattr(node, "close", None)
            if close is not None:
                close()
            node.destroy_node()
        rclpy.try_shutdown()
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # try_shutdown put back the handler it found
