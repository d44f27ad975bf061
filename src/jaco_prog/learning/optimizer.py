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

"""The optimiser over the trainable column, and sharing its statistics between A3C worker processes."""
from __future__ import annotations

import torch

from jaco_prog.learning.config import TrainConfig
from jaco_prog.nets.progressive import ProgressiveNet


def trainable_parameters(net: ProgressiveNet) -> list[torch.nn.Parameter]:
    return [p for p in net.parameters() if p.requires_grad]


def parameter_groups(net: ProgressiveNet, cfg: TrainConfig) -> list:
    """What the run's optimiser steps: the trainable parameters, or, with `output_lr_scale` (a progressive or
    finetune run), param groups in which the newest column's own output layer (the Linear giving its joint
    logits and value) has `lr_scale` = output_lr_scale. A new progressive column's output weights start at
    zero (nets.progressive.copy_output_layer) and, at the shared lr, grow by about lr per update while column
    1's laterals decide the actions (issue 26). The groups keep trainable_parameters' order, so the flat
    parameter order (A3C's shared state, checkpoints) does not change."""
    params = trainable_parameters(net)
    if cfg.output_lr_scale == 1 or cfg.mode == "scratch":
        return params
    output = {id(p) for p in net.trainable_column.output.parameters()}
    groups: list[dict] = []
    for p in params:
        scale = cfg.output_lr_scale if id(p) in output else 1.0
        if not groups or groups[-1]["lr_scale"] != scale:
            groups.append({"params": [], "lr": cfg.lr * scale, "lr_scale": scale})
        groups[-1]["params"].append(p)
    return groups


def value_warmup_parameters(net: ProgressiveNet) -> list[torch.nn.Parameter]:
    """The trainable parameters a value-only update may change while the policy stays exactly as it is.

    The last column's logits are its own output weights times its hidden layers, plus terms of the frozen
    columns. A value loss gives the policy rows of the output layer no gradient, so while those rows are zero
    (a new progressive column: nets.progressive.copy_output_layer) the policy does not depend on the column's
    hidden layers and the whole column may train. Otherwise (finetuning a trained column) only its heads may:
    the output layer, the privileged critic and the target head."""
    column = net.trainable_column
    if not column.output.weight[:-1].any():  # the last row is the value
        return trainable_parameters(net)
    heads = [column.output, *column.output_laterals]
    heads += [getattr(column, name) for name in ("critic", "aux_head") if hasattr(column, name)]
    return [p for head in heads for p in head.parameters() if p.requires_grad]


def begin_update(optimizer: torch.optim.Optimizer, cfg: TrainConfig, step: int) -> bool:
    """For an update begun at env step `step`: sets the learning rate of its phase (times each param group's
    `lr_scale`, see parameter_groups) and returns whether it is a value warm-up update (`value_warmup_steps`,
    at `value_warmup_lr`, 0 meaning `lr`). With `lr_schedule` linear, `lr` falls linearly from its value at
    step 0 to 0 at `total_steps`; a value warm-up's own rate is held."""
    warmup = step < cfg.value_warmup_steps
    if warmup:
        lr = cfg.value_warmup_lr or cfg.lr
    elif cfg.lr_schedule == "linear":
        lr = cfg.lr * max(0.0, 1.0 - step / cfg.total_steps)
    else:
        lr = cfg.lr
    for group in optimizer.param_groups:
        group["lr"] = lr * group.get("lr_scale", 1.0)
    return warmup


def make_optimizer(params: list, cfg: TrainConfig) -> torch.optim.Optimizer:
    """The optimiser over `params`: parameters, or param groups (parameter_groups) with their own lr."""
    if cfg.optimizer == "rmsprop":  # the A3C paper's choice, with statistics shared between workers
        if cfg.rmsprop_bias_correction:
            # torch's RMSprop starts its squared-gradient average at 0, so its first steps are about
            # lr / sqrt(1 - alpha) = 10 lr on every weight in the gradient's sign: enough to wreck a trained
            # column being finetuned within a few hundred updates. Dividing the average by (1 - alpha^t), as
            # Adam does, keeps every step near lr from the first one; Adam without momentum is that RMSprop.
            return torch.optim.Adam(params, lr=cfg.lr, betas=(0.0, cfg.rmsprop_alpha), eps=cfg.optimizer_eps)
        return torch.optim.RMSprop(params, lr=cfg.lr, alpha=cfg.rmsprop_alpha, eps=cfg.optimizer_eps)
    return torch.optim.Adam(params, lr=cfg.lr, eps=cfg.optimizer_eps)


@torch.no_grad()
def initialise_state(optimizer: torch.optim.Optimizer) -> None:
    """Create every parameter's optimiser state now (the optimiser makes it lazily on the first step), so it
    can be moved to shared memory before the workers start. A step with zero gradients creates zero
    statistics and leaves the parameters unchanged; its step count is then put back to zero."""
    params = [p for group in optimizer.param_groups for p in group["params"]]
    if all(p in optimizer.state and optimizer.state[p] for p in params):
        return
    for p in params:
        p.grad = torch.zeros_like(p)
    optimizer.step()
    for p in params:
        p.grad = None
        if "step" in optimizer.state[p]:
            optimizer.state[p]["step"].zero_()


def share_state(optimizer: torch.optim.Optimizer) -> list[dict[str, torch.Tensor]]:
    """Move the optimiser's per-parameter statistics to shared memory; returned in parameter order, for
    `attach_shared_state` in each worker."""
    initialise_state(optimizer)
    shared = []
    for group in optimizer.param_groups:
        for p in group["params"]:
            state = optimizer.state[p]
            for value in state.values():
                if torch.is_tensor(value):
                    value.share_memory_()
            shared.append(state)
    return shared


def attach_shared_state(optimizer: torch.optim.Optimizer, shared: list[dict[str, torch.Tensor]]) -> None:
    params = [p for group in optimizer.param_groups for p in group["params"]]
    if len(params) != len(shared):
        raise ValueError(f"optimiser has {len(params)} parameters, the shared state {len(shared)}")
    for p, state in zip(params, shared):
        optimizer.state[p] = state
