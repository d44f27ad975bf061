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

"""The privileged reference controllers (sim.reference_controllers) bench/task_ceiling.py draws the ceiling from."""
import numpy as np

from jaco_prog.learning.imitation import ImitationConfig
from jaco_prog.sim import make_env
from jaco_prog.sim.reference_controllers import LookaheadPlanner, MisplacedTargetReacher, controller_episodes
from jaco_prog.sim.scripted_policy import ScriptedReacher


def test_lookahead_planner_plans_on_a_copy_and_reaches_like_the_oracle():
    with make_env(own_renderer=False) as env:
        env.reset_state(1_000_000)
        planner = LookaheadPlanner(env, ImitationConfig().make_teacher(env), candidates=4, horizon=2)
        qpos, time = env.data.qpos.copy(), env.data.time
        action = planner.act()
        # candidates are simulated on a copy: the live physics has not moved, and sim.data is the live data
        assert np.array_equal(env.data.qpos, qpos) and env.data.time == time and env.sim.data is env.data
        assert action.shape == (9,) and np.all((action >= 0) & (action <= 2))
        result = controller_episodes(env, planner, 3, 1_000_000)
        again = controller_episodes(env, planner, 1, 1_000_000)   # the env is the caller's: still open
    assert again["returns"][0] == result["returns"][0]                   # and episodes are reproducible
    assert np.all(result["returns"] <= 51 - result["first_steps"])   # no reward before the first rewarded step
    assert result["returns"].mean() > 10                             # it reaches: the oracle scores ~29 here


def test_a_misplaced_target_costs_the_oracle_and_a_zero_error_changes_nothing():
    returns = {}
    for error in (None, 0.0, 0.2):
        with make_env(own_renderer=False) as env:
            oracle = (ScriptedReacher(env, hover=0.05) if error is None
                      else MisplacedTargetReacher(env, error, seed=0, hover=0.05))
            returns[error] = controller_episodes(env, oracle, 4, 1_000_000)["returns"]
    assert np.array_equal(returns[None], returns[0.0])
    assert returns[0.2].mean() < returns[None].mean() - 5
