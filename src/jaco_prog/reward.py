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

"""The paper's sparse reward (Rusu et al. 2017, section 4): +1 for a step that ends with the palm within
`radius` of the target centre, else 0; nothing for a step that ends in a safety violation.

The one rule every path scores with: the training environment (simulator state), the graph's ground truth
(SimWorld), the colour tracker on the robot (tracked target, palm by forward kinematics). The radius has one
home, config/task.yaml `task.reward_radius`.
"""
from __future__ import annotations

import numpy as np


def palm_target_distance(palm, target) -> float:
    return float(np.linalg.norm(np.asarray(palm, float) - np.asarray(target, float)))


def sparse_reward(distance: float, radius: float, violation: str | None = None) -> float:
    return 1.0 if distance <= radius and violation is None else 0.0
