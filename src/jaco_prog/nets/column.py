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

"""One column of a progressive net, and the lateral adapters that feed it from earlier columns.

Every column has the same four levels, whatever its inputs, so laterals line up level by level (Eq. 1):

    level 1  conv 8x8/4 on pixels          | dense on proprio (a proprio-only MLP column)
    level 2  conv 5x5/2 (+ laterals from earlier level 1)
    core     LSTM or FC on level 2 [+ proprio features] (+ laterals from earlier level 2)
    output   3 logits per joint and one value (+ laterals from earlier cores, without adapters)

Level 1 takes no laterals: its input (the observation) is the same for every column.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from jaco_prog.nets.spec import ACTIONS_PER_JOINT, ColumnSpec, NetSpec

CONV1 = (8, 4)  # kernel, stride (paper Table 1 caption)
CONV2 = (5, 2)


def conv_out(size: int, kernel: int, stride: int) -> int:
    return (size - kernel) // stride + 1


class Lateral(nn.Module):
    """Non-linear adapter from an earlier column's layer i-1 into this column's layer i (progressive nets §2):
    U * relu(V * (alpha * h)). alpha is a learned scalar that rescales the earlier features, V projects them
    onto `width` channels (1x1 conv for feature maps, linear for vectors), U maps into the target layer.

    The target is a feature map (conv 5x5/2 with `out` channels) when `target_conv` is given, else a vector of
    `out` pre-activations. A vector source feeding a conv target adds one value per channel, broadcast over
    the map (a proprio-only column followed by a pixel column)."""

    def __init__(self, source_shape: tuple[int, ...], width: int, out: int, target_conv: tuple[int, int] | None):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(()))
        self.source_is_map = len(source_shape) == 3
        self.target_is_map = target_conv is not None
        if self.source_is_map:
            channels, height, width_px = source_shape
            self.project = nn.Conv2d(channels, width, kernel_size=1)
            if self.target_is_map:
                self.into = nn.Conv2d(width, out, kernel_size=target_conv[0], stride=target_conv[1], bias=False)
            else:
                self.into = nn.Linear(width * height * width_px, out, bias=False)
        else:
            self.project = nn.Linear(source_shape[0], width)
            self.into = nn.Linear(width, out, bias=False)

    def forward(self, source: torch.Tensor) -> torch.Tensor:
        adapted = F.relu(self.project(self.alpha * source))
        if self.source_is_map and not self.target_is_map:
            adapted = adapted.flatten(1)
        out = self.into(adapted)
        if self.target_is_map and not self.source_is_map:
            out = out[:, :, None, None]
        return out


class Column(nn.Module):
    """Column k of a progressive net. `earlier` holds the layer shapes of columns 0..k-1."""

    def __init__(self, spec: ColumnSpec, net: NetSpec, earlier: list["Column"]):
        super().__init__()
        self.spec = spec
        self.n_joints = net.n_joints
        n_out = ACTIONS_PER_JOINT * self.n_joints + 1  # joint logits then the value
        height, width = net.pixels_shape[:2]

        # level 1 and level 2
        if spec.uses_pixels:
            self.level1 = nn.Conv2d(3, spec.conv1_channels, kernel_size=CONV1[0], stride=CONV1[1])
            self.level2 = nn.Conv2d(spec.conv1_channels, spec.conv2_channels, kernel_size=CONV2[0], stride=CONV2[1])
            h1, w1 = conv_out(height, *CONV1), conv_out(width, *CONV1)
            h2, w2 = conv_out(h1, *CONV2), conv_out(w1, *CONV2)
            self.level1_shape = (spec.conv1_channels, h1, w1)
            self.level2_shape = (spec.conv2_channels, h2, w2)
            level2_target_conv = CONV2
        else:
            self.level1 = nn.Linear(net.proprio_dim, spec.conv1_channels)
            self.level2 = nn.Linear(spec.conv1_channels, spec.conv2_channels)
            self.level1_shape = (spec.conv1_channels,)
            self.level2_shape = (spec.conv2_channels,)
            level2_target_conv = None
        self.level2_laterals = nn.ModuleList(
            Lateral(col.level1_shape, spec.adapter_width, spec.conv2_channels, level2_target_conv) for col in earlier)

        # core: LSTM or FC over the flattened level 2 features, joined with proprio features if any
        core_in = _numel(self.level2_shape)
        if spec.inputs == "pixels+proprio":
            self.proprio_features = nn.Linear(net.proprio_dim, spec.proprio_hidden)
            core_in += spec.proprio_hidden
        core_out = 4 * spec.hidden if spec.core == "lstm" else spec.hidden  # pre-activations the laterals add to
        self.core_input = nn.Linear(core_in, core_out)
        if spec.core == "lstm":
            self.core_recurrent = nn.Linear(spec.hidden, core_out, bias=False)
        self.core_laterals = nn.ModuleList(
            Lateral(col.level2_shape, spec.adapter_width, core_out, None) for col in earlier)

        # output: own weights plus plain linear laterals from earlier cores (no adapters, paper §2.2)
        self.output = nn.Linear(spec.hidden, n_out)
        self.output_laterals = nn.ModuleList(nn.Linear(col.spec.hidden, n_out, bias=False) for col in earlier)

        if spec.asymmetric_critic:
            self.critic = nn.Sequential(nn.Linear(net.privileged_dim, spec.critic_hidden), nn.ReLU(),
                                        nn.Linear(spec.critic_hidden, 1))
        if spec.aux_target:
            self.aux_head = nn.Linear(_numel(self.level2_shape), 3)

    @property
    def state_size(self) -> int:
        return 2 * self.spec.hidden if self.spec.core == "lstm" else 0

    def features(self, pixels: torch.Tensor | None, proprio: torch.Tensor | None, state: torch.Tensor,
                 earlier: list[dict]) -> tuple[dict, torch.Tensor]:
        """Hidden activations {level1, level2, core} and the next recurrent state. `earlier` holds the
        activations of earlier columns for this same step (computed once, shared by all later columns)."""
        acts = self.encode(pixels, proprio, earlier)
        acts["core"], state = self.core_step(acts.pop("core_pre"), state)
        return acts, state

    def encode(self, pixels: torch.Tensor | None, proprio: torch.Tensor | None, earlier: list[dict]) -> dict:
        """Everything but the recurrence, for any number of frames at once: {level1, level2, core_pre}, where
        core_pre is the core's input pre-activation (own input weights plus laterals from earlier level 2).
        Frames are independent here, so a T x B segment can go through as one batch of T*B frames."""
        x = pixels if self.spec.uses_pixels else proprio
        level1 = F.relu(self.level1(x))
        pre2 = self.level2(level1)
        for lateral, acts in zip(self.level2_laterals, earlier):
            pre2 = pre2 + lateral(acts["level1"])
        level2 = F.relu(pre2)

        core_in = level2.flatten(1)
        if self.spec.inputs == "pixels+proprio":
            core_in = torch.cat([core_in, F.relu(self.proprio_features(proprio))], dim=1)
        pre = self.core_input(core_in)
        for lateral, acts in zip(self.core_laterals, earlier):
            pre = pre + lateral(acts["level2"])
        return {"level1": level1, "level2": level2, "core_pre": pre}

    def core_step(self, pre: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One step of the core from its input pre-activation: (core output, next state)."""
        if self.spec.core == "lstm":
            h, c = state.split(self.spec.hidden, dim=1)
            gates = pre + self.core_recurrent(h)
            i, f, g, o = gates.chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            core = torch.sigmoid(o) * torch.tanh(c)
            return core, torch.cat([core, c], dim=1)
        return F.relu(pre), state

    def core_sequence(self, pre: torch.Tensor, state: torch.Tensor,
                      keep: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """The core over a segment. pre: T x B x core_out; state: B x state_size before step 0; keep: T x B,
        0 where the state is zeroed before that step (an episode starts there), or None. Returns the core
        outputs T x B x hidden and the state after the last step. A feedforward core is one batched op."""
        if self.spec.core != "lstm":
            return F.relu(pre), state
        outputs = []
        for t in range(pre.shape[0]):
            if keep is not None:
                state = state * keep[t].unsqueeze(1)
            core, state = self.core_step(pre[t], state)
            outputs.append(core)
        return torch.stack(outputs), state

    def outputs(self, acts: dict, earlier: list[dict], privileged: torch.Tensor | None):
        """(logits B x joints x 3, value B, aux target prediction B x 3 or None, the output layer's value slot B:
        the value itself unless an asymmetric critic supplies it)."""
        out = self.output(acts["core"])
        for lateral, earlier_acts in zip(self.output_laterals, earlier):
            out = out + lateral(earlier_acts["core"])
        logits = out[:, :-1].reshape(-1, self.n_joints, ACTIONS_PER_JOINT)
        output_value = out[:, -1]
        value = output_value
        if self.spec.asymmetric_critic:
            if privileged is None:
                raise ValueError("this column has an asymmetric critic: pass the privileged state")
            value = self.critic(privileged).squeeze(1)
        aux = self.target_prediction(acts["level2"]) if self.spec.aux_target else None
        return logits, value, aux, output_value

    def target_prediction(self, level2: torch.Tensor) -> torch.Tensor:
        """The aux head's target position (B x 3) from this column's level 2 activations."""
        return self.aux_head(level2.flatten(1))


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n
