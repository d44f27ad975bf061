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

"""Online learning in the graph (ROS-free): the newest column of a progressive net learns from the transitions
the 20 Hz loop produces, with the n-step A2C of `jaco-prog train` (docs/online_learning.md).

    cfg = online_config(params.learner.train, overrides={"from_checkpoint": CKPT, "run_dir": DIR})
    run = open_online_run(cfg, profile, params.policy.image_size)   # a new run, or the one in DIR resumed
    learner = OnlineLearner(run, background=True)                  # the PolicyLoop's actor
    session = OnlineSession(learner, manager, loop, params.learner)  # binds it to the episodes
    every policy tick: session.tick(now); loop.tick(now); session.finish_tick(now)
    learner.close()                                                 # pending updates, final checkpoint
"""
from jaco_prog.learning.online.learner import OnlineLearner, graph_probe, online_config, open_online_run
from jaco_prog.learning.online.session import OnlineSession

__all__ = ["OnlineLearner", "OnlineSession", "graph_probe", "online_config", "open_online_run"]
