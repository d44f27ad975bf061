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

"""What real DDS costs the graph: camera frame -> joint command latency and the policy period's jitter, over
separate processes (sim.launch.py's nodes, real rclpy + Fast DDS) next to the in-process runner (the same
components in one process, `jaco-prog run --sim`), measured in the same run with the same policy.

- latency: from the moment a camera frame is published to the moment the first joint command after it is
  published. DDS: as a fourth process-local node sees both (arrival of the command - arrival of the latest
  image before it: the image hop to the policy, tracker / policy work, the command hop back). In-process:
  wall time from SimWorld.tick() returning the frame to the command's submit.
- jitter: |policy period - 1/rate| on the wall clock, from the policy's own period measurement (policy_status
  period_wall_ms over DDS, PolicyLoop.stats in-process), both paced to real time.
Target (issue 22): DDS adds at most 10 ms at p99 to the latency.

    .venv/bin/python bench/graph_latency.py [--seconds 30] [--checkpoint CKPT]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MUJOCO_GL", "egl")

import numpy as np  # noqa: E402



def pct(values, q) -> float:
    return float(np.percentile(np.asarray(values, float), q)) if len(values) else float("nan")


def latencies(images: list[float], commands: list[float]) -> list[float]:
    """For each command time, the time since the latest image before it (both sorted, seconds)."""
    out, i = [], -1
    for t in commands:
        while i + 1 < len(images) and images[i + 1] <= t:
            i += 1
        if i >= 0:
            out.append(t - images[i])
    return out


def in_process(seconds: float, checkpoint: str | None) -> dict:
    from jaco_prog.runtime.inprocess import build_graph
    from jaco_prog.runtime.params import load_runtime_params
    from jaco_prog.runtime.policy_loop import PolicyLoop
    from jaco_prog.runtime.sim_world import SimWorld

    import torch
    torch.set_num_threads(1)  # as `jaco-prog run --sim` and policy_node run it
    params = load_runtime_params()
    world = SimWorld.build(seed=0, params=params)
    loop = PolicyLoop.from_checkpoint(checkpoint or params.policy.default_checkpoint_path(), world.profile,
                                      params.policy)
    images, commands = [], []
    tick, submit = world.tick, world.submit

    def timed_tick():
        out = tick()
        if out.image is not None:
            images.append(time.perf_counter())
        return out

    def timed_submit(*args, **kwargs):
        commands.append(time.perf_counter())
        return submit(*args, **kwargs)

    world.tick, world.submit = timed_tick, timed_submit
    graph = build_graph(world, loop, params)
    episode_s = (params.episodes.steps + params.episodes.settle_ticks + 1) / params.policy.rate
    graph.run(max(1, int(np.ceil(seconds / episode_s))), realtime=True)
    world.close()
    period = params.policy.period
    return {"latency": latencies(images, commands),
            "jitter": [abs(p - period) for p in loop.stats.periods_wall], "commands": len(commands)}


def over_dds(seconds: float, checkpoint: str | None, workdir: Path) -> dict:
    from jaco_prog.nodes import common
    from jaco_prog.nodes.observer import Observer
    from jaco_prog.runtime.params import load_runtime_params
    from jaco_prog.testing.graph import GraphProcesses, isolated_ros_env
    from jaco_prog.testing.launch_files import declared_nodes

    arguments = {"rviz": "false", "record": "false", **({"checkpoint": checkpoint} if checkpoint else {})}
    graph = GraphProcesses(declared_nodes("sim.launch.py", arguments), workdir, isolated_ros_env())
    observer = None
    try:
        graph.start()
        observer = Observer(graph.domain_id, "graph_latency")
        observer.listen("image", "joint_command", "policy_status", "episode_event")
        deadline = time.monotonic() + 120
        while not observer.messages("episode_event") and time.monotonic() < deadline:
            time.sleep(0.1)
        if not observer.messages("episode_event"):
            raise SystemExit("graph_latency: the graph did not start an episode within 120 s (logs in "
                             f"{workdir})")
        start = time.monotonic()
        time.sleep(seconds)
        images = [t for t, _ in observer.messages("image") if t >= start]
        commands = [t for t, _ in observer.messages("joint_command") if t >= start]
        periods = []
        for t, msg in observer.messages("policy_status"):
            if t < start:
                continue
            for status in common.diagnostic_dicts(msg):
                value = status["values"].get("period_wall_ms")
                if status["values"].get("commanding") in ("True", "true") and value not in (None, "", "nan"):
                    periods.append(float(value) / 1000)
        period = load_runtime_params().policy.period
        codes = graph.interrupt()
    finally:
        if observer is not None:
            observer.close()
        graph.kill()
    return {"latency": latencies(images, commands), "jitter": [abs(p - period) for p in periods],
            "commands": len(commands), "exit_codes": codes}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0, help="wall seconds measured on each path")
    parser.add_argument("--checkpoint", default=None,
                        help="policy checkpoint (default: the shipped column 1, as both paths default to)")
    args = parser.parse_args(argv)
    if not args.seconds > 0:
        parser.error("--seconds must be > 0")
    local = in_process(args.seconds, args.checkpoint)
    with tempfile.TemporaryDirectory() as tmp:
        dds = over_dds(args.seconds, args.checkpoint, Path(tmp))
    print(f"camera frame -> joint command, {args.seconds:g} s per path (commands: in-process "
          f"{local['commands']}, DDS {dds['commands']})")
    print(f"{'':24} {'p50 ms':>8} {'p99 ms':>8}")
    for label, r in (("in-process runner", local), ("separate processes, DDS", dds)):
        print(f"  latency {label:24} {pct(r['latency'], 50) * 1e3:8.2f} {pct(r['latency'], 99) * 1e3:8.2f}")
    for label, r in (("in-process runner", local), ("separate processes, DDS", dds)):
        print(f"  jitter  {label:24} {pct(r['jitter'], 50) * 1e3:8.2f} {pct(r['jitter'], 99) * 1e3:8.2f}")
    added = (pct(dds["latency"], 99) - pct(local["latency"], 99)) * 1e3
    ratio = pct(dds["latency"], 99) / max(pct(local["latency"], 99), 1e-9)
    print(f"DDS adds {added:+.2f} ms at p99 (ratio {ratio:.2f}x; target <= +10 ms: "
          f"{'met' if added <= 10 else 'MISSED'}); exit codes after SIGINT: {dds['exit_codes']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
