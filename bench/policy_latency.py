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

"""Policy forward latency: batch 1, one torch thread, no_grad, for 1-, 2- and 3-column progressive nets
(a wide LSTM first column, narrow LSTM later ones, pixels in; what the policy node runs each control step).
Median and p99 over --calls forwards each, the p99 against the 2 ms target (3 columns), and the ratio of
each net's median to the 1-column net's, measured in the same run.

    .venv/bin/python bench/policy_latency.py [--calls 2000] [--cpu 0] [--inputs pixels+proprio]

The nets are timed interleaved (one call of each in turn) so a busy machine slows all of them alike.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from jaco_prog.nets import ColumnSpec, NetSpec, ProgressiveNet
from jaco_prog.robot.profile import load_profile

TARGET_P99_MS = 2.0


def make_net(n_columns: int, inputs: str, profile: str) -> ProgressiveNet:
    robot = load_profile(profile)
    columns = [ColumnSpec.preset("wide", inputs=inputs)]
    columns += [ColumnSpec.preset("narrow", inputs=inputs)] * (n_columns - 1)
    n = robot.n_joints
    spec = NetSpec(profile=robot.to_dict(), columns=tuple(columns), pixels_shape=(64, 64, 3), proprio_dim=2 * n,
                   privileged_dim=6 + 2 * n)
    return ProgressiveNet(spec).eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000, help="timed forwards per net (>= 1000)")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--cpu", type=int, default=None, help="pin to this core")
    parser.add_argument("--inputs", default="pixels", choices=["pixels", "pixels+proprio"])
    parser.add_argument("--profile", default="j2n6s300")
    args = parser.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    torch.set_num_threads(1)
    torch.manual_seed(0)

    nets = {k: make_net(k, args.inputs, args.profile) for k in (1, 2, 3)}
    rng = np.random.default_rng(0)
    # a new observation every call, as from the camera; converting it to a tensor is part of the step
    frames = rng.integers(0, 256, (64, 64, 64, 3), dtype=np.uint8)
    proprio = rng.normal(size=(64, nets[1].spec.proprio_dim)).astype(np.float32)
    states = {k: net.initial_state(1) for k, net in nets.items()}
    times: dict[int, list[float]] = {k: [] for k in nets}

    def call(k: int, i: int) -> float:
        net = nets[k]
        start = time.perf_counter()
        obs = {"pixels": torch.from_numpy(frames[i % 64])[None]}
        if "proprio" in net.spec.observation_keys:
            obs["proprio"] = torch.from_numpy(proprio[i % 64])[None]
        out = net(obs, states[k])
        states[k] = out.state
        out.logits.argmax(-1)
        return time.perf_counter() - start

    with torch.no_grad():
        for i in range(args.warmup):
            for k in nets:
                call(k, i)
        for i in range(args.calls):
            for k in nets:
                times[k].append(call(k, i))

    print(f"policy forward, batch 1, 1 torch thread, {args.calls} calls each, inputs {args.inputs}, "
          f"torch {torch.__version__}")
    base = float(np.median(times[1]))
    for k, ts in times.items():
        ms = np.asarray(ts) * 1e3
        median, p99 = np.median(ms), np.percentile(ms, 99)
        params = sum(p.numel() for p in nets[k].parameters())
        verdict = f"p99 {'<=' if p99 <= TARGET_P99_MS else '>'} {TARGET_P99_MS} ms target" if k == 3 else ""
        print(f"{k} column{'s' if k > 1 else ' '} ({params:7d} params): median {median:.3f} ms   p99 {p99:.3f} ms   "
              f"median vs 1 column {median / 1e3 / base:.2f}x   {verdict}")


if __name__ == "__main__":
    main()
