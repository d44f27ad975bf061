"""Training (ROS-free): A2C and A3C with n-step returns for progressive nets, checkpoints and logging."""
from jaco_prog.learning.config import TrainConfig, load_train_config
from jaco_prog.learning.train import load_run_config, train

__all__ = ["TrainConfig", "load_run_config", "load_train_config", "train"]
