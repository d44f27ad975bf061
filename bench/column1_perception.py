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

"""How precisely can column 1's pixel encoder find the target? A probe of the column-1 bottleneck.

Column 1 must read the target's position from 64x64 pixels; the reward needs the palm within 10 cm of it.
DAgger's auxiliary head (a linear map from the level-2 conv features to the target position) ended near 9.5 cm
RMS. This script tells apart "the architecture cannot localise better" from "training did not make it":

    guess the area's centre          the baseline: the error of knowing nothing
    shipped aux head                 column 1's own linear readout, as trained
    shipped features + MLP readout   column 1's frozen conv features, a fresh FC-128 readout fitted here
    fresh encoder + MLP readout      column 1's conv layers (8x8/4, 5x5/2) at random weights and the same
                                     readout, trained here end to end

on frames of the domain-randomised training task (random starts, then a few random actions so the arm is
anywhere), the target's position from privileged state. Prints RMS errors in cm on held-out frames and the
ratio of each to the baseline.

    .venv/bin/python bench/column1_perception.py                     # ~4 min: 6 000 frames, 15 epochs
    .venv/bin/python bench/column1_perception.py --frames 30000 --epochs 30
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

os.environ.setdefault("MUJOCO_GL", "egl")
MLP_HIDDEN = 128  # the wide column's core width


def collect(frames: int, seed: int, preset: str | None, max_random_steps: int, progress: bool):
    from jaco_prog.sim import make_env

    env = make_env(task="reach", preset=preset)
    rng = np.random.default_rng(seed)
    pixels, targets = [], []
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=frames, desc="frames", unit="fr")
    episode = 0
    try:
        while len(pixels) < frames:
            obs, info = env.reset(seed=seed + episode)
            episode += 1
            for _ in range(int(rng.integers(0, max_random_steps + 1))):
                obs, _, terminated, truncated, info = env.step(env.action_space.sample())
                if terminated or truncated:
                    break
            pixels.append(obs["pixels"])
            targets.append(np.asarray(info["privileged"]["target_pos"], np.float32))
            if bar is not None:
                bar.update(1)
    finally:
        env.close()
        if bar is not None:
            bar.close()
    return np.stack(pixels), np.stack(targets)


def rms_cm(pred, target) -> float:
    return float(np.sqrt(((pred - target) ** 2).sum(-1).mean()) * 100)


def fit(model, params, x_train, y_train, x_test, epochs: int, lr: float, batch: int = 64) -> np.ndarray:
    import torch

    opt = torch.optim.Adam(params, lr=lr)
    gen = torch.Generator().manual_seed(0)
    for _ in range(epochs):
        order = torch.randperm(len(x_train), generator=gen)
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            loss = ((model(x_train[idx]) - y_train[idx]) ** 2).sum(-1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        return model(x_test).numpy()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", default="models/column1_reach_wide_lstm.pt")
    parser.add_argument("--frames", type=int, default=6000, help="frames in all; a sixth are held out")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--preset", default=None, help="simulator variation (default: the training task)")
    parser.add_argument("--max-random-steps", type=int, default=30)
    parser.add_argument("--seed", type=int, default=3_000_000)
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    args = parser.parse_args(argv)
    if not os.path.exists(args.checkpoint):
        print(f"error: checkpoint {args.checkpoint} does not exist", file=sys.stderr)
        return 2

    import torch
    from torch import nn

    from jaco_prog.nets.checkpoint import load_net
    from jaco_prog.nets.progressive import ProgressiveNet

    torch.manual_seed(0)
    started = time.monotonic()
    pixels, targets = collect(args.frames, args.seed, args.preset, args.max_random_steps, args.progress)
    collect_s = time.monotonic() - started
    n_test = max(1, len(pixels) // 6)
    x = torch.from_numpy(pixels)               # uint8 N x H x W x 3, as the net takes it
    y = torch.from_numpy(targets)
    x_train, y_train, x_test, y_test = x[n_test:], y[n_test:], x[:n_test], targets[:n_test]

    net, _ = load_net(args.checkpoint)
    net.eval()
    column = net.columns[0]

    def level2(of_column, frames):
        return of_column.encode(ProgressiveNet.input_tensors({"pixels": frames})[0], None, [])["level2"].flatten(1)

    def mlp_readout(n_in: int):
        return nn.Sequential(nn.Linear(n_in, MLP_HIDDEN), nn.ReLU(), nn.Linear(MLP_HIDDEN, 3))

    rows = [("guess the area's centre", rms_cm(np.broadcast_to(y_train.numpy().mean(0), y_test.shape), y_test))]
    with torch.no_grad():
        features_train, features_test = level2(column, x_train), level2(column, x_test)
    if column.spec.aux_target:
        with torch.no_grad():
            rows.append(("shipped aux head (linear)", rms_cm(column.target_prediction(features_test).numpy(), y_test)))

    readout = mlp_readout(features_train.shape[1])
    pred = fit(readout, readout.parameters(), features_train, y_train, features_test, args.epochs, args.lr)
    rows.append(("shipped features + MLP readout", rms_cm(pred, y_test)))

    # the same column architecture at fresh random weights (spec from the checkpoint), conv layers trained here
    fresh_column = ProgressiveNet(net.spec).columns[0]
    fresh_readout = mlp_readout(features_train.shape[1])

    def fresh(frames):
        return fresh_readout(level2(fresh_column, frames))

    params = [*fresh_column.level1.parameters(), *fresh_column.level2.parameters(), *fresh_readout.parameters()]
    pred = fit(fresh, params, x_train, y_train, x_test, args.epochs, args.lr)
    rows.append(("fresh encoder + MLP readout", rms_cm(pred, y_test)))

    baseline = rows[0][1]
    print(f"target localisation on {n_test} held-out frames ({len(x_train)} to fit, {args.epochs} epochs; "
          f"frames collected in {collect_s:.0f} s, all in {time.monotonic() - started:.0f} s)")
    print(f"{'readout':34s} {'RMS error (cm)':>15s} {'ratio to baseline':>18s}")
    for name, err in rows:
        print(f"{name:34s} {err:15.1f} {err / baseline:18.2f}")
    print("(the reward needs the palm within 10 cm of the target's centre)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
