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

"""What launch/sim.launch.py and launch/real.launch.py share: the launch arguments that make policy_node learn
online (docs/online_learning.md) and the policy_node parameters they set.

    ARGUMENTS = {..., **LEARN_ARGUMENTS, ...}
    Node(executable="policy_node", parameters=[params, {..., **learn_parameters()}])

It lives with the nodes because learn_parameters builds ROS launch objects (`launch`, `launch_ros`, imported
when a launch file asks for the parameters: under `ros2 launch`, or jaco_prog.testing.launch_files' stand-ins).
"""
from __future__ import annotations

# launch argument -> (policy_node's parameter of the same name: its type, the argument's default, description)
LEARN = {
    "learn": (bool, "false", "learn online: the newest column of a progressive net grown on `checkpoint` learns "
                             "from the tracker's reward (docs/online_learning.md); needs run_dir"),
    "run_dir": (str, "", "learn: the run directory (checkpoints, episodes.csv, tensorboard/); the same one again "
                         "resumes it"),
    "learn_mode": (str, "", "learn: progressive | finetune | scratch ('' = runtime.yaml learner.train.mode, "
                            "progressive)"),
    "learn_steps": (int, "0", "learn: total steps (0 = runtime.yaml learner.train.total_steps)"),
    "train_config": (str, "", "learn: a YAML of TrainConfig fields over the learner's ('' = none)"),
}
# as the launch files' ARGUMENTS tables write them: name -> (default, description)
LEARN_ARGUMENTS = {name: (default, text) for name, (_, default, text) in LEARN.items()}


def learn_parameters() -> dict:
    """policy_node's learn parameters, each the launch argument of its name as its parameter's type."""
    from launch.substitutions import LaunchConfiguration
    from launch_ros.parameter_descriptions import ParameterValue

    return {name: ParameterValue(LaunchConfiguration(name), value_type=kind) for name, (kind, _, _) in LEARN.items()}
