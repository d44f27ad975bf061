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

"""Train as you deploy: the same policy on the same seeds in the training environment and through the graph
(the in-process runner: SimWorld -> colour tracker -> PolicyLoop -> driver + safety layer -> MuJoCo), one run.

For the privileged scripted teacher and for the shipped column 1 it prints the env's mean return, the graph's
mean return as the tracker credits it and as the simulator scores it (ground truth), their ratios to the env,
the share of steps at which the tracker's reward equals the ground truth, and the largest per-episode gap
between the tracker's and the ground truth's return. Targets (issue 24): ratio >= 0.97 for both policies;
tracker agreement >= 99 % of steps and no episode's returns more than 2 apart.

    .venv/bin/python bench/graph_parity.py [--episodes 200] [--first-seed 1000] [--preset real_proxy]
        [--per-episode runs/parity.csv]
"""
from __future__ import annotations

import argparse
import csv
import os
import time

os.environ.setdefault("MUJOCO_GL", "egl")


def main(argv=None) -> int:
    from jaco_prog.evaluation.parity import env_returns, graph_returns, parity_summary
    from jaco_prog.runtime.params import load_runtime_params

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--episodes", type=int, default=200, help="episodes per policy and path")
    parser.add_argument("--first-seed", type=int, default=1000, help="episode n runs seed first-seed + n")
    parser.add_argument("--task", default="reach", choices=("reach", "conveyor"))
    parser.add_argument("--preset", default=None, help="perturbation preset of config/presets.yaml")
    parser.add_argument("--checkpoint", default=None, help="the column to compare (default: the shipped one)")
    parser.add_argument("--per-episode", default=None, metavar="CSV",
                        help="also write each graph episode (policy, seed, returns, agreeing steps) to this file")
    args = parser.parse_args(argv)
    if args.episodes < 1:
        parser.error("--episodes must be >= 1")
    column = args.checkpoint or str(load_runtime_params().policy.default_checkpoint_path())
    seeds = range(args.first_seed, args.first_seed + args.episodes)
    print(f"{args.episodes} episodes per path, seeds {seeds.start}-{seeds.stop - 1}, task {args.task}, preset "
          f"{args.preset or 'none'}")
    header = (f"{'policy':10} {'env':>7} {'tracker':>8} {'truth':>7} {'truth/env':>10} {'tracker/env':>12} "
              f"{'agreement':>10} {'max gap':>8} {'wall s':>7}")
    print(header)
    rows = []
    for label, policy in (("teacher", "scripted"), ("column 1", column)):
        start = time.perf_counter()
        env = env_returns(policy, seeds, args.task, args.preset)
        graph = graph_returns(policy, args.first_seed, args.episodes, args.task, args.preset)
        s = parity_summary(env, graph)
        rows += [(label, g, e) for g, e in zip(graph, env)]
        print(f"{label:10} {s['env_mean']:7.2f} {s['graph_tracker_mean']:8.2f} {s['graph_ground_truth_mean']:7.2f} "
              f"{s['ratio_ground_truth']:10.3f} {s['ratio_tracker']:12.3f} {100 * s['step_agreement']:9.2f}% "
              f"{s['max_return_gap']:8.0f} {time.perf_counter() - start:7.0f}")
    if args.per_episode:
        with open(args.per_episode, "w", newline="") as f:
            out = csv.writer(f)
            out.writerow(["policy", "seed", "env_return", "tracker_return", "ground_truth_return", "gap", "steps",
                          "agreeing_steps"])
            for label, g, e in rows:
                out.writerow([label, g.seed, e, g.tracker_return, g.ground_truth_return,
                              g.tracker_return - g.ground_truth_return, g.steps, g.agreeing_steps])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
