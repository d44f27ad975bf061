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

"""How fast `jaco-prog evaluate` replays a bag, in multiples of real time (issue 6: >= 50x without a policy).

Records a bag with the in-process runner (scripted policy, sim, 20 Hz camera and policy), then times, in the same
run and on the same bag:
  baseline     reading and deserialising every message evaluation reads (BagSource.messages(), nothing else)
  evaluate     evaluate_bag() without a policy: the tracker on every frame, episodes, safety events (no video)
  + policy     evaluate_bag() with a random net as the checkpoint (policy re-run at every command)
Each is the best of --repeats runs; "x real time" is the bag's duration over the wall time, all costs included
(opening the bag, building the tracker and the sim cameras); "per frame" excludes that setup.

    .venv/bin/python bench/evaluate_throughput.py [--episodes 10] [--repeats 3] [--storage mcap|sqlite3]
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

os.environ.setdefault("MUJOCO_GL", "egl")


def _record(out: Path, episodes: int, storage: str) -> Path:
    from jaco_prog.cli import main

    with redirect_stdout(io.StringIO()):
        assert main(["run", "--sim", "--episodes", str(episodes), "--out", str(out), "--video-episodes", "0",
                     "--storage", storage]) == 0
    return next(out.iterdir()) / "bag"


def _checkpoint(path: Path) -> Path:
    import torch

    from jaco_prog.nets.checkpoint import save_checkpoint
    from jaco_prog.nets.progressive import ProgressiveNet
    from jaco_prog.nets.spec import ColumnSpec, NetSpec
    from jaco_prog.robot.profile import load_profile

    torch.manual_seed(0)
    p = load_profile("j2n6s300")
    spec = NetSpec(profile=p.to_dict(), columns=(ColumnSpec.preset("narrow", inputs="pixels+proprio"),),
                   proprio_dim=2 * p.n_joints, privileged_dim=6 + 2 * p.n_joints)
    return save_checkpoint(path, {"spec": spec.to_dict(), "model": ProgressiveNet(spec).state_dict()})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--storage", choices=("mcap", "sqlite3"), default="mcap")
    parser.add_argument("--no-policy", action="store_true", help="skip the run with a checkpoint")
    args = parser.parse_args()

    import torch

    from jaco_prog.evaluation import BagSource, EvalOptions, evaluate_bag
    from jaco_prog.evaluation.replay import KEYS, REQUIRED

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        bag = _record(tmp / "runs", args.episodes, args.storage)
        print(f"recorded {args.episodes} episodes ({args.storage}) in {time.perf_counter() - t0:.1f} s")

        def baseline():
            t = time.perf_counter()
            first = last = None
            frames = 0
            with BagSource(bag, KEYS, REQUIRED) as source:
                for t_ns, key, msg in source.messages():
                    first = t_ns if first is None else first
                    last = t_ns
                    frames += key == "image"
            return time.perf_counter() - t, (last - first) / 1e9, frames

        def evaluation(checkpoint=None):
            ev = evaluate_bag(bag, checkpoint, EvalOptions(video_episodes=()))
            return ev.wall, ev.duration, ev.frame_count, ev.wall - ev.setup_wall

        evaluation()  # warm caches (type store code generation, imports) before timing anything
        base = min((baseline() for _ in range(args.repeats)), key=lambda r: r[0])
        ev = min((evaluation() for _ in range(args.repeats)), key=lambda r: r[0])
        duration = base[1]
        print(f"bag: {duration:.1f} s of sim time, {base[2]} camera frames at 20 Hz")
        print(f"baseline (read + deserialise): {base[0]:.3f} s = {duration / base[0]:6.0f}x real time")
        print(f"evaluate, no policy:           {ev[0]:.3f} s = {duration / ev[0]:6.0f}x real time "
              f"({ev[3] / ev[2] * 1000:.2f} ms per frame after setup); {ev[0] / base[0]:.2f}x the baseline's time")
        ok = duration / ev[0] >= 50
        if not args.no_policy:
            ckpt = _checkpoint(tmp / "net" / "checkpoint.pt")
            evaluation(ckpt)
            pol = min((evaluation(ckpt) for _ in range(args.repeats)), key=lambda r: r[0])
            print(f"evaluate, with a policy:       {pol[0]:.3f} s = {duration / pol[0]:6.0f}x real time "
                  f"({pol[3] / pol[2] * 1000:.2f} ms per frame after setup); {pol[0] / base[0]:.2f}x the "
                  "baseline's time")
        print(f"target >= 50x real time without a policy: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
