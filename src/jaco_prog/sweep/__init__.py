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

"""Hyper-parameter and seed sweeps of training runs (`jaco-prog sweep`, docs/sweeps.md).

    from jaco_prog.sweep import Trial, run_trials
    results = run_trials([Trial("lr-1e-3", {"task": "toy", "algo": "a2c", "lr": 1e-3})], "runs/sweeps/lr")

Trials run locally in a pool of processes, or on a Ray cluster through Ray Tune (`ray_address`; Ray is the
optional extra `jaco_prog[ray]`). Nothing here imports torch or ray until a trial runs.
"""
from jaco_prog.sweep.engine import SweepInterrupted, run_trials
from jaco_prog.sweep.results import TrialResult, results_table, write_results_csv
from jaco_prog.sweep.space import Trial, expand_spec, grid_points, load_spec, parse_seeds, sample_space

__all__ = ["SweepInterrupted", "Trial", "TrialResult", "expand_spec", "grid_points", "load_spec", "parse_seeds",
           "results_table", "run_trials", "sample_space", "write_results_csv"]
