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

"""Progressive net (Rusu et al. 2016; sim-to-real use: Rusu et al. 2017 §2): K columns, the last one trainable.

Columns 0..K-2 are frozen (requires_grad False, kept in eval mode) and run under no_grad once per step; their
activations feed the laterals of every later column. Only the last column's outputs are computed: the
policy (one 3-way softmax per joint) and the value.

`forward` runs one step for a batch of envs (acting); `forward_sequence` runs a whole T x B training segment
with the conv levels batched over T*B frames and only the LSTM recurrence stepped over time (updates).
"""
from __future__ import annotations

from contextlib import nullcontext
from typing import NamedTuple

import torch
from torch import nn

from jaco_prog.nets.column import Column
from jaco_prog.nets.spec import ColumnSpec, NetSpec, NetSpecError


class NetOutput(NamedTuple):
    logits: torch.Tensor          # B x n_joints x 3
    value: torch.Tensor           # B
    state: torch.Tensor           # B x state_size: every LSTM column's [h, c], in column order
    aux: torch.Tensor | None      # B x 3 target position prediction, when the last column has the head
    output_value: torch.Tensor | None = None  # the output layer's value slot (differs from `value` only with
    #                                           an asymmetric critic, whose value comes from privileged state)


class ProgressiveNet(nn.Module):
    def __init__(self, spec: NetSpec):
        super().__init__()
        spec.validate()
        self.spec = spec
        self.columns = nn.ModuleList()
        for column_spec in spec.columns:
            self.columns.append(Column(column_spec, spec, list(self.columns)))
        self.state_sizes = [c.state_size for c in self.columns]
        self.state_size = sum(self.state_sizes)
        for column in self.frozen_columns:
            column.requires_grad_(False)
        self.train()

    @property
    def frozen_columns(self) -> list[Column]:
        return list(self.columns[:-1])

    @property
    def trainable_column(self) -> Column:
        return self.columns[-1]

    def train(self, mode: bool = True) -> "ProgressiveNet":
        super().train(mode)
        for column in self.frozen_columns:  # frozen columns never leave eval mode
            column.eval()
        return self

    def initial_state(self, batch: int = 1) -> torch.Tensor:
        return torch.zeros(batch, self.state_size)

    def forward(self, obs: dict[str, torch.Tensor], state: torch.Tensor,
                privileged: torch.Tensor | None = None) -> NetOutput:
        """obs: "pixels" uint8 B x H x W x 3 (as the env gives them) and/or "proprio" float B x 2*n_joints."""
        pixels, proprio = self.input_tensors(obs)
        states = state.split(self.state_sizes, dim=1)
        acts, new_states = [], []
        last = len(self.columns) - 1
        for k, column in enumerate(self.columns):
            with torch.no_grad() if k < last else nullcontext():
                column_acts, column_state = column.features(pixels, proprio, states[k], acts)
            acts.append(column_acts)
            new_states.append(column_state)
        logits, value, aux, output_value = self.trainable_column.outputs(acts[-1], acts[:-1], privileged)
        return NetOutput(logits, value, torch.cat(new_states, dim=1), aux, output_value)

    def forward_sequence(self, obs: dict[str, torch.Tensor], state: torch.Tensor, starts: torch.Tensor | None = None,
                         privileged: torch.Tensor | None = None) -> NetOutput:
        """The same outputs as T successive `forward` calls, computed with one batched pass where possible.

        obs: "pixels" uint8 T x B x H x W x 3 and/or "proprio" T x B x 2*n_joints; state: B x state_size before
        step 0; starts: T x B, 1 where an episode starts at that step (the recurrent state is zeroed before it,
        as a rollout does after a done), or None; privileged: T x B x privileged_dim or None.

        Every column's conv levels, laterals and core input run once over all T*B frames; only the LSTM
        recurrence steps through time. Frozen columns run under no_grad, once per frame. Returns logits
        T x B x joints x 3, value T x B, aux T x B x 3 (or None), and the state after step T-1 (not zeroed by
        any episode end at that step: the caller knows its dones)."""
        some = next(iter(obs.values()))
        steps, batch = some.shape[:2]
        flat = {key: value.reshape(steps * batch, *value.shape[2:]) for key, value in obs.items()}
        pixels, proprio = self.input_tensors(flat)
        keep = None if starts is None else 1.0 - starts.to(state.dtype)
        states = state.split(self.state_sizes, dim=1)
        acts, new_states = [], []
        last = len(self.columns) - 1
        for k, column in enumerate(self.columns):
            with torch.no_grad() if k < last else nullcontext():
                column_acts = column.encode(pixels, proprio, acts)
                pre = column_acts.pop("core_pre")
                core, column_state = column.core_sequence(pre.reshape(steps, batch, -1), states[k], keep)
                column_acts["core"] = core.reshape(steps * batch, -1)
            acts.append(column_acts)
            new_states.append(column_state)
        if privileged is not None:
            privileged = privileged.reshape(steps * batch, -1)
        logits, value, aux, output_value = self.trainable_column.outputs(acts[-1], acts[:-1], privileged)
        logits = logits.reshape(steps, batch, *logits.shape[1:])
        value = value.reshape(steps, batch)
        output_value = output_value.reshape(steps, batch)
        if aux is not None:
            aux = aux.reshape(steps, batch, -1)
        return NetOutput(logits, value, torch.cat(new_states, dim=1), aux, output_value)

    @staticmethod
    def input_tensors(obs: dict[str, torch.Tensor]) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """(pixels, proprio) as the columns take them: uint8 N x H x W x 3 pixels become float N x 3 x H x W
        in [0, 1]; either is None when `obs` lacks it."""
        pixels = obs.get("pixels")
        if pixels is not None:
            pixels = pixels.permute(0, 3, 1, 2).float() / 255.0
        proprio = obs.get("proprio")
        if proprio is not None:
            proprio = proprio.float()
        return pixels, proprio


