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

"""Paper Fig. 7 in simulation: the conveyor (moving target) task learnt by a narrow proprio-only column, either
as the 2nd column straight after column 1, or as the 3rd column after a narrow LSTM column 2 that first learnt
static reach with vision and proprioception (paper section 4.3). Both on the real_proxy preset by default;
single-process A2C on one env per agent (one robot's stream of experience).

Stage 1 trains the column-2 static-reach runs (and the 2nd-column conveyor runs, which need nothing else);
stage 2 trains each 3rd column from the checkpoint of the stage-1 column 2 with the same seed. Prints the
figure path, the final return of 3rd / 2nd column, the ratio of their first episodes ("immediate transfer")
and the steps each needs to reach the threshold. Writes <out>/fig7_conveyor.{png,md,json} and the run dirs.

    .venv/bin/python bench/fig7_conveyor.py                     # smoke: 2 seeds, 8k steps per stage
    .venv/bin/python bench/fig7_conveyor.py --full              # 5 seeds, 60k steps per stage
    .venv/bin/python bench/fig7_conveyor.py --full --arch lstm --column2-inputs pixels
    .venv/bin/python bench/fig7_conveyor.py --plot-only
"""
from __future__ import annotations

import sys

from jaco_prog.experiments import cli
from jaco_prog.experiments.studies import conveyor_study

STUDY = "conveyor"


def build(args, out):
    s = cli.scale(args, STUDY)
    return conveyor_study(args.checkpoint, out, seeds=s["seeds"], steps=s["steps"],
                          column2_steps=args.column2_steps, envs=s["envs"], arch=args.arch,
                          preset=None if args.preset in ("none", "") else args.preset,
                          column2_inputs=args.column2_inputs, extra=cli.extra_overrides(args.sets))


def main(argv=None) -> int:
    parser = cli.parser(__doc__, STUDY, presets=False)
    parser.add_argument("--arch", default="ff", choices=("ff", "lstm"),
                        help="core of the proprio-only conveyor column (default %(default)s)")
    parser.add_argument("--preset", default="real_proxy",
                        help="domain of column 2 and the conveyor runs (default %(default)s; none: column 1's)")
    parser.add_argument("--column2-inputs", default="pixels+proprio", choices=("pixels", "pixels+proprio"),
                        help="inputs of the static-reach column 2 (default %(default)s, as in the paper)")
    parser.add_argument("--column2-steps", type=int, default=None,
                        help="env steps of the static-reach column 2 (default: --steps)")
    args = parser.parse_args(argv)
    return cli.main_for(STUDY, args, build)


if __name__ == "__main__":
    sys.exit(main())
