"""ROS-free safety layer of the joint-velocity driver (config/safety.yaml, docs/safety.md)."""
from jaco_prog.safety.layer import HALTS, SafetyLayer, SafetyStatus, Status
from jaco_prog.safety.limits import JointLimits, Workspace
from jaco_prog.safety.params import SafetyParams, load_safety_params

__all__ = ["HALTS", "JointLimits", "SafetyLayer", "SafetyParams", "SafetyStatus", "Status", "Workspace",
           "load_safety_params"]
