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

"""Offline evaluation of recorded sessions (rosbag2 bags, MCAP or sqlite3) by replay, without ROS.

    ev = evaluate_bag("runs/x/bag", checkpoint=None)     # jaco_prog.evaluation.replay
    write_report(ev, "runs/x/bag-evaluation")           # report.md, plots, episodes.csv, video

`jaco-prog evaluate BAG` is the command line; docs/evaluation.md describes what is measured.
"""
from jaco_prog.evaluation.bagread import BagError, BagSource
from jaco_prog.evaluation.replay import EvalOptions, Evaluation, evaluate_bag
from jaco_prog.evaluation.report import summary, write_report

__all__ = ["BagError", "BagSource", "EvalOptions", "Evaluation", "evaluate_bag", "summary", "write_report"]
