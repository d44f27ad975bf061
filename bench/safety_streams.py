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

"""The safety layer on the command streams of a training env: cost per update of the deployed layer against
the same layer with every check computed (exact_shortcuts=False) in the same run, and where it goes.

A training env (the deployed driver on the simulated arm) is stepped with biased random actions: each
joint keeps one choice for a whole episode with probability --bias per step, as an early policy drifting
into the table or a joint's stop does (--bias 0: uniform random actions). Every call into its safety layer
is recorded; the streams are then replayed into fresh layers, with and without the exact shortcuts, and
timed (best of --repeats). Both replays must return the same outputs and statuses bit for bit; the script
says so. Per update it also splits the deployed layer's time by what its workspace check did: far from the
joints' stop points or near one, the workspace limiting the output or not.

    .venv/bin/python bench/safety_streams.py [--episodes 30] [--bias 0.7] [--repeats 3]
"""
from __future__ import annotations

import argparse
import collections
import os
import time

os.environ.setdefault("MUJOCO_GL", "egl")

import numpy as np  # noqa: E402

from jaco_prog.learning.envs import make_training_env  # noqa: E402
from jaco_prog.safety import SafetyLayer  # noqa: E402

LAYER_CALLS = ("command", "reject", "estop", "reset", "fault", "halt", "update")


def record_stream(bias: float, episodes: int, seed: int) -> tuple[list, object]:
    """Every call into a training env's safety layer over `episodes` episodes of biased random actions."""
    env = make_training_env("reach", None, seed)
    layer = env.arm.driver.layer
    calls = []
    for name in LAYER_CALLS:
        original = getattr(layer, name)

        def recorded(*args, _original=original, _name=name, **kwargs):
            calls.append((_name, [a.copy() if isinstance(a, np.ndarray) else a for a in args], dict(kwargs)))
            return _original(*args, **kwargs)
        setattr(layer, name, recorded)
    rng = np.random.default_rng(seed)
    n = env.action_space.shape[0]
    for episode in range(episodes):
        env.reset(seed=seed + episode)
        preferred = rng.integers(0, 3, n)
        for _ in range(env.cfg.task.episode_steps):
            action = np.where(rng.random(n) < bias, preferred, rng.integers(0, 3, n))
            _, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                break
    profile = env.profile
    env.close()
    return calls, profile


def replay(calls: list, profile, shortcuts: bool, split: bool = False) -> tuple[float, list, dict]:
    """(seconds in the layer, every update's and halt's (output bytes, status), the split by path)."""
    layer = SafetyLayer.from_profile(profile, exact_shortcuts=shortcuts)
    paths: dict = collections.defaultdict(lambda: [0, 0.0])
    if split:
        workspace = layer._workspace

        def timed(q, out, prev, lo, hi, stretch=1.0, values=None, clipped=True):
            start = time.perf_counter()
            result = workspace(q, out, prev, lo, hi, stretch, values, clipped)
            key = ("near a stop point" if clipped else "far from stop points") + \
                (", workspace limiting" if result[1] else "")
            paths[key][0] += 1
            paths[key][1] += time.perf_counter() - start
            return result
        layer._workspace = timed
    answers, spent = [], 0.0
    for name, args, kwargs in calls:
        start = time.perf_counter()
        result = getattr(layer, name)(*args, **kwargs)
        spent += time.perf_counter() - start
        if name in ("update", "halt"):
            answers.append((result[0].tobytes(), result[1].status, result[1].reason))
    return spent, answers, dict(paths)


def main() -> None:
    class Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
        pass
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=Formatter)
    parser.add_argument("--episodes", type=int, default=30, help="episodes recorded per stream")
    parser.add_argument("--bias", type=float, default=0.7, help="probability a joint keeps its episode's choice")
    parser.add_argument("--repeats", type=int, default=3, help="replays timed per layer (best is reported)")
    parser.add_argument("--seed", type=int, default=1, help="env and action seed")
    args = parser.parse_args()
    if not 0.0 <= args.bias <= 1.0 or args.episodes < 1 or args.repeats < 1:
        parser.error("--bias must be in [0, 1], --episodes and --repeats at least 1")

    for bias in sorted({0.0, args.bias}):
        calls, profile = record_stream(bias, args.episodes, args.seed)
        updates = sum(name == "update" for name, _, _ in calls)
        fast = min(replay(calls, profile, True)[0] for _ in range(args.repeats))
        full = min(replay(calls, profile, False)[0] for _ in range(args.repeats))
        _, deployed, paths = replay(calls, profile, True, split=True)
        _, checked, _ = replay(calls, profile, False)
        same = "identical" if deployed == checked else "DIFFERENT (a bug: the shortcuts must change nothing)"
        print(f"bias {bias:g}: {updates} updates over {args.episodes} episodes; deployed layer "
              f"{fast / updates * 1e6:.1f} us an update, every check computed {full / updates * 1e6:.1f} us: "
              f"{fast / full:.2f}x; outputs and statuses {same}")
        timed = sum(seconds for _, seconds in paths.values())
        for key, (count, seconds) in sorted(paths.items()):
            print(f"    {key:42s} {count / updates:6.1%} of updates, {seconds / count * 1e6:7.1f} us each "
                  f"(workspace check), {seconds / timed:6.1%} of its time")


if __name__ == "__main__":
    main()
