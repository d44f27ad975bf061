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

"""The task and the safety layer agree: the privileged teacher through driver + safety layer against the same
teacher without them, same seeds, one run (issue 24 item 3; target >= 0.97x).

    .venv/bin/python bench/teacher_through_layer.py [--episodes 200] [--first-seed 10000]
        [--acceleration-limits 4 12 20]   # also the arm's acceleration limit replaced by each of these

Prints the unfiltered mean return (the baseline), the mean through config/safety.yaml's layer, their ratio and
the episodes scoring 0 in each; with --acceleration-limits, the same for each replaced limit.
"""
from __future__ import annotations

import argparse
import os
from dataclasses import replace

os.environ.setdefault("MUJOCO_GL", "egl")

import numpy as np  # noqa: E402


def teacher_returns(env, episodes: int, first_seed: int) -> np.ndarray:
    from jaco_prog.learning.imitation import ImitationConfig

    returns = []
    for n in range(episodes):
        env.reset(seed=first_seed + n)
        teacher = ImitationConfig().make_teacher(env)  # DAgger's teacher: its aim and finger command
        total, done = 0.0, False
        while not done:
            _, reward, terminated, truncated, _ = env.step(teacher.act())
            total += reward
            done = terminated or truncated
        returns.append(total)
    return np.array(returns)


def main(argv=None) -> int:
    from jaco_prog.robot.profile import load_profile
    from jaco_prog.safety import SafetyLayer, load_safety_params
    from jaco_prog.sim import make_env

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--episodes", type=int, default=200)
    parser.add_argument("--first-seed", type=int, default=10_000)
    parser.add_argument("--robot", default="j2n6s300")
    parser.add_argument("--acceleration-limits", type=float, nargs="*", default=[],
                        help="arm acceleration limits (rad/s^2) to measure besides config/safety.yaml's")
    args = parser.parse_args(argv)
    if args.episodes < 1:
        parser.error("--episodes must be >= 1")

    def measure(**kwargs) -> np.ndarray:
        env = make_env(profile=args.robot, **kwargs)
        try:
            return teacher_returns(env, args.episodes, args.first_seed)
        finally:
            env.close()

    base = measure(safety=False)
    print(f"{args.episodes} episodes, seeds {args.first_seed}..{args.first_seed + args.episodes - 1}")
    print(f"without driver + safety layer (baseline): {base.mean():.2f}, {int((base == 0).sum())} score 0")
    params = load_safety_params(args.robot)
    rows = [("config/safety.yaml", params)]
    rows += [(f"arm acceleration limit {a:g} rad/s^2",
              replace(params, acceleration_limit=replace(params.acceleration_limit, arm=a),
                      braking_deceleration=replace(params.braking_deceleration,
                                                   arm=min(a, params.braking_deceleration.arm))))
             for a in args.acceleration_limits]
    profile = load_profile(args.robot)
    for label, p in rows:
        filtered = measure(safety=True, safety_layer=SafetyLayer.from_profile(profile, p))
        print(f"through the layer, {label} (accel {p.acceleration_limit.arm:g}): {filtered.mean():.2f}, "
              f"ratio {filtered.mean() / base.mean():.3f}x (target >= 0.97), {int((filtered == 0).sum())} score 0")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
