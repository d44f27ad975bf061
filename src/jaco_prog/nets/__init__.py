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

"""Progressive networks (ROS-free, PyTorch): column specs, the net, checkpoints and a Policy wrapper."""
from jaco_prog.nets.checkpoint import CheckpointError, load_net, read_checkpoint, save_checkpoint
from jaco_prog.nets.policy import Policy
from jaco_prog.nets.progressive import NetOutput, ProgressiveNet, grow
from jaco_prog.nets.spec import SIZE_PRESETS, ColumnSpec, NetSpec, NetSpecError, spec_for_env

__all__ = ["CheckpointError", "ColumnSpec", "NetOutput", "NetSpec", "NetSpecError", "Policy", "ProgressiveNet",
           "SIZE_PRESETS", "grow", "load_net", "read_checkpoint", "save_checkpoint", "spec_for_env"]
