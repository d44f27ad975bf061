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

"""Progressive networks (ROS-free, PyTorch): column specs, the net, checkpoints and a Policy wrapper.

The names below are imported on first use, so that `jaco_prog.nets.spec` (plain data: column sizes, cores,
inputs) is importable without torch: the command line builds its flags from configs that name them.
"""
import importlib

_WHERE = {"CheckpointError": "checkpoint", "load_net": "checkpoint", "read_checkpoint": "checkpoint",
          "save_checkpoint": "checkpoint", "Policy": "policy", "NetOutput": "progressive",
          "ProgressiveNet": "progressive", "grow": "progressive", "SIZE_PRESETS": "spec", "ColumnSpec": "spec",
          "NetSpec": "spec", "NetSpecError": "spec", "spec_for_env": "spec"}


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


__all__ = ["CheckpointError", "ColumnSpec", "NetOutput", "NetSpec", "NetSpecError", "Policy", "ProgressiveNet",
           "SIZE_PRESETS", "grow", "load_net", "read_checkpoint", "save_checkpoint", "spec_for_env"]
