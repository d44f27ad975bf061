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

"""The topic contract: every topic and service of the graph, its standard message type and its QoS.

The single source for the ROS nodes (sim and real alike), the in-process runner and the bag writer, so
sim/real parity holds by construction: sim_node declares exactly camera_node's + driver_node's topics
(plus its own sim-only ones), all taken from the tables below. Names come from config/topics.yaml.

Joint velocity commands are trajectory_msgs/msg/JointTrajectory with exactly one point (what MoveIt Servo
publishes to ros2_control's joint_trajectory_controller): `joint_names`, `points[0].velocities` (rad/s) and
`points[0].time_from_start`, how long the command is valid. The names let the driver reject a command meant
for another arm instead of guessing from an index order. Bags recorded before this contract carry
control_msgs/msg/JointJog on the same topic (LEGACY_TYPES); `read_joint_command` reads both.
Images use sensor-data QoS (best effort, shallow queue) on the subscriber side, so a slow consumer drops
frames instead of stalling the camera; publishers are reliable so that rosbag records every frame.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from jaco_prog.config import ConfigError, join, load_yaml, require
from jaco_prog.paths import config_path


@dataclass(frozen=True)
class Qos:
    reliability: str = "reliable"     # reliable | best_effort
    durability: str = "volatile"      # volatile | transient_local
    depth: int = 10

    def as_dict(self) -> dict:
        return {"reliability": self.reliability, "durability": self.durability, "depth": self.depth}


RELIABLE = Qos()
SENSOR_DATA = Qos("best_effort", "volatile", 5)
LATCHED = Qos("reliable", "transient_local", 1)


@dataclass(frozen=True)
class Topic:
    key: str
    msg_type: str        # ROS 2 interface name, e.g. sensor_msgs/msg/Image
    publisher_qos: Qos
    subscriber_qos: Qos
    description: str


@dataclass(frozen=True)
class Service:
    key: str
    srv_type: str
    description: str


TOPICS = {t.key: t for t in (
    Topic("image", "sensor_msgs/msg/Image", RELIABLE, SENSOR_DATA, "camera frames, rgb8"),
    Topic("image_compressed", "sensor_msgs/msg/CompressedImage", RELIABLE, SENSOR_DATA,
          "camera frames as PNG or JPEG: image_transport's compressed transport of `image` (what bags record)"),
    Topic("camera_info", "sensor_msgs/msg/CameraInfo", RELIABLE, SENSOR_DATA, "calibration of the camera"),
    Topic("joint_states", "sensor_msgs/msg/JointState", RELIABLE, RELIABLE, "measured joint positions/velocities"),
    Topic("joint_command", "trajectory_msgs/msg/JointTrajectory", RELIABLE, RELIABLE,
          "joint velocity command: one point, velocities (rad/s), time_from_start = how long it is valid"),
    Topic("driver_status", "diagnostic_msgs/msg/DiagnosticArray", RELIABLE, RELIABLE,
          "safety layer status: ok/clamped/limited/stale/estop/fault and why"),
    Topic("target_point", "geometry_msgs/msg/PointStamped", RELIABLE, RELIABLE, "tracked target centre"),
    Topic("target_visible", "std_msgs/msg/Bool", RELIABLE, RELIABLE, "false when the tracker lost the target"),
    Topic("target_marker", "visualization_msgs/msg/Marker", RELIABLE, RELIABLE, "target for rviz"),
    Topic("reward", "std_msgs/msg/Float32", RELIABLE, RELIABLE, "sparse reward from the tracker (+1 within 10 cm)"),
    Topic("reward_ground_truth", "std_msgs/msg/Float32", RELIABLE, RELIABLE, "sim only: reward from sim state"),
    Topic("episode_event", "std_msgs/msg/String", LATCHED, LATCHED, "'start <n>' / 'end <n> <return>'"),
    Topic("policy_status", "diagnostic_msgs/msg/DiagnosticArray", RELIABLE, RELIABLE,
          "policy loop period, inference time, why it stopped commanding"),
    Topic("clock", "rosgraph_msgs/msg/Clock", RELIABLE, RELIABLE, "sim only: simulated time"),
)}

SERVICES = {s.key: s for s in (
    Service("estop", "std_srvs/srv/Trigger", "latch the e-stop: zero velocity until reset"),
    Service("reset", "std_srvs/srv/Trigger", "clear the e-stop and faults"),
    Service("enable", "std_srvs/srv/SetBool", "enable/disable commanding the arm"),
    Service("reset_episode", "std_srvs/srv/Trigger", "start a new episode (sim: new target and arm start)"),
)}

# What each node offers and needs, by contract key. sim_node stands in for camera_node + driver_node.
ROLES = {
    "camera_node": {"publishes": ["image", "camera_info"], "subscribes": [], "services": []},
    "driver_node": {"publishes": ["joint_states", "driver_status"], "subscribes": ["joint_command"],
                    "services": ["estop", "reset", "enable"]},
    "tracker_node": {"publishes": ["target_point", "target_visible", "target_marker", "reward"],
                     "subscribes": ["image", "camera_info", "joint_states"], "services": []},
    "policy_node": {"publishes": ["joint_command", "policy_status", "episode_event"],
                    "subscribes": ["image", "joint_states", "reward", "driver_status"], "services": []},
    "sim_node": {"publishes": ["image", "camera_info", "joint_states", "driver_status", "clock",
                               "reward_ground_truth"],
                 "subscribes": ["joint_command", "episode_event"],
                 "services": ["estop", "reset", "enable", "reset_episode"]},
}
SIM_ONLY = {"clock", "reward_ground_truth", "reset_episode"}

# Message types a topic carried under an earlier contract; readers of old bags accept them.
LEGACY_TYPES = {"joint_command": ("control_msgs/msg/JointJog",)}


@dataclass(frozen=True)
class JointCommand:
    """A joint velocity command as the driver takes it, read from either message type of `joint_command`.
    `problem` is set (and the command must be rejected) when the message is not a one-point velocity command."""
    names: tuple
    velocities: tuple
    valid_for: float  # s the command may act; 0: until the driver's watchdog (command_timeout)
    problem: str | None = None


def read_joint_command(msg) -> JointCommand:
    """JointTrajectory (one point) or a legacy JointJog -> JointCommand. Works on rclpy and rosbags messages
    alike (fields only); never raises for a malformed message, it sets `problem` instead."""
    names = tuple(msg.joint_names)
    points = getattr(msg, "points", None)
    if points is None:  # control_msgs/JointJog: velocities + duration on the message itself
        return JointCommand(names, tuple(msg.velocities), float(msg.duration))
    if len(points) != 1:
        return JointCommand(names, (), 0.0, f"a velocity command has exactly one trajectory point (got {len(points)})")
    point = points[0]
    t = point.time_from_start
    valid_for = t.sec + t.nanosec * 1e-9
    if valid_for < 0:
        return JointCommand(names, tuple(point.velocities), 0.0, f"time_from_start is negative ({valid_for} s)")
    return JointCommand(names, tuple(point.velocities), valid_for)


def _absolute_name(value, where: str) -> str:
    if not isinstance(value, str) or not value.startswith("/") or " " in value:
        raise ConfigError(where, f"must be an absolute topic name (got {value!r})")
    return value


@lru_cache(maxsize=4)
def _names(path: str | None = None) -> dict:
    """Contract key -> configured name, from config/topics.yaml: every key of TOPICS and SERVICES, nothing else."""
    data = load_yaml(path or config_path("topics.yaml"))
    where = "topics.yaml"
    for section in data:
        if section not in ("topics", "services"):
            raise ConfigError(join(where, section), "unknown key; known: services, topics")
    names = {}
    for section, table in (("topics", TOPICS), ("services", SERVICES)):
        given = require(data, section, where)
        if not isinstance(given, dict):
            raise ConfigError(join(where, section), f"must be a mapping of contract keys to names (got {given!r})")
        for key in given:
            if key not in table:
                raise ConfigError(join(where, f"{section}.{key}"),
                                  f"unknown key (not a key of the topic contract); known: {', '.join(table)}")
        for key in table:
            names[key] = _absolute_name(require(given, key, join(where, section)), join(where, f"{section}.{key}"))
    return names


def name(key: str) -> str:
    """The configured name of a topic or service, by contract key."""
    return _names()[key]


def topic_table() -> list[tuple[str, str, Qos]]:
    """(name, type, publisher QoS) for every topic: what a recorder or bag writer needs."""
    return [(name(t.key), t.msg_type, t.publisher_qos) for t in TOPICS.values()]
