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

"""The 20 Hz policy loop with online learning on and off, in the same run (issue 25 item 2).

The net is the one the learner trains: a narrow progressive column grown on column 1 (the shipped one unless
--checkpoint). Per engine, three conditions of --ticks policy ticks each, paced to the wall clock:
  off         the loop acting with that net, no learner (policy_node learn:=false);
  background  the online learner acting, its updates in a thread beside the loop (the default:
              runtime.yaml learner.background true);
  inline      the online learner with its updates inside the loop's tick (learner.background false): what the
              thread avoids.
Engines: `processes` (the launched graph: sim_node, tracker_node and policy_node as processes over DDS, as
sim.launch.py declares them; the period is policy_node's own wall-clock period from /policy/diagnostics) and
`inprocess` (the same components in one process, `jaco-prog run --sim --realtime`: the sim shares the
process, and the interpreter, with the learner thread, a harder case than the node's).
Figures per condition: the wall-clock period p50 / p99 / max, missed deadlines = periods longer than the
driver's watchdog (safety.yaml command_timeout: the arm would stop between two commands), periods over 1.5
nominal, and the updates done meanwhile; ratios of p99 against `off`, measured in the same run.

    nice .venv/bin/python bench/online_period.py [--ticks 1000] [--engine processes|inprocess|both] [--smoke]
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MUJOCO_GL", "egl")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import yaml  # noqa: E402

CONDITIONS = ("off", "background", "inline")
PRESET = "real_proxy"


def figures(periods_s: list[float], nominal: float, watchdog: float) -> dict:
    a = np.asarray(periods_s)
    return {"n": len(a), "p50_ms": float(np.percentile(a, 50) * 1e3), "p99_ms": float(np.percentile(a, 99) * 1e3),
            "max_ms": float(a.max() * 1e3), "missed": int((a > watchdog).sum()), "late": int((a > 1.5 * nominal).sum())}


def learner_config(column1: str, run_dir: Path, steps: int):
    from jaco_prog.learning.online import online_config
    from jaco_prog.runtime.params import load_runtime_params

    return online_config(load_runtime_params().learner.train, overrides={
        "from_checkpoint": column1, "run_dir": str(run_dir), "preset": PRESET, "total_steps": steps})


# --- in one process --------------------------------------------------------------------------------------
def inprocess(condition: str, column1: str, ticks: int, tmp: Path) -> tuple[list[float], dict]:
    from jaco_prog.learning.online import OnlineLearner, open_online_run
    from jaco_prog.nets.policy import Policy
    from jaco_prog.runtime.inprocess import build_graph
    from jaco_prog.runtime.params import load_runtime_params
    from jaco_prog.runtime.policy_loop import NetActor, PolicyLoop
    from jaco_prog.runtime.sim_world import SimWorld

    params = load_runtime_params()
    params = dataclasses.replace(params, policy=dataclasses.replace(params.policy, stats_window=ticks + 10))
    world = SimWorld.build(preset=PRESET, params=params)
    run, _ = open_online_run(learner_config(column1, tmp / f"inprocess-{condition}", 10 ** 9), world.profile,
                             params.policy.image_size)
    learner = None
    if condition == "off":
        actor = NetActor(Policy(run.net, run.net.spec), greedy=params.policy.greedy)
        run.logger.close()
    else:
        learner = actor = OnlineLearner(run, background=condition == "background")
    loop = PolicyLoop(actor, world.profile.joint_names, world.profile.action_velocities, params.policy)
    graph = build_graph(world, loop, params, learner=learner)
    try:
        graph.run(None, realtime=True, max_ticks=(ticks + 20) * graph.policy_every,
                  until=lambda: len(loop.stats.periods_wall) >= ticks)
    finally:
        status = learner.status() if learner else {}
        if learner:
            learner.close(save=False)
        world.close()
    return list(loop.stats.periods_wall)[:ticks], status


# --- the launched graph ------------------------------------------------------------------------------------
def processes(condition: str, column1: str, grown: str, ticks: int, tmp: Path) -> tuple[list[float], dict]:
    from jaco_prog.nodes import common
    from jaco_prog.nodes.observer import Observer
    from jaco_prog.paths import config_path
    from jaco_prog.testing.graph import GraphProcesses, isolated_ros_env
    from jaco_prog.testing.launch_files import declared_nodes

    arguments = {"rviz": "false", "record": "false", "preset": PRESET}
    extra = {}
    if condition == "off":
        arguments["checkpoint"] = grown
    else:
        arguments.update(checkpoint=column1, learn="true", run_dir=str(tmp / f"processes-{condition}"))
        if condition == "inline":
            runtime = yaml.safe_load(config_path("runtime.yaml").read_text())
            runtime["learner"]["background"] = False
            path = tmp / "runtime-inline.yaml"
            path.write_text(yaml.safe_dump(runtime))
            extra = {"policy_node": {"runtime_config": str(path)}}
    graph = GraphProcesses(declared_nodes("sim.launch.py", arguments), tmp / f"graph-{condition}",
                           isolated_ros_env(), extra_parameters=extra)
    observer = Observer(graph.domain_id)
    try:
        observer.listen("policy_status")
        graph.start()

        def statuses(name):
            return [s for _, m in observer.messages("policy_status") for s in common.diagnostic_dicts(m)
                    if s["name"] == f"policy_node/{name}"]

        def started():  # periods from the first episode on (the start-up's first ticks are not the loop's)
            loop = statuses("loop")
            first = next((i for i, s in enumerate(loop) if s["values"].get("commanding") == "true"), None)
            return None if first is None else loop[first:]

        observer.wait_for(lambda: (started() or []).__len__() >= ticks + 1, 120 + 3 * ticks / 20,
                          f"{ticks} policy ticks", graph)
        loop = started()[1:ticks + 1]
        learner = statuses("learner")
        status = learner[-1]["values"] if learner else {}
    finally:
        observer.close()
        graph.interrupt()
    periods = [float(s["values"]["period_wall_ms"]) / 1e3 for s in loop if s["values"].get("period_wall_ms")]
    return periods, status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ticks", type=int, default=1000, help="policy ticks per condition (default %(default)s)")
    parser.add_argument("--engine", choices=("processes", "inprocess", "both"), default="both")
    parser.add_argument("--checkpoint", default=None, help="column 1 (default: the shipped one)")
    parser.add_argument("--smoke", action="store_true", help="100 ticks per condition")
    args = parser.parse_args()
    if args.smoke:
        args.ticks = 100
    from jaco_prog.nets.checkpoint import save_checkpoint
    from jaco_prog.robot.profile import load_profile
    from jaco_prog.runtime.params import load_runtime_params
    from jaco_prog.safety.params import load_safety_params

    torch.set_num_threads(1)
    params = load_runtime_params()
    column1 = args.checkpoint or str(params.policy.default_checkpoint_path())
    nominal = params.policy.period
    watchdog = load_safety_params("j2n6s300").command_timeout
    tmp = Path(tempfile.mkdtemp(prefix="online_period-"))
    try:
        from jaco_prog.learning.online import open_online_run

        run, _ = open_online_run(learner_config(column1, tmp / "grown", 1), load_profile("j2n6s300"),
                                 params.policy.image_size)
        run.logger.close()
        grown = str(save_checkpoint(tmp / "grown.pt", {"spec": run.net.spec.to_dict(),
                                                        "model": run.net.state_dict()}))
        engines = ("processes", "inprocess") if args.engine == "both" else (args.engine,)
        print(f"policy period at {params.policy.rate:g} Hz (nominal {nominal * 1e3:.0f} ms; driver watchdog "
              f"{watchdog * 1e3:.0f} ms), {args.ticks} ticks per condition; net: a narrow progressive column on "
              f"{column1}; preset {PRESET}", flush=True)
        for engine in engines:
            results = {}
            for condition in CONDITIONS:
                t0 = time.monotonic()
                if engine == "processes":
                    periods, status = processes(condition, column1, grown, args.ticks, tmp)
                else:
                    periods, status = inprocess(condition, column1, args.ticks, tmp)
                results[condition] = f = figures(periods, nominal, watchdog)
                learnt = (f"; {status.get('updates')} updates learnt {status.get('steps')} steps, update p50 "
                          f"{float(status.get('update_ms_p50') or 'nan'):.1f} ms, max "
                          f"{float(status.get('update_ms_max') or 'nan'):.1f} ms") if status else ""
                print(f"  {engine:9s} {condition:10s} period p50 {f['p50_ms']:6.1f} ms  p99 {f['p99_ms']:6.1f} ms  "
                      f"max {f['max_ms']:6.1f} ms  missed deadlines (> watchdog) {f['missed']:3d}/{f['n']}  "
                      f"> 1.5 periods {f['late']:3d}{learnt}  [{time.monotonic() - t0:.0f} s]", flush=True)
            off = results["off"]["p99_ms"]
            print(f"  {engine}: period p99 learning / not: background {results['background']['p99_ms'] / off:.2f}x, "
                  f"inline {results['inline']['p99_ms'] / off:.2f}x", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
