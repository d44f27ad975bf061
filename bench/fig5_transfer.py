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

"""Paper Fig. 5 in simulation: transfer of column 1 to a changed domain (each preset of config/presets.yaml
standing in for the real robot) by a narrow progressive LSTM column, by finetuning column 1, and by narrow and
wide LSTM columns from scratch. Single-process A2C on one env per agent (the paper's robot agent: one robot,
one stream of experience), per preset and seed.

Prints the figure path, each method's final return (median over seeds) and the ratios progressive / finetune
and progressive / scratch measured in the same run. Writes <out>/fig5_transfer.{png,md,json} and one run
directory per trial (rerunning resumes: finished trials are skipped, interrupted ones continue and are logged
in <out>/resumes.csv). --lrs trains every method at every learning rate (the same tuning budget each) and
compares them at their best; --output-lr-scale trains each transfer method with its new column's output layer
at these multiples of the learning rate, each scale other than 1 drawn as a method of its own.

    .venv/bin/python bench/fig5_transfer.py                    # smoke: real_proxy + colour_large, 2 seeds, 6k steps
    .venv/bin/python bench/fig5_transfer.py --full             # 5 presets x 6 methods x 5 seeds x 60k steps
    .venv/bin/python bench/fig5_transfer.py --full --presets real_proxy --seeds 3
    .venv/bin/python bench/fig5_transfer.py --full --presets real_proxy \
        --methods progressive-low-value,finetune-low-value --lrs 1e-4,3e-4,1e-3   # each at its best of three lrs
    .venv/bin/python bench/fig5_transfer.py --full --presets real_proxy --methods progressive --output-lr-scale 1,10
    .venv/bin/python bench/fig5_transfer.py --plot-only [--out DIR]   # redraw from what DIR holds
"""
from __future__ import annotations

import sys

from jaco_prog.experiments import cli
from jaco_prog.experiments.studies import DEFAULT_TRANSFER_METHODS, TRANSFER_METHODS, transfer_study

STUDY = "transfer"


def build(args, out):
    s = cli.scale(args, STUDY)
    methods = tuple(m.strip() for m in args.methods.split(",")) if args.methods else DEFAULT_TRANSFER_METHODS
    return transfer_study(args.checkpoint, presets=s["presets"], seeds=s["seeds"], steps=s["steps"],
                          envs=s["envs"], methods=methods, task=args.task, extra=cli.extra_overrides(args.sets),
                          lrs=cli.float_list(args.lrs, "--lrs"),
                          output_lr_scales=cli.float_list(args.output_lr_scale, "--output-lr-scale"))


def main(argv=None) -> int:
    parser = cli.parser(__doc__, STUDY)
    parser.add_argument("--methods", default=None,
                        help=f"comma-separated, of {', '.join(TRANSFER_METHODS)} "
                             f"(default {','.join(DEFAULT_TRANSFER_METHODS)})")
    parser.add_argument("--task", default="reach", help="reach (default); toy checks the pipeline in seconds")
    parser.add_argument("--lrs", default=None, metavar="LR,LR,...",
                        help="learning-rate sweep: every method at each of these with every seed (an equal tuning "
                             "budget), compared at its best")
    parser.add_argument("--output-lr-scale", default=None, metavar="SCALE,SCALE,...",
                        help="train each progressive/finetune method with its newest column's output layer at "
                             "each of these multiples of the learning rate (TrainConfig output_lr_scale), e.g. "
                             "1,10: a method of its own per scale other than 1")
    args = parser.parse_args(argv)
    return cli.main_for(STUDY, args, build)


if __name__ == "__main__":
    sys.exit(main())
