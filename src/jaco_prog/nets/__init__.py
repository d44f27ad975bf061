"""Progressive networks (ROS-free, PyTorch): column specs, the net, checkpoints and a Policy wrapper."""
from jaco_prog.nets.checkpoint import CheckpointError, load_net, read_checkpoint, save_checkpoint
from jaco_prog.nets.policy import Policy
from jaco_prog.nets.progressive import NetOutput, ProgressiveNet, grow
from jaco_prog.nets.spec import SIZE_PRESETS, ColumnSpec, NetSpec, NetSpecError, spec_for_env

__all__ = ["CheckpointError", "ColumnSpec", "NetOutput", "NetSpec", "NetSpecError", "Policy", "ProgressiveNet",
           "SIZE_PRESETS", "grow", "load_net", "read_checkpoint", "save_checkpoint", "spec_for_env"]
