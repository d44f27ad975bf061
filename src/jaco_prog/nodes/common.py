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

"""What every jaco_prog node shares: contract-bound publishers/subscriptions/services, parameters, the driver's
services, and the message layer (jaco_prog.messages) bound to rclpy. No behaviour lives here or in the nodes:
they bind ROS to the ROS-free components.

Topic names, message types and QoS come only from jaco_prog.topics (the contract); a node asks for a
topic by contract key. Messages are built and read by jaco_prog.messages, the same builders the bags use, on
rclpy's classes (RCLPY) and the node's clock in seconds. Message modules are imported by type name on first
use, so tests can put a stand-in for rclpy and the message packages into sys.modules before a node is built.
"""
from __future__ import annotations

import dataclasses
import importlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from jaco_prog import messages, topics


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
    """Declare every parameter with its default (types as in the defaults), in the table's order; return the
    values in force. A default given as a function is called with the values declared before it: it comes from
    a file another parameter names (tracker_node's hsv_ranges from its tracker_config)."""
    values: dict[str, Any] = {}
    for name, default in parameters.items():
        values[name] = node.declare_parameter(name, default(values) if callable(default) else default).value
    return values


def file_parameters(cls: type) -> dict[str, Any]:
    """The values of `cls`, a config_class whose home is a node's `ros__parameters` in a parameter file the launch
    files pass (config/real_nodes.yaml, config/sim_nodes.yaml), for the node's PARAMETERS table: the file stays
    their one home, and a node started without it runs as the launch file would start it. ROS declares a
    parameter with its default's type and then refuses a value of another type from the file (30 for a double),
    so each value must be written as its field's type: refused here in one line naming the file and the field."""
    from jaco_prog.config import ConfigError, home_section, join, kind_of, yaml_defaults

    values = dataclasses.asdict(yaml_defaults(cls))
    raw, where = home_section(cls)
    for name, value in values.items():
        if type(raw[name]) is not type(value):
            raise ConfigError(join(where, name), f"ROS reads {raw[name]!r} as {kind_of(raw[name])}, but the "
                                                 f"parameter is {kind_of(value)}: write {value!r}")
    return values


def now_seconds(node) -> float:
    return node.get_clock().now().nanoseconds * 1e-9


# --- messages: jaco_prog.messages' builders on rclpy's classes, on the node's clock (seconds) -----------------
def _floats(values: Iterable) -> list[float]:
    """Plain python floats: rosidl's float64[] setters (with ROS_PYTHON_CHECK_FIELDS) refuse numpy arrays."""
    return [float(v) for v in values]


RCLPY = messages.MessageTypes(cls=interface, floats=_floats, uint8s=lambda pixels: pixels.tobytes(),
                              byte=lambda value: bytes([value]))
ns = messages.nanoseconds
seconds = messages.seconds
diagnostic_dicts = messages.diagnostic_dicts


def header(seconds_: float, frame_id: str):
    return messages.header(RCLPY, ns(seconds_), frame_id)


def camera_info(fields: dict, seconds_: float, frame_id: str):
    """sensor_msgs/CameraInfo from messages.camera_info_fields' dict."""
    return messages.camera_info(RCLPY, ns(seconds_), frame_id, fields)


def joint_state(names: Sequence[str], positions, velocities, seconds_: float):
    return messages.joint_state(RCLPY, ns(seconds_), names, positions, velocities)


def joint_command(names: Sequence[str], velocities, seconds_: float, valid_for: float, frame_id: str = ""):
    """trajectory_msgs/JointTrajectory with one point: the velocities (rad/s), valid for `valid_for` s."""
    return messages.joint_command(RCLPY, ns(seconds_), frame_id, names, velocities, valid_for)


def diagnostics(statuses: Iterable[dict], seconds_: float, hardware_id: str = ""):
    return messages.diagnostic_array(RCLPY, ns(seconds_), statuses, hardware_id)


def point_stamped(point, seconds_: float, frame_id: str):
    return messages.point_stamped(RCLPY, ns(seconds_), frame_id, point)


