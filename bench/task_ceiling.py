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

"""How much can any policy score on the reaching task? The ceiling behind issue 7's bar of 30 of 50.

The reward is +1 per step with the palm within 10 cm of the target, over 50 steps, so every step spent
travelling from the random start is a point lost, and the joints' action velocities set how fast the palm
can travel. Two controllers that never have to see give a practical ceiling for a pixel policy:

    privileged oracle    the scripted reacher (sim/scripted_policy.py), which reads the target position and
                         the palm Jacobian; DAgger's teacher, so also the ceiling of what column 1 imitates
    lookahead planner    at every step, simulates the most promising joint-action combinations (ranked by the
                         Jacobian) a few steps ahead on a copy of the physics, and takes the one that ends
                         nearest the goal without a safety violation

Both are measured on the evaluation seeds `jaco-prog score` uses, beside the shipped column 1 on the same
episodes; the oracle also with the random start's joint noise scaled down (the paper does not give its start
distribution). The figure shows the return distributions against the bar.

DAgger's teachers (closed hand aiming 7 cm above the target, the earlier column's 5 cm and open hand 8 cm) are also
measured aiming at a misplaced target, a stand-in for a student that locates the target a few cm off: open
fingers stick 7 cm past the palm, so the open-handed teacher must hover near the top of the 10 cm reward
sphere and any error takes the palm out of it or the fingers into the table.

    .venv/bin/python bench/task_ceiling.py                  # ~3 min: oracle 200, planner and column 100 episodes
    .venv/bin/python bench/task_ceiling.py --full           # oracle 1000, planner and column 400
    .venv/bin/python bench/task_ceiling.py --preset real_proxy    # the ceiling where transfer is scored

The measurement is jaco_prog.experiments.task_ceiling's; this script parses and prints.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from jaco_prog.errors import UserError
from jaco_prog.experiments import task_ceiling


def main(argv: list[str] | None = None) -> int:
    default = {f.name: f.default for f in dataclasses.fields(task_ceiling.Settings)}
    (oracle, planner), (full_oracle, full_planner) = task_ceiling.SCALES["default"], task_ceiling.SCALES["full"]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true",
                        help=f"oracle {full_oracle}, planner and column {full_planner} episodes")
    parser.add_argument("--oracle-episodes", type=int, help=f"default {oracle} ({full_oracle} with --full)")
    parser.add_argument("--episodes", type=int,
                        help=f"planner and column episodes: default {planner} ({full_planner} with --full)")
    parser.add_argument("--checkpoint", type=Path, default=default["checkpoint"],
                        help="the column 1 measured beside them (default %(default)s)")
    parser.add_argument("--preset", help="measure everything on this preset of config/presets.yaml (e.g. "
                                         "real_proxy, where transfer is scored) instead of the training task")
    parser.add_argument("--noise-scales", default=",".join(f"{s:g}" for s in default["noise_scales"]),
                        help="start-noise scales to measure the oracle at (1 = the task as configured; "
                             "default %(default)s)")
    parser.add_argument("--localisation-error", type=float, default=default["localisation_error"],
                        help="s.d. (m) of the misplaced-target draw the teachers are also measured with (column "
                             "1's aux head is about 6 cm RMS off; default %(default)s)")
    parser.add_argument("--planner-candidates", type=int, default=default["planner_candidates"],
                        help="combinations simulated per step (default %(default)s)")
    parser.add_argument("--planner-horizon", type=int, default=default["planner_horizon"],
                        help="steps each is simulated ahead (default %(default)s)")
    parser.add_argument("--out", type=Path, default=Path("docs/figures/results"),
                        help="where the figure goes (default %(default)s)")
    args = parser.parse_args(argv)
    try:
        settings = task_ceiling.Settings(
            *task_ceiling.episodes(args.full, args.oracle_episodes, args.episodes), checkpoint=args.checkpoint,
            preset=args.preset, noise_scales=task_ceiling.noise_scales(args.noise_scales),
            localisation_error=args.localisation_error, planner_candidates=args.planner_candidates,
            planner_horizon=args.planner_horizon)
    except UserError as err:
        parser.error(str(err))
    result = task_ceiling.run(settings, args.out, echo=lambda line: print(line, flush=True))
    print(f"figure: {result.figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
