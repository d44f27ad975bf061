"""Perception without ROS: the camera model and the colour-target tracker that gives the sparse reward."""
