"""Progressive net (Rusu et al. 2016; sim-to-real use: Rusu et al. 2017 §2): K columns, the last one trainable.

Columns 0..K-2 are frozen (requires_grad False, kept in eval mode) and run under no_grad once per step; their
activations feed the laterals of every later column. Only the last column's outputs are computed: the
policy (one 3-way softmax per joint) and the value.
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
        pixels = obs.get("pixels")
        if pixels is not None:
            pixels = pixels.permute(0, 3, 1, 2).float() / 255.0
        proprio = obs.get("proprio")
        if proprio is not None:
            proprio = proprio.float()
        states = state.split(self.state_sizes, dim=1)
        acts, new_states = [], []
        last = len(self.columns) - 1
        for k, column in enumerate(self.columns):
            with torch.no_grad() if k < last else nullcontext():
                column_acts, column_state = column.features(pixels, proprio, states[k], acts)
            acts.append(column_acts)
            new_states.append(column_state)
        logits, value, aux = self.trainable_column.outputs(acts[-1], acts[:-1], privileged)
        return NetOutput(logits, value, torch.cat(new_states, dim=1), aux)


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
