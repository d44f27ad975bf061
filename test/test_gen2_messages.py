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

"""Gen2 (kinova_msgs) message mapping in the gen2_bridge backend: a command becomes JointVelocity (joint1..joint7)
or FingerPosition (finger1..finger3) with its velocities in joint order, and the Gen2 driver's JointState feeds
the bridge. kinova_msgs is not installed here: the classes are stand-ins with its fields, as the node supplies
the real ones (test/test_nodes.py runs the node against kinova_msgs where it is installed)."""
import numpy as np
import pytest

from jaco_prog.hardware import load_driver_params
from jaco_prog.hardware.gen2_bridge import Gen2Bridge, Gen2Params, kinova_message
from jaco_prog.robot.profile import load_profile

PROFILE = load_profile("j2n6s300")
PARAMS = Gen2Params.from_dict(load_driver_params().raw["gen2_bridge"])


def stand_in(*fields):
    """A message class with kinova_msgs' float fields, all 0 by default."""
    return type("KinovaStandIn", (), {name: 0.0 for name in fields})


JointVelocity = stand_in(*(f"joint{i}" for i in range(1, 8)))
FingerPosition = stand_in("finger1", "finger2", "finger3")


def bridge_commands():
    published = []
    bridge = Gen2Bridge(PROFILE.joint_names, [j.group for j in PROFILE.joints], PARAMS, published.append,
                        lambda: 0.0)
    return bridge, published


def test_each_command_topic_has_its_kinova_type_and_fields():
    kinds = PARAMS.kinova_messages()
    assert kinds[PARAMS.command_topic] == ("kinova_msgs/msg/JointVelocity", tuple(f"joint{i}" for i in range(1, 8)))
    assert kinds[PARAMS.finger_command_topic] == ("kinova_msgs/msg/FingerPosition", ("finger1", "finger2", "finger3"))


def test_a_six_joint_arm_command_fills_joint1_to_joint6_and_fingers_their_three_fields():
    bridge, published = bridge_commands()
    v = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    bridge.send_velocities(v)
    classes = {PARAMS.command_topic: JointVelocity, PARAMS.finger_command_topic: FingerPosition}
    kinds = PARAMS.kinova_messages()
    msgs = {cmd.topic: kinova_message(cmd, classes[cmd.topic], kinds[cmd.topic][1]) for cmd in published}
    arm, fingers = msgs[PARAMS.command_topic], msgs[PARAMS.finger_command_topic]
    assert isinstance(arm, JointVelocity) and isinstance(fingers, FingerPosition)
    assert [getattr(arm, f"joint{i}") for i in range(1, 8)] == pytest.approx(list(np.degrees(v[:6])) + [0.0])
    assert [fingers.finger1, fingers.finger2, fingers.finger3] == pytest.approx(np.degrees(v[6:]))
    assert all(type(getattr(arm, f"joint{i}")) is float for i in range(1, 8))  # rosidl's float fields


def test_the_gen2_joint_state_message_feeds_the_bridge_in_profile_order():
    from sensor_msgs.msg import JointState

    bridge, _ = bridge_commands()
    names = list(reversed(PROFILE.joint_names)) + ["some_other_joint"]
    bridge.on_joint_state(JointState(name=names, position=[float(i) for i in range(10)],
                                     velocity=[float(-i) for i in range(10)]))
    bridge.connect()
    state = bridge.read_state()
    assert np.allclose(state.positions, list(reversed(range(9))))
    assert np.allclose(state.velocities, [-x for x in reversed(range(9))])
    # velocities that are not one per name are left out, positions still read
    bridge.on_joint_state(JointState(name=names, position=[1.0] * 10, velocity=[0.0] * 3))
    state = bridge.read_state()
    assert state.velocities is None and np.allclose(state.positions, 1.0)
