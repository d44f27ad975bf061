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

"""Replay a recorded bag (sim or real) into rviz: `ros2 bag play` publishing /clock, robot_state_publisher
for TF and the robot model from the recorded joint states, and rviz with rviz/jaco_prog.rviz.

    ros2 launch jaco_prog replay.launch.py bag:=runs/bags/sim-20250101-120000 [rate:=1.0] [loop:=false]
        [rviz:=true|false]

Optionally re-run the tracker on the recorded images (retrack:=true) to compare its reward with the one
recorded (e.g. after changing the HSV ranges in config/real_nodes.yaml); it publishes on the same topics,
so record the replay under another name if you want both.
"""
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, ExecuteProcess
from launch.conditions import IfCondition, UnlessCondition
from launch.substitutions import Command, LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue
from launch_ros.substitutions import FindPackageShare

ARGUMENTS = {
    "bag": ("", "the recorded bag directory (required)"),
    "rate": ("1.0", "playback rate"),
    "loop": ("false", "loop the playback"),
    "rviz": ("true", "start rviz2 with rviz/jaco_prog.rviz"),
    "retrack": ("false", "run tracker_node on the recorded images"),
    "robot_profile": ("j2n6s300", "robot profile of the recording"),
}


def generate_launch_description():
    share = FindPackageShare("jaco_prog")
    arg = LaunchConfiguration
    sim_time = {"use_sim_time": True}
    return LaunchDescription([
        *[DeclareLaunchArgument(name, default_value=default, description=text)
          for name, (default, text) in ARGUMENTS.items()],
        DeclareLaunchArgument("urdf", default_value=PathJoinSubstitution([share, "urdf", "j2n6s300.urdf"]),
                              description="URDF for robot_state_publisher"),
        ExecuteProcess(cmd=["ros2", "bag", "play", arg("bag"), "--clock", "--rate", arg("rate")],
                       output="screen", condition=UnlessCondition(arg("loop"))),
        ExecuteProcess(cmd=["ros2", "bag", "play", arg("bag"), "--clock", "--rate", arg("rate"), "--loop"],
                       output="screen", condition=IfCondition(arg("loop"))),
        Node(package="robot_state_publisher", executable="robot_state_publisher", name="robot_state_publisher",
             parameters=[sim_time, {"robot_description": ParameterValue(Command(["cat ", arg("urdf")]),
                                                                         value_type=str)}]),
        Node(package="jaco_prog", executable="tracker_node", name="tracker_node", output="screen",
             parameters=[PathJoinSubstitution([share, "config", "real_nodes.yaml"]), sim_time,
                         {"robot_profile": arg("robot_profile")}],
             condition=IfCondition(arg("retrack"))),
        Node(package="rviz2", executable="rviz2", name="rviz2", output="log",
             arguments=["-d", PathJoinSubstitution([share, "rviz", "jaco_prog.rviz"])],
             parameters=[sim_time], condition=IfCondition(arg("rviz"))),
    ])
