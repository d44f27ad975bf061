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

"""The rosbags side of the message layer (jaco_prog.messages): its builders bound to rosbags' type store, so
bags are written (and read) without a ROS installation.

    bag.write("joint_command", t_ns, joint_command(t_ns, frame_id, names, velocities, valid_for))

Each builder here is jaco_prog.messages' of the same name with ROSBAGS as its types (float32, boolean, string:
its scalar of that type). The type store is rosbags' Jazzy store plus control_msgs/msg/JointJog, which the
joint command topic carried before it became trajectory_msgs/JointTrajectory (control_msgs is not a core package,
so not in rosbags' stores; its definition below is control_msgs' (Jazzy) field for field), so that bags recorded
before the change still read when they lack a definition of their own.
"""
from __future__ import annotations

from functools import lru_cache, partial, update_wrapper
from typing import Sequence

import numpy as np

from jaco_prog import messages as builders

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


# rosbags' CDR serializer takes numpy arrays for primitive arrays, an int for a byte
ROSBAGS = builders.MessageTypes(cls=lambda type_name: typestore().types[type_name],
                                floats=lambda values: np.asarray(values, float),
                                uint8s=lambda pixels: np.ascontiguousarray(pixels, np.uint8).reshape(-1), byte=int)


def _bound(builder, *args):
    return update_wrapper(partial(builder, ROSBAGS, *args), builder)


image = _bound(builders.image)
compressed_image = _bound(builders.compressed_image)
camera_info = _bound(builders.camera_info)
joint_state = _bound(builders.joint_state)
joint_command = _bound(builders.joint_command)
point_stamped = _bound(builders.point_stamped)
marker = _bound(builders.marker)
clock = _bound(builders.clock)
diagnostic_array = _bound(builders.diagnostic_array)
boolean = _bound(builders.scalar, "std_msgs/msg/Bool")
float32 = _bound(builders.scalar, "std_msgs/msg/Float32")
string = _bound(builders.scalar, "std_msgs/msg/String")


def joint_jog(t_ns: int, frame_id: str, names: Sequence[str], velocities, duration_s: float):
    """control_msgs/JointJog, the joint command type before JointTrajectory: for tests of old bags only."""
    return ROSBAGS.new(JOINT_JOG, header=builders.header(ROSBAGS, t_ns, frame_id), joint_names=list(names),
                       displacements=np.zeros(0, float), velocities=np.asarray(velocities, float),
                       duration=float(duration_s))
