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

"""The paper's experiments (Rusu et al. 2017, Figs. 4-7 and zero-shot transfer) as studies in simulation.

    from jaco_prog.experiments.studies import transfer_study
    from jaco_prog.experiments.cli import run_study
    from jaco_prog.experiments.report import transfer_report

    study = transfer_study("models/column1_reach_wide_lstm.pt", presets=("real_proxy",), seeds=2, steps=6000)
    run_study(study, "runs/results/transfer-smoke")          # jaco_prog.sweep.run_trials, stage by stage
    transfer_report(study, "runs/results/transfer-smoke").print()

studies: the trials of each study; aggregate: curves and numbers from run directories; figures: matplotlib
(Agg); report: figure + markdown table + JSON per study; zero_shot: scoring column 1 without training;
cli: what the bench scripts (bench/fig*.py, bench/zero_shot.py) share; column1: column 1's recipes compared
(bench/column1.py); fig4_imitation: Fig. 4 by imitation (bench/fig4_imitation.py); task_ceiling: the teacher,
the lookahead planner and column 1 on the same episodes (bench/task_ceiling.py). No ROS. See
docs/results_howto.md.
"""
