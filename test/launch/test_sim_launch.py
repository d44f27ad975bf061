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

"""launch_testing: start sim.launch.py headless (rviz:=false) and assert that rewards and joint commands flow.

Runs in the ROS 2 image (docker/compose.yaml service `test`: colcon test picks it up through launch_testing's
pytest plugin). Without the `launch` packages it is skipped; test/test_graph_processes.py starts the same
processes from what sim.launch.py declares, over real rclpy and DDS.
"""
import time
import unittest

import pytest

launch_testing = pytest.importorskip("launch_testing", reason="launch_testing needs a ROS 2 install (docker/ image)")
rclpy = pytest.importorskip("rclpy", reason="rclpy needs a ROS 2 install (docker/ image)")

import launch  # noqa: E402
import launch_testing.actions  # noqa: E402
import launch_testing.asserts  # noqa: E402
from ament_index_python.packages import get_package_share_directory  # noqa: E402
from launch.launch_description_sources import PythonLaunchDescriptionSource  # noqa: E402

from jaco_prog import topics  # noqa: E402
from jaco_prog.nodes import common  # noqa: E402

TIMEOUT = 120.0  # s: MuJoCo start-up + a 50-step episode at 20 Hz sim time (2.5 s) with margin


@pytest.mark.launch_test
def generate_test_description():
    sim = launch.actions.IncludeLaunchDescription(
        PythonLaunchDescriptionSource(f"{get_package_share_directory('jaco_prog')}/launch/sim.launch.py"),
        launch_arguments={"rviz": "false", "record": "false"}.items())
    return launch.LaunchDescription([sim, launch_testing.actions.ReadyToTest()])


class TestRewardsAndCommandsFlow(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rclpy.init()
        cls.node = rclpy.create_node("jaco_prog_probe")

    @classmethod
    def tearDownClass(cls):
        cls.node.destroy_node()
        rclpy.shutdown()

    def test_rewards_commands_images_and_episodes_flow(self):
        got = {k: [] for k in ("reward", "joint_command", "joint_states", "image", "episode_event", "target_visible")}
        for key, received in got.items():
            self.node.create_subscription(common.msg_type(key), topics.name(key),
                                          lambda msg, r=received: r.append(msg),
                                          common.qos_profile(topics.TOPICS[key].subscriber_qos))
        end = time.monotonic() + TIMEOUT
        while time.monotonic() < end:
            rclpy.spin_once(self.node, timeout_sec=0.1)
            if len(got["joint_command"]) >= 20 and len(got["reward"]) >= 20 and got["episode_event"]:
                break
        counts = {k: len(v) for k, v in got.items()}
        self.assertGreaterEqual(counts["joint_command"], 20, counts)
        self.assertGreaterEqual(counts["reward"], 20, counts)
        self.assertTrue(got["episode_event"] and got["episode_event"][0].data.startswith("start"), counts)
        names = list(got["joint_command"][-1].joint_names)
        self.assertEqual(len(names), len(got["joint_command"][-1].velocities))
        self.assertIn(names[0], list(got["joint_states"][-1].name))
        self.assertTrue(all(r.data in (0.0, 1.0) for r in got["reward"]))


@launch_testing.post_shutdown_test()
class TestShutdown(unittest.TestCase):
    def test_nodes_exit_cleanly(self, proc_info):
        # SIGINT from launch: 0, or -2 / -15 where a node is stopped by signal
        launch_testing.asserts.assertExitCodes(proc_info, allowable_exit_codes=[0, -2, -15])
