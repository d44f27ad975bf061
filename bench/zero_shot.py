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

"""Zero-shot transfer of column 1: no training, column 1 acting greedily on its own (domain-randomised) task
and on every preset of config/presets.yaml, N episodes each from held-out evaluation seeds. The baseline is
the training task, measured in the same run: each preset's mean return is also printed as a ratio of it.

Writes <out>/zero_shot.{png,md,json} (mean return ± standard error and success per condition) and one score
JSON per condition under <out>/scores/ (a rerun scores only what is missing, or stale after the checkpoint
changed).

    .venv/bin/python bench/zero_shot.py                         # smoke: 10 episodes per condition
    .venv/bin/python bench/zero_shot.py --full                  # 100 episodes per condition
    .venv/bin/python bench/zero_shot.py --episodes 50 --presets real_proxy,colour_large
    .venv/bin/python bench/zero_shot.py --plot-only
"""
from __future__ import annotations

import argparse
import sys
import time

from jaco_prog.experiments import cli
from jaco_prog.experiments.report import zero_shot_report
from jaco_prog.experiments.studies import SCALES, zero_shot_conditions
from jaco_prog.experiments.zero_shot import load_zero_shot, run_zero_shot

STUDY = "zero_shot"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", default=cli.DEFAULT_CHECKPOINT,
                        help="column-1 checkpoint (file or run dir; default %(default)s)")
    parser.add_argument("--out", default=None, help="output directory (default runs/results/zero_shot with "
                                                    "--full, runs/results/zero_shot-smoke otherwise)")
    parser.add_argument("--full", action="store_true", help="100 episodes per condition instead of 10")
    parser.add_argument("--episodes", type=int, default=None, help="episodes per condition (overrides the scale)")
    parser.add_argument("--presets", default=None, help="comma-separated presets (default: all five)")
    parser.add_argument("--task", default="reach", help="reach (default) or conveyor")
    parser.add_argument("--parallel", type=int, default=2, help="conditions scored at a time (processes)")
    parser.add_argument("--plot-only", action="store_true", help="score nothing: redraw from what --out holds")
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    args = parser.parse_args(argv)

    started = time.monotonic()
    out = cli.out_dir(args, STUDY)
    scale = dict(SCALES[STUDY]["full" if args.full else "smoke"])
    episodes = args.episodes or scale["episodes"]
    presets = tuple(p.strip() for p in args.presets.split(",") if p.strip()) if args.presets else scale["presets"]
    from jaco_prog.errors import UserError
    try:
        if args.plot_only:
            scores, plan = load_zero_shot(out)
        else:
            cli.require_checkpoint(args.checkpoint)
            if episodes < 1:
                raise UserError("--episodes must be at least 1")
            scores, plan = run_zero_shot(args.checkpoint, zero_shot_conditions(presets, args.task), episodes, out,
                                         args.parallel, args.progress)
        if not scores:
            raise UserError(f"{out}: no scores to report")
        report = zero_shot_report(scores, plan, out)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    report.print()
    print(f"wall time {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
