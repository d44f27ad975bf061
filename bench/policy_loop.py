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

"""Policy loop timing in the in-process graph, and the tracker at 640x480, against baselines from the same run.

1. Policy loop (issue 5 figure): the whole graph (SimWorld -> tracker -> episode manager -> PolicyLoop -> safety
   layer -> sim) paced to the wall clock as the ROS graph runs, >= --ticks policy ticks at 20 Hz with a
   progressive net (random weights unless --checkpoint: timing does not depend on the weights).
   - period jitter p99 = p99 of |wall-clock period - 50 ms|, against a bare loop paced the same way doing
     nothing (the OS timer's own jitter);
   - inference p99 (crop/resize + forward pass), against the bare forward pass on a fixed 64x64 input.
2. Tracker: RewardTracker.on_image (colour threshold, centroid, ray onto the table, palm FK) ms/frame on 640x480
   sim frames, and the localisation error against the sim's target position (cm), over --frames random scenes.

    .venv/bin/python bench/policy_loop.py [--ticks 1000] [--frames 200] [--checkpoint CKPT] [--bag]
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time

os.environ.setdefault("MUJOCO_GL", "egl")

import numpy as np  # noqa: E402
import torch  # noqa: E402


def pct(values, q) -> float:
    return float(np.percentile(np.asarray(values), q))


def random_checkpoint(folder: str, profile) -> str:
    from jaco_prog.nets.checkpoint import save_checkpoint
    from jaco_prog.nets.progressive import ProgressiveNet
    from jaco_prog.nets.spec import ColumnSpec, NetSpec

    spec = NetSpec(profile=profile.to_dict(), columns=(ColumnSpec.preset("wide", inputs="pixels"),),
                   proprio_dim=2 * profile.n_joints, privileged_dim=6 + 2 * profile.n_joints)
    return str(save_checkpoint(os.path.join(folder, "checkpoint.pt"),
                               {"spec": spec.to_dict(), "model": ProgressiveNet(spec).state_dict()}))


def bare_forward(loop, n: int) -> list[float]:
    rng = np.random.default_rng(0)
    obs = {"pixels": rng.integers(0, 256, (64, 64, 3), dtype=np.uint8),
           "proprio": rng.normal(size=2 * len(loop.joint_names)).astype(np.float32)}
    actor = loop.actor
    actor.reset()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        actor.act(obs)
        times.append(time.perf_counter() - t0)
    return times


def bare_timer(period: float, n: int) -> list[float]:
    """The same deadline pacing as InProcessGraph.run(realtime=True), with no work: the OS timer's jitter."""
    start = time.perf_counter()
    last, jitter = None, []
    for k in range(n + 1):
        delay = start + k * period - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        now = time.perf_counter()
        if last is not None:
            jitter.append(abs(now - last - period))
        last = now
    return jitter


