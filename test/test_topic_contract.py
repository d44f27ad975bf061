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

"""The topic contract: one table of names, types and QoS for the whole graph."""
import pytest

from jaco_prog import topics
from jaco_prog.config import ConfigError


def test_every_role_uses_contract_keys_and_names_are_unique():
    keys = set(topics.TOPICS) | set(topics.SERVICES)
    for role in topics.ROLES.values():
        assert set(role["publishes"]) | set(role["subscribes"]) <= set(topics.TOPICS)
        assert set(role["services"]) <= set(topics.SERVICES)
    names = [topics.name(k) for k in keys]
    assert len(names) == len(set(names))


def test_sim_node_offers_what_camera_and_driver_offer_plus_sim_only():
    roles = topics.ROLES
    real = {k: set(roles["camera_node"][k]) | set(roles["driver_node"][k]) for k in ("publishes", "subscribes",
                                                                                     "services")}
    sim = {k: set(roles["sim_node"][k]) for k in real}
    for kind in real:
        assert real[kind] <= sim[kind]
        assert sim[kind] - real[kind] <= topics.SIM_ONLY | {"episode_event"}


def test_images_are_best_effort_for_subscribers_and_commands_are_joint_trajectories():
    assert topics.TOPICS["image"].subscriber_qos.reliability == "best_effort"
    assert topics.TOPICS["image"].publisher_qos.reliability == "reliable"
    assert topics.TOPICS["joint_command"].msg_type == "trajectory_msgs/msg/JointTrajectory"
    assert all(t.msg_type.count("/msg/") == 1 for t in topics.TOPICS.values())


def test_read_joint_command_takes_one_point_trajectories_and_legacy_joint_jogs():
    from jaco_prog.bags import messages as m
    names = ["a", "b"]
    cmd = topics.read_joint_command(m.joint_command(0, "", names, [0.5, -0.5], 0.1))
    assert cmd == topics.JointCommand(("a", "b"), (0.5, -0.5), pytest.approx(0.1), None)
    jog = topics.read_joint_command(m.joint_jog(0, "", names, [0.5, -0.5], 0.2))
    assert (jog.names, jog.velocities, jog.valid_for, jog.problem) == (("a", "b"), (0.5, -0.5), 0.2, None)
    two = m.joint_command(0, "", names, [0.5, -0.5], 0.1)
    two.points = two.points * 2
    assert "exactly one trajectory point (got 2)" in topics.read_joint_command(two).problem
    two.points = []
    assert "(got 0)" in topics.read_joint_command(two).problem
    negative = m.joint_command(0, "", names, [0.5, -0.5], 0.1)
    negative.points[0].time_from_start.sec = -1
    assert "negative" in topics.read_joint_command(negative).problem


def test_bad_topic_names_name_the_field(tmp_path):
    good = (tmp_path / "ok.yaml")
    from jaco_prog.paths import config_path
    text = config_path("topics.yaml").read_text()
    good.write_text(text.replace("/camera/image_raw", "camera image"))
    with pytest.raises(ConfigError, match=r"topics\.yaml: topics\.image: must be an absolute topic name"):
        topics._names(str(good))
    good.write_text(text.replace("  reward: /reward\n", ""))
    with pytest.raises(ConfigError, match=r"topics\.reward: missing"):
        topics._names(str(good))
