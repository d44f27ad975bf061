#!/usr/bin/env python3
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

"""Paper Fig. 4 in simulation: first columns trained from scratch on the domain-randomised reach task, wide
and narrow, feedforward (left panel) and LSTM (right). The paper trained 50 M steps with A3C; the budget here
is --steps (stated on the figure). A2C with --envs lockstep envs per run by default, --parallel runs at a time.

Prints the figure path, each configuration's final return and the ratios wide / narrow and LSTM / FF measured
in the same run. Curves: a running mean per run by default (--filter median for Fig. 5's filter): early in
training most episodes score 0 and a median shows nothing. Writes <out>/fig4_architectures.{png,md,json}.

    .venv/bin/python bench/fig4_architectures.py                # smoke: 2 seeds, 6k steps per run
    .venv/bin/python bench/fig4_architectures.py --full         # 5 seeds, 1 M steps per run (hours)
    .venv/bin/python bench/fig4_architectures.py --full --steps 5000000 --ray-address auto
    .venv/bin/python bench/fig4_architectures.py --plot-only
"""
from __future__ import annotations

import sys

from jaco_prog.experiments import cli
from jaco_prog.experiments.studies import architectures_study

STUDY = "architectures"


def build(args, out):
    s = cli.scale(args, STUDY)
    return architectures_study(seeds=s["seeds"], steps=s["steps"], envs=s.get("envs", 8), algo=args.algo,
                               task=args.task, preset=args.preset, extra=cli.extra_overrides(args.sets))


def main(argv=None) -> int:
    parser = cli.parser(__doc__, STUDY, checkpoint=False, presets=False, statistic="mean")
    parser.add_argument("--algo", default="a2c", choices=("a2c", "a3c"),
                        help="a2c (default: one process per run, --parallel runs share the cores) or a3c")
    parser.add_argument("--task", default="reach", help="reach (default); toy checks the pipeline in seconds")
    parser.add_argument("--preset", default=None, help="a fixed preset instead of domain randomisation")
    args = parser.parse_args(argv)
    return cli.main_for(STUDY, args, build)


if __name__ == "__main__":
    sys.exit(main())
