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

"""Pretraining of a pixel column's encoder on what the simulator labels for free, before imitation.

The conv layers and the auxiliary head learn the palm-to-target vector alone from teacher-driven frames.
Trained only through the imitation loss, column 1's conv layers localised the target worse than the same
layers trained on position alone (bench/column1_perception.py), and localising the target is what a pixel
reacher lacks, not motor skill.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from jaco_prog.nets.progressive import ProgressiveNet
from jaco_prog.train_settings import ImitationConfig


def pretrain_encoder(net: ProgressiveNet, episodes: list, cfg: ImitationConfig) -> dict:
    """Train the conv layers and the aux head of the trainable column on `episodes`' palm-to-target vectors
    (EpisodeData.target). The first sixth of the episodes is held out to report the error. Returns the figures."""
    column = net.trainable_column
    n_test = max(1, len(episodes) // 6) if len(episodes) > 1 else 0
    train, test = episodes[n_test:], episodes[:n_test]
    pixels = np.concatenate([e.pixels for e in train])
    target = np.concatenate([e.target for e in train])
    params = [*column.level1.parameters(), *column.level2.parameters(), *column.aux_head.parameters()]
    optimizer = torch.optim.Adam(params, lr=cfg.pretrain_lr)
    rng = np.random.default_rng(cfg.seed)

    def squared_error(frames: np.ndarray, targets: np.ndarray) -> torch.Tensor:
        x = ProgressiveNet.input_tensors({"pixels": torch.from_numpy(frames)})[0]
        pred = column.target_prediction(column.encode(x, None, [])["level2"])
        return ((pred - torch.from_numpy(targets)) ** 2).sum(-1)

    def rms_cm(data: list) -> float:
        with torch.no_grad():
            errors = [squared_error(e.pixels, e.target) for e in data]
        return 100.0 * math.sqrt(torch.cat(errors).mean().item()) if errors else math.nan

    before = rms_cm(test)
    for _ in range(cfg.pretrain_updates):
        index = rng.integers(len(pixels), size=cfg.pretrain_batch)
        loss = squared_error(pixels[index], target[index]).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return {"frames": int(len(pixels)), "held_out_frames": int(sum(len(e) for e in test)),
            "updates": cfg.pretrain_updates, "held_out_rms_cm_before": round(before, 2),
            "held_out_rms_cm_after": round(rms_cm(test), 2), "train_rms_cm_after": round(rms_cm(train[:50]), 2)}
