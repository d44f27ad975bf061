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

"""Cost of the safety layer per control period, against the 20 Hz policy budget and a bare numpy baseline.

    python bench/safety_cost.py [--robot j2n6s300] [--calls 20000] [--repeats 5]

Prints microseconds per call (command() + update(), best of --repeats) for four situations - free motion
(the workspace look-ahead runs and passes), motion into the table (the look-ahead tries its scale
candidates), joints at rest (no look-ahead) and the layer without the workspace check - next to a baseline
measured in the same run (np.clip of the same vector to the velocity limits), and the share of the 50 ms
budget of one 20 Hz policy step and of one control period. Each situation is timed with the layer's exact
shortcuts (the default, as deployed) and without them (`exact_shortcuts=False`: every check computed every
period; the same outputs). Informational: no test asserts timings.
"""
from __future__ import annotations

import argparse
import platform
import time
from dataclasses import replace

import numpy as np

from jaco_prog.robot.profile import load_profile
from jaco_prog.safety import SafetyLayer, load_safety_params

POLICY_RATE = 20.0  # Hz, the paper's control rate: the budget per policy step is 1 / POLICY_RATE


def best_per_call(fn, calls: int, repeats: int) -> float:
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--robot", default="j2n6s300")
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    profile = load_profile(args.robot)
    params = load_safety_params(args.robot)
    n = profile.n_joints
    q_home = profile.home.copy()
    vmax = profile.velocity_limits * params.velocity_scale
    dt = params.period

    def situation(cmd, q, layer_params=params, shortcuts=True):
        layer = SafetyLayer.from_profile(profile, layer_params, exact_shortcuts=shortcuts)
        clock = {"t": 0.0}
        for _ in range(300):  # steady state: ramp done, the arm (perfect tracking) where the command takes it
            layer.command(cmd, now=clock["t"])
            out, _ = layer.update(q, clock["t"])
            q = q + out * dt
            clock["t"] += dt

        def call():
            layer.command(cmd, now=clock["t"])
            layer.update(q, clock["t"])
            clock["t"] += dt
        _, status = layer.update(q, clock["t"])
        return call, status

    free = np.zeros(n)
    free[0], free[3] = 0.5, 0.6
    down = np.zeros(n)
    down[1], down[2] = -0.6, -0.6
    cases = {"free motion (look-ahead passes)": (free, q_home, params)}
    if params.workspace.enabled:
        cases["into the table (scale candidates)"] = (down, q_home, params)
        cases["at rest (no look-ahead)"] = (np.zeros(n), q_home, params)
        no_ws = replace(params, workspace=replace(params.workspace, enabled=False))
        cases["free motion, workspace check off"] = (free, q_home, no_ws)

    vec = np.random.default_rng(0).normal(0, 1, n)
    baseline = best_per_call(lambda: np.clip(vec, -vmax, vmax), args.calls, args.repeats)
    budget_us = 1e6 / POLICY_RATE
    print(f"safety layer cost, robot {args.robot}, {n} joints, control rate {params.control_rate:g} Hz "
          f"(python {platform.python_version()}, numpy {np.__version__}, {platform.machine()})")
    print(f"baseline np.clip of the same vector: {baseline:.2f} us/call")
    print("(each situation first runs 3 s with perfect tracking, then is timed at the pose reached)")
    print(f"{'situation':38s} {'us/call':>8s} {'x baseline':>10s} {'of 50 ms (20 Hz)':>17s} "
          f"{'of control period':>18s} {'full checks':>12s} {'fast/full':>9s}  status")
    for name, (cmd, q, p) in cases.items():
        call, status = situation(cmd, q, p)
        us = best_per_call(call, args.calls, args.repeats)
        full_call, _ = situation(cmd, q, p, shortcuts=False)
        full_us = best_per_call(full_call, args.calls, args.repeats)
        print(f"{name:38s} {us:8.1f} {us / baseline:10.1f} {us / budget_us:16.4%} "
              f"{us / (dt * 1e6):17.3%} {full_us:9.1f} us {us / full_us:8.2f}x  "
              f"{status.status.value}: {status.reason[:40]}")


if __name__ == "__main__":
    main()
