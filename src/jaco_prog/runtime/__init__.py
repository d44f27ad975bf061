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

"""The graph's ROS-free components; each ROS node is a thin adapter over one of them (docs/graph.md).

    PolicyLoop      policy_node   latest image + joint state -> velocity command (20 Hz), stale-input stop
    RewardTracker   tracker_node  colour tracker + calibration + palm FK -> target point, visible, reward
    EpisodeManager  policy_node   50-step episodes, 'start n' / 'end n return', operator prompts, resets
    SimWorld        sim_node      MuJoCo + the same safety layer/driver on the sim backend + sim clock
    InProcessGraph  `jaco-prog run --sim`: all of the above in one process, recording a bag
"""
from jaco_prog.runtime.episodes import EpisodeManager, parse_event
from jaco_prog.runtime.params import RuntimeParams, load_runtime_params
from jaco_prog.runtime.policy_loop import NetActor, PolicyLoop, PolicyOutput, policy_image
from jaco_prog.runtime.reward_tracker import RewardTracker, TrackerOutput

__all__ = ["EpisodeManager", "NetActor", "PolicyLoop", "PolicyOutput", "RewardTracker", "RuntimeParams",
           "TrackerOutput", "load_runtime_params", "parse_event", "policy_image"]
