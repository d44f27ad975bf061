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

"""Column 1 (simulation, wide LSTM, pixels): DAgger warm start from the privileged scripted teacher vs A3C/A2C
from scratch, and DAgger after pretraining the conv layers on target position, return against env steps, in
the same run and with the same env-step budget.

Prints the figure path, each recipe's final return (the student's own episodes for DAgger, the last episodes
for RL), the ratio DAgger / RL and the ratio pretrained DAgger / DAgger. Writes <out>/column1.{png,json} and the
run directories (a rerun resumes them). The shipped column 1's model card (models/) has its exact stages. The
recipes, the curves and the numbers are jaco_prog.experiments.column1's; this script parses and prints.

    .venv/bin/python bench/column1.py                 # smoke: ~30 k steps each, a few minutes
    .venv/bin/python bench/column1.py --full          # the shipped recipe's budget (hours; resumable)
    .venv/bin/python bench/column1.py --plot-only --dagger-run runs/col1-dagger2 --rl-run runs/col1-wide-lstm-a2c \
        --finetune-run runs/col1-ft-a2c --pretrained-run runs/col1-pretrain
"""
from __future__ import annotations

import argparse
import sys

from jaco_prog.errors import UserError
from jaco_prog.experiments import column1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/results/column1",
                        help="figure, JSON and run directories (default %(default)s)")
    parser.add_argument("--full", action="store_true", help="the shipped recipe's budget (hours)")
    parser.add_argument("--plot-only", action="store_true", help="redraw from existing runs, no training")
    parser.add_argument("--dagger-run", default=None, help="DAgger run directory (default <out>/dagger)")
    parser.add_argument("--rl-run", default=None, help="RL-from-scratch run directory (default <out>/a2c)")
    parser.add_argument("--finetune-run", default=None,
                        help="an RL run finetuned from the DAgger run (train --mode finetune --from DAGGER_RUN): "
                             "drawn after DAgger's last step (default: none)")
    parser.add_argument("--pretrained-run", default=None,
                        help="DAgger run with encoder pretraining (default <out>/dagger-pretrained)")
    args = parser.parse_args(argv)
    runs = column1.RecipeRuns.under(args.out, args.dagger_run, args.rl_run, args.pretrained_run, args.finetune_run)
    if not args.plot_only:
        column1.train_recipes(runs, args.full)
    try:
        result = column1.compare(runs, args.out)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"figure: {result.figure}")
    for line in result.lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