def grow(net: ProgressiveNet, column: ColumnSpec) -> ProgressiveNet:
    """A net with one more column. Earlier columns keep their weights and are frozen; the new column's output
    layer starts as a copy of the previous column's output layer (own weights zero, lateral weights copied,
    paper §2.2), so the grown net's initial policy and value equal the previous net's on every input."""
    grown = ProgressiveNet(net.spec.with_column(column))
    missing, unexpected = grown.load_state_dict(net.state_dict(), strict=False)
    new_prefix = f"columns.{len(net.columns)}."
    if unexpected or any(not key.startswith(new_prefix) for key in missing):
        raise NetSpecError(f"cannot grow the net: parameters do not line up (missing {missing}, "
                           f"unexpected {unexpected})")
    copy_output_layer(grown.columns[-2], grown.columns[-1])
    return grown


@torch.no_grad()
def copy_output_layer(previous: Column, new: Column) -> None:
    """Make `new`'s outputs equal `previous`'s outputs. previous computes W h_prev + b + sum_j U_j h_j over the
    columns j before it; new computes W' h_new + b' + sum_j U'_j h_j + U'_prev h_prev. Setting W' = 0,
    b' = b, U'_j = U_j and U'_prev = W makes the two sums identical term by term."""
    new.output.weight.zero_()
    new.output.bias.copy_(previous.output.bias)
    for new_lateral, old_lateral in zip(new.output_laterals, previous.output_laterals):
        new_lateral.weight.copy_(old_lateral.weight)
    new.output_laterals[len(previous.output_laterals)].weight.copy_(previous.output.weight)
    # with privileged inputs on both sides, the value comes from the critic: copy it as well
    if previous.spec.asymmetric_critic and new.spec.asymmetric_critic and \
            previous.spec.critic_hidden == new.spec.critic_hidden:
        new.critic.load_state_dict(previous.critic.state_dict())
