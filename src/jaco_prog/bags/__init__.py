"""rosbag2 bags of the topic contract through `rosbags` (no ROS installation needed): writer and messages."""
from jaco_prog.bags.writer import BagWriter, rosbags_qos

__all__ = ["BagWriter", "rosbags_qos"]
