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

"""Environment throughput on one core, against baselines measured in the same run.

1. One env: env steps/s (random actions, resets included) next to the raw limit: the same number of
   mj_step calls plus one 64x64 render per step, with the env's own render settings. Target >= 0.9x.
   And the env's step through the deployed driver + safety layer against its unfiltered step
   (make_env(safety=False)), same actions. Target >= 0.85x. Also in CPU time (every thread of the process,
   the renderer's too): on a shared machine the wall-clock ratio moves with the other jobs' load, CPU time
   much less. And a bound on what any shortcut inside the layer could reach: the step with driver + layer
   run in its first driver period only (not safe; a measurement).
2. Several envs per process (one GL context, one viewport per env, one readback per step): steps/s per
   core against the one-env loop. Target >= 1.5x.
3. Context: what the render settings buy: MuJoCo's stock Renderer (shadows, 4x multisampling, 28x16
   tessellation) against ours at 64x64.

    .venv/bin/python bench/env_throughput.py [--steps 2000] [--cpu 0]
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("MUJOCO_GL", "egl")

import mujoco  # noqa: E402
import numpy as np  # noqa: E402

from jaco_prog.sim import make_env  # noqa: E402
from jaco_prog.sim.render import SceneRenderer, View  # noqa: E402
from jaco_prog.sim.scene import POLICY_CAMERA  # noqa: E402
from jaco_prog.sim.task_config import load_task_config  # noqa: E402
from jaco_prog.sim.vector_env import JacoVectorEnv  # noqa: E402


def rate(fn, n: int) -> float:
    return rates(fn, n)[0]


def rates(fn, n: int) -> tuple[float, float]:
    """(calls/s in wall-clock time, calls/s in this process's CPU time)."""
    start, cpu = time.perf_counter(), time.process_time()
    fn(n)
    return n / (time.perf_counter() - start), n / (time.process_time() - cpu)


def check_only_the_first_period(env) -> None:
    """Make the env's driver run driver + safety layer in the first driver period of each step only; the later
    periods send the layer's last output unchecked. Not safe: it measures what the layer's work costs."""
    driver, layer, periods = env.arm.driver, env.arm.layer, env.driver_periods
    full_step, count = driver.step, [0]

    def step():
        count[0] += 1
        if (count[0] - 1) % periods == 0:
            return full_step()
        env.sim.set_velocity_command(layer.last_output)
    driver.step = step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=2000, help="env steps per measurement")
    parser.add_argument("--cpu", type=int, default=0, help="the core to pin to")
    parser.add_argument("--vector-sizes", type=int, nargs="+", default=[4, 8, 16])
    args = parser.parse_args()
    os.sched_setaffinity(0, {args.cpu})
    n = args.steps

    env = make_env(seed=0)
    substeps = env.physics_substeps
    model = env.model
    rng = np.random.default_rng(0)
    actions = rng.integers(0, 3, size=(n, env.profile.n_joints))
    commands = [env.velocity_command(a) for a in actions]
    # The raw loop replays the same velocity commands from the same start, so it does the same physics
    # (same contacts, same limit constraints) and the same rendering, with none of the env's logic.
    env.reset(seed=1)
    start_qpos, start_mocap = env.data.qpos.copy(), env.data.mocap_pos.copy()
    data = mujoco.MjData(model)
    raw_renderer = SceneRenderer(model, 64, 64)
    raw_view = View(model, data, POLICY_CAMERA)
    actuators = env.sim._actuators

    def raw(k):
        for i in range(k):
            if i % env.cfg.task.episode_steps == 0:
                mujoco.mj_resetData(model, data)
                data.qpos[:], data.mocap_pos[:] = start_qpos, start_mocap
            data.ctrl[actuators] = commands[i % n]
            mujoco.mj_step(model, data, nstep=substeps)
            raw_renderer.render([raw_view])

    def stepping(e):
        def loop(k):
            e.reset(seed=1)
            for i in range(k):
                _, _, terminated, truncated, _ = e.step(actions[i % n])
                if terminated or truncated:
                    e.reset(seed=1)
        return loop

    unfiltered_env = make_env(seed=0, safety=False)
    env_loop, unfiltered_loop = stepping(env), stepping(unfiltered_env)

    raw(50), env_loop(50), unfiltered_loop(50)  # warm up
    raw_rate, (env_rate, env_cpu), unfiltered = rate(raw, n), rates(env_loop, n), rates(unfiltered_loop, n)
    raw_rate = max(raw_rate, rate(raw, n))  # best of two for the baselines: the ratios err against us
    unfiltered_rate, unfiltered_cpu = np.maximum(unfiltered, rates(unfiltered_loop, n))
    print(f"one env, one core: {env_rate:8.0f} steps/s   raw limit ({substeps} mj_step + one 64x64 render): "
          f"{raw_rate:8.0f} steps/s   ratio {env_rate / raw_rate:.2f}x (target >= 0.9x)")
    print(f"train as you deploy: the step through driver + safety layer ({env.driver_periods} driver periods) "
          f"{env_rate:8.0f} steps/s   the unfiltered step {unfiltered_rate:8.0f} steps/s   ratio "
          f"{env_rate / unfiltered_rate:.2f}x (target >= 0.85x)")
    print(f"  the same in CPU time: {env_cpu:8.0f} steps/s   the unfiltered step {unfiltered_cpu:8.0f} steps/s   ratio "
          f"{env_cpu / unfiltered_cpu:.2f}x")
    # What any shortcut inside the layer could reach at best: a step whose first driver period runs driver +
    # layer and whose other periods only hold the layer's last output (no check at all, not safe: a bound).
    ideal_env = make_env(seed=0)
    check_only_the_first_period(ideal_env)
    ideal_loop = stepping(ideal_env)
    ideal_loop(50)
    ideal_rate, ideal_cpu = rates(ideal_loop, n)
    print(f"  bound: only the first of the {env.driver_periods} driver periods through driver + layer "
          f"{ideal_rate:8.0f} steps/s   ratio {ideal_rate / unfiltered_rate:.2f}x  "
          f"(CPU time {ideal_cpu / unfiltered_cpu:.2f}x)")
    ideal_env.close()
    unfiltered_env.close()

    for size in args.vector_sizes:
        venv = JacoVectorEnv(size, load_task_config())
        venv.reset(seed=0)

        # the one-env loop's random action stream, spread over the envs: a fixed action would drive every arm
        # into the workspace boundary, where the safety layer's look-ahead runs every period
        def vec_loop(k):
            for step in range(k // size):
                venv.step(actions[(np.arange(size) + step * size) % n])

        vec_loop(size * 5)
        vec_rate = rate(vec_loop, max(n, size * 20))
        print(f"{size:2d} envs, one process, one core: {vec_rate:8.0f} steps/s   ratio vs one-env loop "
              f"{vec_rate / env_rate:.2f}x (target >= 1.5x)")
        venv.close()

    stock_model = make_env(overrides={"scene": {"render_slices": 28, "render_stacks": 16}})
    stock_model.model.vis.quality.offsamples = 4
    stock_full = mujoco.Renderer(stock_model.model, 64, 64)

    def stock_full_render(k):
        for _ in range(k):
            stock_full.update_scene(stock_model.data, camera=POLICY_CAMERA)
            stock_full.render()

    ours = rate(lambda k: [raw_renderer.render([raw_view]) for _ in range(k)], n // 2)
    stock_rate = rate(stock_full_render, n // 4)
    print(f"64x64 renders/s: ours {ours:8.0f}   stock mujoco.Renderer (shadows, 4x MSAA, 28x16 tessellation) "
          f"{stock_rate:8.0f}   ratio {ours / stock_rate:.1f}x")
    stock_full.close()
    stock_model.close()
    raw_renderer.close()
    env.close()


if __name__ == "__main__":
    main()
