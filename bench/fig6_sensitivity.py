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

"""Paper Fig. 6 in simulation: how sensitive progressive and finetuned transfer are to the learning rate, the
entropy cost and the seed. Per preset, N samples of (lr log-uniform in [5e-5, 5e-3], entropy cost log-uniform
in [1e-5, 1e-2], seed), each trained once as a narrow progressive column and once as finetuned column 1 (the
same samples for both: a paired comparison, so both get the same tuning budget). Single-process A2C on one
env per agent (one robot's stream of experience).

Prints the figure path and per preset the median final return of progressive / finetune, the probability that
a progressive run beats a finetuned one, and the paired wins. Writes <out>/fig6_sensitivity.{png,md,json}
(final scores of all runs sorted, as in Fig. 6, and final score against learning rate) and the run dirs.

    .venv/bin/python bench/fig6_sensitivity.py                  # smoke: colour_large, 6 samples, 5k steps
    .venv/bin/python bench/fig6_sensitivity.py --full           # 4 perturbation presets + real_proxy x 20 samples x 60k steps
    .venv/bin/python bench/fig6_sensitivity.py --full --samples 100 --ray-address auto
    .venv/bin/python bench/fig6_sensitivity.py --plot-only
"""
from __future__ import annotations

import sys

from jaco_prog.experiments import cli
from jaco_prog.experiments.studies import sensitivity_study

STUDY = "sensitivity"


def build(args, out):
    s = cli.scale(args, STUDY)
    samples = args.samples or s["samples"]
    return sensitivity_study(args.checkpoint, presets=s["presets"], samples=samples, steps=s["steps"],
                             envs=s["envs"], sample_seed=args.sample_seed, task=args.task,
                             extra=cli.extra_overrides(args.sets))


def main(argv=None) -> int:
    parser = cli.parser(__doc__, STUDY, seeds=False)
    parser.add_argument("--samples", type=int, default=None,
                        help="(lr, entropy, seed) samples per method and preset (overrides the scale)")
    parser.add_argument("--sample-seed", type=int, default=0, help="seed of the hyper-parameter draws")
    parser.add_argument("--task", default="reach", help="reach (default); toy checks the pipeline in seconds")
    args = parser.parse_args(argv)
    return cli.main_for(STUDY, args, build)


if __name__ == "__main__":
    sys.exit(main())
