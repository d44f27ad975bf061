#!/usr/bin/env bash
# Sources ROS 2 Jazzy and the colcon-built jaco_prog workspace, then runs the command.
set -e
source /opt/ros/jazzy/setup.bash
source /ws/install/setup.bash
exec "$@"
