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

"""E-stop latency of the driver: time from `VelocityDriver.estop()` being called to the hardware e-stop
reaching the arm, with a healthy, a slow and a hung backend, each next to a baseline measured in the same run.

- the arm: a MockBackend (wall clock) behind a FaultInjectingBackend that stands for a real link (its calls
  get deadlines, as kortex / gen2_bridge calls do); "reaches the arm" is the moment the mock's estop() runs.
- healthy: calls return at once. slow: every call takes `--slow-ms` (a congested link). hung: send_velocities
  blocks (up to `--hang-s`, the issue's 0.3-1.5 s); the e-stop is pressed while the send hangs.
- the driver runs its real loop (`run()`, wall time) on a thread of its own while a 20 Hz policy sends; the
  e-stop comes at a random moment of the period (healthy, slow) or during the hung send.
- baseline: the same backend's estop() called directly, without a driver (the floor of any driver; for the
  slow backend it includes the link's own time, and the sleep's overshoot on a loaded machine).
Target (issue 27): within one driver period in every case.

    .venv/bin/python bench/estop_latency.py [--trials 30] [--slow-ms 5] [--hang-s 1.5]
"""
from __future__ import annotations

import argparse
import threading
import time

import numpy as np

from jaco_prog.hardware.driver import VelocityDriver, load_driver_params
from jaco_prog.hardware.mock import FaultInjectingBackend, MockBackend
from jaco_prog.robot.profile import load_profile
from jaco_prog.safety import SafetyLayer, load_safety_params

CASES = ("healthy", "slow", "hung")


class RemoteArm(FaultInjectingBackend):
    """A mock arm over a link: not in-process, so the driver gives every call a deadline."""

    @property
    def inline_calls(self) -> bool:
        return False


def arm(profile, case: str, slow_s: float, hang_s: float):
    """(backend, mock, times): `times` collects the moments the mock's estop() ran (time.perf_counter)."""
    mock = MockBackend(profile.joint_names, time.monotonic, profile.home)
    times: list[float] = []
    inner_estop = mock.estop

    def estop():
        times.append(time.perf_counter())
        inner_estop()

    mock.estop = estop
    backend = RemoteArm(mock)
    if case == "slow":
        backend.delay = slow_s
    elif case == "hung":
        backend.hang("send", seconds=hang_s)
    return backend, mock, times


def baseline(profile, case: str, slow_s: float) -> float:
    """The backend's own estop(), called directly: seconds from the call to the arm."""
    backend, _, times = arm(profile, "slow" if case == "slow" else "healthy", slow_s, 0.0)
    backend.connect()
    start = time.perf_counter()
    backend.estop()
    return times[0] - start


def trial(profile, layer_params, case: str, slow_s: float, hang_s: float, rng) -> float:
    """One e-stop during a running driver loop: seconds from the call to the arm."""
    driver_params = load_driver_params()
    backend, mock, times = arm(profile, "healthy" if case == "hung" else case, slow_s, hang_s)
    driver = VelocityDriver.from_params(driver_params, backend, SafetyLayer.from_profile(profile, layer_params),
                                        time.monotonic)
    stop = threading.Event()
    loop = threading.Thread(target=driver.run, args=(stop,), daemon=True)
    loop.start()
    command = np.full(profile.n_joints, 0.05)
    try:
        for _ in range(4):  # the arm moves: a 20 Hz policy for 0.2 s
            driver.submit(command)
            time.sleep(0.05)
        if case == "hung":
            backend.hang("send", seconds=hang_s)
            deadline = time.monotonic() + 2.0
            while backend.hanging != "send" and time.monotonic() < deadline:
                time.sleep(0.0005)
            if backend.hanging != "send":
                raise RuntimeError("the send never hung: is the driver loop running?")
        else:
            time.sleep(rng.uniform(0.0, driver.period))
        start = time.perf_counter()
        driver.estop("bench")
        waited = time.monotonic() + 1.0
        while not times and time.monotonic() < waited:  # reached the arm after its deadline, or never
            time.sleep(0.0005)
        return times[0] - start if times else float("inf")
    finally:
        backend.release()
        stop.set()
        loop.join(timeout=hang_s + 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30, help="e-stops per case (default %(default)s)")
    parser.add_argument("--slow-ms", type=float, default=5.0, help="duration of every call of the slow backend "
                                                                   "(default %(default)s ms)")
    parser.add_argument("--hang-s", type=float, default=1.5, help="how long the hung send blocks at most "
                                                                  "(default %(default)s s)")
    parser.add_argument("--profile", default="j2n6s300", help="robot profile (default %(default)s)")
    args = parser.parse_args()
    if args.trials < 1 or args.slow_ms < 0 or args.hang_s <= 0:
        parser.error("--trials must be >= 1, --slow-ms >= 0, --hang-s > 0")
    profile = load_profile(args.profile)
    layer_params = load_safety_params(profile.name)
    period = layer_params.period
    rng = np.random.default_rng(0)
    slow_s = args.slow_ms / 1e3
    print(f"e-stop call -> hardware e-stop, {args.trials} trials per case; driver period {period * 1e3:.1f} ms "
          f"(target: every e-stop within one period)")
    print(f"{'':<9} {'baseline (no driver)':>21}   {'driver e-stop':>28}")
    print(f"{'backend':<9} {'median ms':>10} {'max ms':>10}   {'median ms':>10} {'p95 ms':>8} {'max ms':>8}  "
          "within one period")
    worst = 0.0
    for case in CASES:
        floor = np.array([baseline(profile, case, slow_s) for _ in range(args.trials)])
        lat = np.array([trial(profile, layer_params, case, slow_s, args.hang_s, rng) for _ in range(args.trials)])
        worst = max(worst, float(lat.max()))
        what = {"healthy": "calls return at once", "slow": f"every call {args.slow_ms:g} ms",
                "hung": f"send blocks up to {args.hang_s:g} s"}[case]
        missed = int(np.isinf(lat).sum())
        print(f"{case:<9} {np.median(floor) * 1e3:10.3f} {floor.max() * 1e3:10.3f}   {np.median(lat) * 1e3:10.3f} "
              f"{np.percentile(lat, 95) * 1e3:8.3f} {lat.max() * 1e3:8.3f}  {'yes' if lat.max() <= period else 'NO'} "
              f"({what}"
              f"{f'; {missed} e-stops never reached the arm' if missed else ''})")
    print(f"worst e-stop latency {worst * 1e3:.3f} ms = {worst / period:.2f} driver periods")


if __name__ == "__main__":
    main()
