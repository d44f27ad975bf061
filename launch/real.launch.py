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

"""The real-robot graph: camera_node + driver_node (lifecycle, safety layer + backend) in place of sim_node,
with the same tracker_node, policy_node, robot_state_publisher, rviz and recorder as sim.launch.py.

    ros2 launch jaco_prog real.launch.py checkpoint:=runs/<run> [robot_profile:=j2n6s300]
        [backend:=gen2_bridge|kortex|mock] [robot_ip:=192.168.1.10] [camera_device:=0|/dev/video2|rtsp://...]
        [rviz:=true|false] [record:=true|false] [bag:=<dir>]
        [learn:=true run_dir:=<dir> [learn_steps:=N] [learn_mode:=progressive|finetune] [train_config:=<yaml>]]

The robot IP goes to the kortex backend (Gen3 / Gen3 lite); a Jaco Gen2 (j2n6s300) is driven through its own
ROS 2 driver (backend gen2_bridge), whose topics are set in config/driver.yaml. Node parameters:
config/real_nodes.yaml (camera calibration and pose, HSV ranges), then the launch arguments below.
The policy prompts the operator (log) to move the target every third episode (paper section 4.2).
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
    "checkpoint": ("", "checkpoint file or run directory for policy_node ('' = the shipped column 1; on the "
                       "robot, pass the progressive net trained for it)"),
    "robot_profile": ("j2n6s300", "robot profile (config/robots.yaml)"),
    "backend": ("gen2_bridge", "driver backend: gen2_bridge (Jaco Gen2), kortex (Gen3 / Gen3 lite) or mock"),
    "robot_ip": ("", "robot IP for the kortex backend ('' = driver.yaml / $KORTEX_ADDRESS)"),
    "camera_device": ("0", "camera index, device path or stream URL"),
    **LEARN_ARGUMENTS,
    "rviz": ("true", "start rviz2 with rviz/jaco_prog.rviz"),
    "record": ("false", "record the contract topics with `ros2 bag record -s mcap`"),
    "bag": (time.strftime("runs/bags/real-%Y%m%d-%H%M%S"), "output directory of the recording"),
}


def generate_launch_description():
    share = FindPackageShare("jaco_prog")
    arg = LaunchConfiguration
    params = PathJoinSubstitution([share, "config", "real_nodes.yaml"])
    profile = {"robot_profile": arg("robot_profile")}
    return LaunchDescription([
        *[DeclareLaunchArgument(name, default_value=default, description=text)
          for name, (default, text) in ARGUMENTS.items()],
        DeclareLaunchArgument("urdf", default_value=PathJoinSubstitution([share, "urdf", "j2n6s300.urdf"]),
                              description="URDF for robot_state_publisher (TF and the rviz robot model)"),
        Node(package="jaco_prog", executable="camera_node", name="camera_node", output="screen",
             parameters=[params, {"device": ParameterValue(arg("camera_device"), value_type=str)}]),
        Node(package="jaco_prog", executable="driver_node", name="driver_node", output="screen",
             parameters=[params, {"backend": arg("backend"), **profile,
                                  "robot_ip": ParameterValue(arg("robot_ip"), value_type=str)}]),
        Node(package="jaco_prog", executable="tracker_node", name="tracker_node", output="screen",
             parameters=[params, profile]),
        Node(package="jaco_prog", executable="policy_node", name="policy_node", output="screen",
             parameters=[params, {"checkpoint": ParameterValue(arg("checkpoint"), value_type=str), "mode": "real",
                                  **profile, **learn_parameters()}]),
        Node(package="robot_state_publisher", executable="robot_state_publisher", name="robot_state_publisher",
             parameters=[{"robot_description": ParameterValue(Command(["cat ", arg("urdf")]),
                                                             value_type=str)}]),
        Node(package="rviz2", executable="rviz2", name="rviz2", output="log",
             arguments=["-d", PathJoinSubstitution([share, "rviz", "jaco_prog.rviz"])],
             condition=IfCondition(arg("rviz"))),
        ExecuteProcess(cmd=["ros2", "bag", "record", "-s", "mcap", "-o", arg("bag"),
                            *[topics.name(t.key) for t in topics.TOPICS.values() if t.key not in topics.SIM_ONLY]],
                       output="screen", condition=IfCondition(arg("record"))),
    ])
