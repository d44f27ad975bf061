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

"""The simulated graph: sim_node (MuJoCo, in place of camera_node + driver_node) -> tracker_node (reward) ->
policy_node (20 Hz, episodes) -> sim_node, plus robot_state_publisher (urdf/), rviz and an MCAP recorder.

    ros2 launch jaco_prog sim.launch.py [checkpoint:=runs/<run>] [robot_profile:=j2n6s300] [task:=reach|conveyor]
                                        [rviz:=true|false] [record:=true|false] [bag:=<dir>]
                                        [preset:=real_proxy] [learn:=true run_dir:=<dir> [learn_steps:=N]
                                         [learn_mode:=progressive|finetune] [train_config:=<yaml>]]

Every node but sim_node runs on the simulated clock (/clock, use_sim_time). Node parameters:
config/sim_nodes.yaml, then the launch arguments below.
"""
import time

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, ExecuteProcess
from launch.conditions import IfCondition
from launch.substitutions import Command, LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue
from launch_ros.substitutions import FindPackageShare

from jaco_prog import topics
from jaco_prog.nodes.launch_arguments import LEARN_ARGUMENTS, learn_parameters

ARGUMENTS = {
    "checkpoint": ("", "checkpoint file or run directory for policy_node ('' = the shipped column 1 in "
                       "models/, 'random' = random actions)"),
    "robot_profile": ("j2n6s300", "robot profile (config/robots.yaml); the simulator needs one with a URDF"),
    "task": ("reach", "reach | conveyor (the target slides, paper section 4.3)"),
    "preset": ("", "perturbation preset of config/presets.yaml, e.g. real_proxy ('' = training randomisation)"),
    **LEARN_ARGUMENTS,
    "rviz": ("true", "start rviz2 with rviz/jaco_prog.rviz"),
    "record": ("false", "record the contract topics with `ros2 bag record -s mcap`"),
    "bag": (time.strftime("runs/bags/sim-%Y%m%d-%H%M%S"), "output directory of the recording"),
}


def generate_launch_description():
    share = FindPackageShare("jaco_prog")
    arg = LaunchConfiguration
    params = PathJoinSubstitution([share, "config", "sim_nodes.yaml"])
    sim_time = {"use_sim_time": True}
    return LaunchDescription([
        *[DeclareLaunchArgument(name, default_value=default, description=text)
          for name, (default, text) in ARGUMENTS.items()],
        DeclareLaunchArgument("urdf", default_value=PathJoinSubstitution([share, "urdf", "j2n6s300.urdf"]),
                              description="URDF for robot_state_publisher (TF and the rviz robot model)"),
        Node(package="jaco_prog", executable="sim_node", name="sim_node", output="screen",
             parameters=[params, {"robot_profile": arg("robot_profile"), "task": arg("task"),
                                  "preset": ParameterValue(arg("preset"), value_type=str)}]),
        Node(package="jaco_prog", executable="tracker_node", name="tracker_node", output="screen",
             parameters=[params, sim_time, {"robot_profile": arg("robot_profile"),
                                            "sim_preset": ParameterValue(arg("preset"), value_type=str)}]),
        Node(package="jaco_prog", executable="policy_node", name="policy_node", output="screen",
             parameters=[params, sim_time, {"checkpoint": ParameterValue(arg("checkpoint"), value_type=str),
                                            "robot_profile": arg("robot_profile"), "mode": "sim",
                                            "sim_preset": ParameterValue(arg("preset"), value_type=str),
                                            **learn_parameters()}]),
        Node(package="robot_state_publisher", executable="robot_state_publisher", name="robot_state_publisher",
             parameters=[sim_time, {"robot_description": ParameterValue(Command(["cat ", arg("urdf")]),
                                                                         value_type=str)}]),
        Node(package="rviz2", executable="rviz2", name="rviz2", output="log",
             arguments=["-d", PathJoinSubstitution([share, "rviz", "jaco_prog.rviz"])],
             parameters=[sim_time], condition=IfCondition(arg("rviz"))),
        ExecuteProcess(cmd=["ros2", "bag", "record", "-s", "mcap", "--use-sim-time", "-o", arg("bag"),
                            *[name for name, _, _ in topics.topic_table()]],
                       output="screen", condition=IfCondition(arg("record"))),
    ])
