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

"""Standard ROS 2 messages of the topic contract, built from plain data with the `rosbags` type store.

No ROS installation needed. The type store is rosbags' Jazzy store plus control_msgs/msg/JointJog, which the
joint command topic carried before it became trajectory_msgs/JointTrajectory (control_msgs is not a core package,
so not in rosbags' stores; its definition below is control_msgs' (Jazzy) field for field), so that bags recorded
before the change still read when they lack a definition of their own.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np

JOINT_JOG = "control_msgs/msg/JointJog"
JOINT_JOG_MSG = """\
std_msgs/Header header
string[] joint_names
float64[] displacements
float64[] velocities
float64 duration
"""


@lru_cache(maxsize=1)
def typestore():
    from rosbags.typesys import Stores, get_types_from_msg, get_typestore

    store = get_typestore(Stores.ROS2_JAZZY)
    store.register(get_types_from_msg(JOINT_JOG_MSG, JOINT_JOG))
    return store


def _cls(name: str):
    return typestore().types[name]


def stamp(t_ns: int):
    return _cls("builtin_interfaces/msg/Time")(sec=int(t_ns // 1_000_000_000), nanosec=int(t_ns % 1_000_000_000))


def header(t_ns: int, frame_id: str = ""):
    return _cls("std_msgs/msg/Header")(stamp=stamp(t_ns), frame_id=frame_id)


def image(t_ns: int, frame_id: str, rgb: np.ndarray):
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = rgb.shape[:2]
    return _cls("sensor_msgs/msg/Image")(header=header(t_ns, frame_id), height=h, width=w, encoding="rgb8",
                                          is_bigendian=0, step=w * 3, data=rgb.reshape(-1))


def compressed_image(t_ns: int, frame_id: str, rgb: np.ndarray, fmt: str = "png", jpeg_quality: int = 95):
    """sensor_msgs/CompressedImage of an RGB frame, as image_transport's compressed plugin publishes it
    (jaco_prog.bags.images)."""
    from jaco_prog.bags.images import encode

    text, data = encode(rgb, fmt, jpeg_quality)
    return _cls("sensor_msgs/msg/CompressedImage")(header=header(t_ns, frame_id), format=text, data=data)


def camera_info(t_ns: int, frame_id: str, info: dict):
    roi = _cls("sensor_msgs/msg/RegionOfInterest")(x_offset=0, y_offset=0, height=0, width=0, do_rectify=False)
    return _cls("sensor_msgs/msg/CameraInfo")(
        header=header(t_ns, frame_id), height=int(info["height"]), width=int(info["width"]),
        distortion_model=info.get("distortion_model", "plumb_bob"), d=np.asarray(info.get("D", [0.0] * 5), float),
        k=np.asarray(info["K"], float), r=np.asarray(info.get("R", np.eye(3).ravel()), float),
        p=np.asarray(info["P"], float), binning_x=0, binning_y=0, roi=roi)


def joint_state(t_ns: int, names: Sequence[str], positions, velocities=None, efforts=None):
    return _cls("sensor_msgs/msg/JointState")(
        header=header(t_ns), name=list(names), position=np.asarray(positions, float),
        velocity=np.asarray([] if velocities is None else velocities, float),
        effort=np.asarray([] if efforts is None else efforts, float))


def duration(seconds: float):
    ns = int(round(seconds * 1e9))
    return _cls("builtin_interfaces/msg/Duration")(sec=ns // 1_000_000_000, nanosec=ns % 1_000_000_000)


def joint_command(t_ns: int, frame_id: str, names: Sequence[str], velocities, valid_for: float):
    """trajectory_msgs/JointTrajectory with one point: velocities (rad/s), time_from_start = `valid_for` s."""
    empty = np.zeros(0, float)
    point = _cls("trajectory_msgs/msg/JointTrajectoryPoint")(
        positions=empty, velocities=np.asarray(velocities, float), accelerations=empty, effort=empty,
        time_from_start=duration(valid_for))
    return _cls("trajectory_msgs/msg/JointTrajectory")(header=header(t_ns, frame_id), joint_names=list(names),
                                                       points=[point])


def joint_jog(t_ns: int, frame_id: str, names: Sequence[str], velocities, duration_s: float):
    """control_msgs/JointJog, the joint command type before JointTrajectory: for tests of old bags only."""
    return _cls(JOINT_JOG)(header=header(t_ns, frame_id), joint_names=list(names),
                           displacements=np.zeros(0, float), velocities=np.asarray(velocities, float),
                           duration=float(duration_s))


def point_stamped(t_ns: int, frame_id: str, point):
    p = _cls("geometry_msgs/msg/Point")(x=float(point[0]), y=float(point[1]), z=float(point[2]))
    return _cls("geometry_msgs/msg/PointStamped")(header=header(t_ns, frame_id), point=p)


def boolean(value: bool):
    return _cls("std_msgs/msg/Bool")(data=bool(value))


def float32(value: float):
    return _cls("std_msgs/msg/Float32")(data=float(value))


def string(value: str):
    return _cls("std_msgs/msg/String")(data=str(value))


def clock(t_ns: int):
    return _cls("rosgraph_msgs/msg/Clock")(clock=stamp(t_ns))


def marker(t_ns: int, frame_id: str, fields: dict):
    """visualization_msgs/Marker from RewardTracker's TrackerOutput.marker() fields."""
    t = typestore().types
    pos = fields["position"]
    pose = t["geometry_msgs/msg/Pose"](
        position=t["geometry_msgs/msg/Point"](x=pos[0], y=pos[1], z=pos[2]),
        orientation=t["geometry_msgs/msg/Quaternion"](x=0.0, y=0.0, z=0.0, w=1.0))
    s = float(fields["scale"])
    r, g, b, a = fields["rgba"]
    duration = t["builtin_interfaces/msg/Duration"](sec=0, nanosec=0)
    return t["visualization_msgs/msg/Marker"](
        header=header(t_ns, frame_id), ns=fields["ns"], id=int(fields["id"]), type=int(fields["type"]),
        action=int(fields["action"]), pose=pose, scale=t["geometry_msgs/msg/Vector3"](x=s, y=s, z=s),
        color=t["std_msgs/msg/ColorRGBA"](r=float(r), g=float(g), b=float(b), a=float(a)), lifetime=duration,
        frame_locked=False, points=[], colors=[], texture_resource="",
        texture=t["sensor_msgs/msg/CompressedImage"](header=header(0), format="", data=np.zeros(0, np.uint8)),
        uv_coordinates=[], text="", mesh_resource="",
        mesh_file=t["visualization_msgs/msg/MeshFile"](filename="", data=np.zeros(0, np.uint8)),
        mesh_use_embedded_materials=False)


def diagnostic_array(t_ns: int, statuses: Sequence[dict], hardware_id: str = ""):
    """From dicts as SafetyStatus.to_diagnostic() / PolicyOutput.to_diagnostic() return them."""
    t = typestore().types
    out = []
    for s in statuses:
        values = [t["diagnostic_msgs/msg/KeyValue"](key=str(k), value=str(v)) for k, v in s.get("values", {}).items()]
        out.append(t["diagnostic_msgs/msg/DiagnosticStatus"](level=int(s["level"]), name=s["name"],
                                                             message=s.get("message", ""), hardware_id=hardware_id,
                                                             values=values))
    return t["diagnostic_msgs/msg/DiagnosticArray"](header=header(t_ns), status=out)
