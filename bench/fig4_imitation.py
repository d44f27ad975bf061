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

"""Paper Fig. 4 at a budget that fits one machine: the four first-column architectures (wide and narrow,
feedforward and LSTM) trained the way the shipped column 1 is, by DAgger from the privileged scripted teacher
after pretraining the conv layers on target position, with the same budget and seed each, on the
domain-randomised reach task. From scratch with A2C (bench/fig4_architectures.py) nothing scores at budgets
this machine can afford; imitation separates the architectures within a few hundred thousand steps.

Prints the figure path, each run's greedy return over --episodes held-out episodes (the seeds of `jaco-prog
score`) and the ratios wide / narrow and LSTM / FF of the columns' means over the seeds --out holds (--seed N
trains seed N beside the others). Curves: the return of the episodes each student drove alone, per DAgger
iteration, one line per seed. Writes <out>/fig4_imitation.{png,json} and one run directory per column and
seed; a rerun resumes unfinished columns and skips finished ones. Compare columns trained without a break:
a resumed run first refills its data set (extra env steps), and the script warns when budgets differ.

    .venv/bin/python bench/fig4_imitation.py                  # smoke: a few minutes
    .venv/bin/python bench/fig4_imitation.py --full           # 50 k pretraining frames + 10 x 10 k steps each
    .venv/bin/python bench/fig4_imitation.py --full --iterations 30 --out DIR   # a longer budget (350 k steps)
    .venv/bin/python bench/fig4_imitation.py --full --columns wide-ff,narrow-ff  # some columns (e.g. one per core)
    .venv/bin/python bench/fig4_imitation.py --plot-only [--out DIR]

The experiment is jaco_prog.experiments.fig4_imitation's; this script parses and prints.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jaco_prog.errors import UserError
from jaco_prog.experiments import fig4_imitation as fig4


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=None,
                        help="output directory (default runs/results/architectures-imitation[-smoke])")
    parser.add_argument("--full", action="store_true", help="the full budget instead of the smoke scale")
    parser.add_argument("--plot-only", action="store_true", help="train nothing: redraw from what --out holds")
    parser.add_argument("--seed", type=int, default=0, help="seed of every column's run (default %(default)s)")
    parser.add_argument("--episodes", type=int, default=None,
                        help="held-out episodes scored per column (default 20 smoke, 100 full)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads of each DAgger run (default %(default)s)")
    parser.add_argument("--iterations", type=int, default=None,
                        help="DAgger iterations per column (default: 10 with --full, 3 without); more resumes a "
                             "finished run, which first refills its data set with max_frames / 2 frames")
    parser.add_argument("--columns", default=None,
                        help="train only these comma-separated columns (wide-ff, narrow-ff, wide-lstm, "
                             "narrow-lstm); the figure still shows every column --out holds")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars (default: shown)")
    args = parser.parse_args(argv)
    budget, episodes = fig4.scale(args.full, args.iterations, args.episodes)
    if episodes < 1 or args.threads < 1 or (args.iterations is not None and args.iterations < 1):
        parser.error("--episodes, --threads and --iterations must be at least 1")
    try:
        columns = fig4.chosen_columns(args.columns)
    except UserError as err:
        parser.error(str(err))
    out = args.out or Path("runs/results/architectures-imitation" + ("" if args.full else "-smoke"))
    try:
        result = fig4.run(out, budget, episodes, columns=columns, seed=args.seed, threads=args.threads,
                          progress=not args.no_progress, train=not args.plot_only,
                          budget_from_runs=args.plot_only and args.iterations is None)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"figure: {result.figure}")
    for line in result.lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