def marker(fields: dict, seconds_: float, frame_id: str):
    return messages.marker(RCLPY, ns(seconds_), frame_id, fields)


def text_marker(text: str, position, seconds_: float, frame_id: str):
    return messages.text_marker(RCLPY, ns(seconds_), frame_id, text, position)


def scalar(key: str, value):
    """std_msgs Float32 / Bool / String for contract topic `key`."""
    return messages.scalar(RCLPY, topics.TOPICS[key].msg_type, value)


def clock(seconds_: float):
    return messages.clock(RCLPY, ns(seconds_))


# --- images: cv_bridge where it is installed ---------------------------------------------------------------
# ROS 2's cv_bridge converts where it is installed (any ROS 2 install; the docker image), jaco_prog.messages'
# numpy conversion where it is not: rclpy's PyPI wheels come without it, and the PyPI `cv-bridge` is an unofficial
# ROS 1 port (it maps 16-bit encodings to 8-bit), so a cv_bridge found outside a sourced ROS 2 prefix is not used.
# Both paths give the same arrays for the same messages (test/test_first_hour_cv_bridge.py).
AUTO = object()  # `bridge` argument: cv_bridge if installed, else the own conversion
ENCODING_CHANNELS = messages.ENCODING_CHANNELS


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


def image_to_rgb(msg, bridge=AUTO) -> np.ndarray:
    """sensor_msgs/Image (rgb8, bgr8, rgba8, bgra8 or mono8) -> H x W x 3 uint8 RGB (a copy). `bridge`: AUTO (ROS
    2's cv_bridge where installed), a CvBridge, or None for jaco_prog.messages.image_to_rgb."""
    channels = messages.image_channels(msg)
    bridge = _bridge(bridge)
    # cv_bridge reads each row of `step` bytes as step // pixel size whole pixels: row padding that is not a whole
    # number of pixels would shear its image, so such a message takes the own conversion
    if bridge is not None and msg.step % channels == 0:
        return np.array(bridge.imgmsg_to_cv2(msg, desired_encoding="rgb8"), dtype=np.uint8, copy=True)
    return messages.image_to_rgb(msg)


def rgb_to_image(rgb: np.ndarray, seconds_: float, frame_id: str, bridge=AUTO):
    """H x W x 3 uint8 RGB -> sensor_msgs/Image rgb8 (through cv_bridge where installed, as image_to_rgb)."""
    bridge = _bridge(bridge)
    if bridge is not None:
        return bridge.cv2_to_imgmsg(np.ascontiguousarray(rgb, dtype=np.uint8), encoding="rgb8",
                                    header=header(seconds_, frame_id))
    return messages.image(RCLPY, ns(seconds_), frame_id, rgb)


# --- services ---------------------------------------------------------------------------------------------
def trigger_response(response, ok: bool, message: str):
    response.success, response.message = bool(ok), str(message)
    return response


class DriverServices:
    """The driver's e-stop, reset and enable services (contract keys estop, reset, enable: std_srvs Trigger,
    Trigger, SetBool) for a node that drives the arm through a jaco_prog.hardware.VelocityDriver (driver_node,
    sim_node). The node gives `arm_driver()`, its VelocityDriver, and `enable_commands(flag)`: disabled, the node
    ignores commands (the driver's watchdog then holds zero velocity)."""

    def create_driver_services(self) -> list:
        return [service(self, "estop", self.on_estop), service(self, "reset", self.on_reset),
                service(self, "enable", self.on_enable)]

    def on_estop(self, request, response):
        self.arm_driver().estop("e-stop service")
        return trigger_response(response, True, "e-stop latched: zero velocity until reset")

    def on_reset(self, request, response):
        driver = self.arm_driver()
        driver.reset()
        if not driver.layer.estopped:
            return trigger_response(response, True, "reset: waiting for a fresh command")
        return trigger_response(response, False, "reset failed: " + (driver.events[-1][1] if driver.events else "?"))

    def on_enable(self, request, response):
        self.enable_commands(bool(request.data))
        return trigger_response(response, True, "enabled" if request.data else
                                "disabled: commands ignored, zero velocity")


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
