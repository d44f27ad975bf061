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

"""ROS-free safety layer of the joint-velocity driver (config/safety.yaml, docs/safety.md)."""
from jaco_prog.safety.layer import HALTS, SafetyLayer, SafetyStatus, Status
from jaco_prog.safety.limits import JointLimits, Workspace
from jaco_prog.safety.params import SafetyParams, load_safety_params

__all__ = ["HALTS", "JointLimits", "SafetyLayer", "SafetyParams", "SafetyStatus", "Status", "Workspace",
           "load_safety_params"]