def policy_loop_figures(args) -> None:
    from jaco_prog.bags import BagWriter
    from jaco_prog.runtime.inprocess import build_graph
    from jaco_prog.runtime.params import load_runtime_params
    from jaco_prog.runtime.policy_loop import PolicyLoop
    from jaco_prog.runtime.sim_world import SimWorld

    params = load_runtime_params()
    params = dataclasses.replace(params, policy=dataclasses.replace(params.policy, stats_window=args.ticks))
    world = SimWorld.build(preset=args.preset, seed=0, params=params)
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = args.checkpoint or random_checkpoint(tmp, world.profile)
        loop = PolicyLoop.from_checkpoint(ckpt, world.profile, params.policy)
        forward = bare_forward(loop, args.ticks)
        period = params.policy.period
        timer = bare_timer(period, args.timer_ticks)
        bag = BagWriter(os.path.join(tmp, "bag")) if args.bag else None
        graph = build_graph(world, loop, params, bag=bag)
        ticks_per_episode = params.episodes.steps + params.episodes.settle_ticks + 1
        episodes = -(-args.ticks // ticks_per_episode) + 1
        start = time.perf_counter()
        records = graph.run(episodes, realtime=True)
        wall = time.perf_counter() - start
        if bag is not None:
            bag.close()
    world.close()
    stats = loop.stats
    periods = list(stats.periods_wall)[-args.ticks:]
    jitter = [abs(p - period) for p in periods]
    inference = list(stats.inference)[-args.ticks:]
    print(f"policy loop, in-process graph paced to the wall clock ({len(periods)} ticks at "
          f"{params.policy.rate:g} Hz, {len(records)} episodes, {wall:.1f} s wall{', recording a bag' if bag else ''})")
    print(f"  period         p50 {pct(periods, 50) * 1e3:7.3f} ms   p99 {pct(periods, 99) * 1e3:7.3f} ms   "
          f"max {max(periods) * 1e3:7.3f} ms")
    print(f"  jitter         p50 {pct(jitter, 50) * 1e3:7.3f} ms   p99 {pct(jitter, 99) * 1e3:7.3f} ms   "
          f"(bare timer p99 {pct(timer, 99) * 1e3:.3f} ms over {len(timer)} ticks: "
          f"ratio {pct(jitter, 99) / max(pct(timer, 99), 1e-9):.2f}x)")
    print(f"  inference      p50 {pct(inference, 50) * 1e3:7.3f} ms   p99 {pct(inference, 99) * 1e3:7.3f} ms   "
          f"(bare forward p99 {pct(forward, 99) * 1e3:.3f} ms: ratio "
          f"{pct(inference, 99) / pct(forward, 99):.2f}x); p99 is {pct(inference, 99) / period:.1%} of the period")
    overruns = sum(p > 1.5 * period for p in periods)
    print(f"  ticks later than 1.5 periods: {overruns}; mean return {np.mean([r.episode_return for r in records]):.1f}")


def tracker_figures(args, preset) -> None:
    from jaco_prog.runtime.params import load_runtime_params
    from jaco_prog.runtime.reward_tracker import RewardTracker
    from jaco_prog.runtime.sim_world import SimWorld

    params = load_runtime_params()
    params = dataclasses.replace(params, sim=dataclasses.replace(params.sim, camera_width=640, camera_height=480))
    world = SimWorld.build(preset=preset, seed=0, params=params)
    tracker = RewardTracker.for_profile(world.profile, world.camera_model())
    times, errors, invisible, agree = [], [], 0, 0
    for seed in range(args.frames):
        world.reset_episode(seed)
        tracker.set_camera(world.camera_model())
        out = world.tick()
        tracker.on_joint_state(out.joint_names, out.positions, out.stamp)
        t0 = time.perf_counter()
        result = tracker.on_image(out.image, out.stamp)
        times.append(time.perf_counter() - t0)
        agree += result.reward == out.reward_ground_truth
        if not result.visible:
            invisible += 1
            continue
        errors.append(np.linalg.norm(result.point - world.target_position()))
    world.close()
    errors_cm = np.asarray(errors) * 100
    print(f"tracker at 640x480 over {args.frames} sim scenes (preset {preset or 'none: training randomisation'})")
    print(f"  ms/frame       p50 {pct(times, 50) * 1e3:7.3f} ms   p99 {pct(times, 99) * 1e3:7.3f} ms")
    print(f"  localisation   median {np.median(errors_cm):.2f} cm   p95 {pct(errors_cm, 95):.2f} cm   max "
          f"{errors_cm.max():.2f} cm   not visible {invisible}/{args.frames}; reward agreement "
          f"{agree / args.frames:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ticks", type=int, default=1000, help="policy ticks measured (default 1000)")
    parser.add_argument("--timer-ticks", type=int, default=200, help="ticks of the bare timer baseline")
    parser.add_argument("--frames", type=int, default=200, help="tracker frames (default 200)")
    parser.add_argument("--checkpoint", default=None, help="a trained net (default: random wide LSTM column)")
    parser.add_argument("--preset", default=None, help="sim preset (default: training randomisation)")
    parser.add_argument("--tracker-presets", default="real_proxy,randomised",
                        help="presets for the tracker figures; 'randomised' = training randomisation")
    parser.add_argument("--bag", action="store_true", help="record a bag during the policy loop run")
    parser.add_argument("--skip-loop", action="store_true", help="only the tracker figures")
    args = parser.parse_args()
    torch.set_num_threads(1)
    for preset in args.tracker_presets.split(","):
        tracker_figures(args, None if preset == "randomised" else preset)
    if not args.skip_loop:
        policy_loop_figures(args)


if __name__ == "__main__":
    main()
