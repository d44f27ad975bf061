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

"""NetSpec: plain data that fully describes a progressive net, so a checkpoint can rebuild it alone.

A spec holds the robot profile (which fixes the action space: one 3-way softmax per joint), the observation
shapes, and one ColumnSpec per column in order. It round-trips through `to_dict`/`from_dict` using only
str/int/float/bool/None/list/dict, which is what `torch.load(weights_only=True)` accepts.
"""
from __future__ import annotations

from dataclasses import KW_ONLY, asdict, dataclass, fields, replace

from jaco_prog.errors import UserError

ACTIONS_PER_JOINT = 3  # index 0 -> -v, 1 -> 0, 2 -> +v (paper section 4)
COLUMN_INPUTS = ("pixels", "pixels+proprio", "proprio")
CORES = ("lstm", "ff")
SPEC_VERSION = 1


def size_presets() -> dict:
    """The named column sizes, {size: {layer size name: int}}: config/train.yaml `column_sizes`, their one home
    (wide: the usual A3C Atari sizes; narrow: small enough that a robot-trained column adds few parameters next
    to its laterals; docs/networks.md)."""
    from jaco_prog.train_settings import TrainConfig  # torch-free; imported on use, it imports this module

    return TrainConfig().column_sizes


def __getattr__(name: str):
    if name == "SIZE_PRESETS":  # the older name of size_presets(), kept for callers of the constant
        return size_presets()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class NetSpecError(UserError):
    """A net description is inconsistent (unknown column kind, a proprio column without proprio input...)."""


LEGACY_CRITIC_HIDDEN = 64  # what every column had before config/train.yaml's column_sizes said so


@dataclass(frozen=True)
class ColumnSpec:
    inputs: str = "pixels"          # pixels | pixels+proprio | proprio (an MLP column, paper Fig. 7)
    core: str = "lstm"              # lstm (recurrent) | ff (one fully connected layer)
    # The sizes have no default: a column's come from a sizes table (size_presets(), a config's column_sizes)
    # or from its checkpoint. Keyword-only.
    _: KW_ONLY
    conv1_channels: int             # conv 8x8 stride 4; for a proprio column: units of its first dense layer
    conv2_channels: int             # conv 5x5 stride 2; for a proprio column: units of its second dense layer
    hidden: int                     # LSTM / FC units
    proprio_hidden: int             # proprio -> linear + ReLU, joined with the conv features (pixels+proprio)
    adapter_width: int              # channels/units a lateral adapter projects earlier features onto
    critic_hidden: int              # units of the asymmetric critic's hidden layer (on privileged sim state)
    asymmetric_critic: bool = False  # value from privileged sim state instead of the core (Zhu et al.)
    aux_target: bool = False        # auxiliary head: target position from this column's conv features

    @classmethod
    def preset(cls, size: str, **overrides) -> "ColumnSpec":
        """A column of a named size of config/train.yaml column_sizes (wide, narrow), `overrides` over it."""
        presets = size_presets()
        if size not in presets:
            raise NetSpecError(f"unknown column size {size!r}; choose one of {', '.join(presets)}")
        return cls(**{**presets[size], **overrides})

    @classmethod
    def from_sizes(cls, column_sizes: dict, size: str, **flags) -> "ColumnSpec":
        """A column whose sizes come from a config's `column_sizes` table (wide/narrow, user-editable)."""
        sizes = column_sizes.get(size)
        if not isinstance(sizes, dict):
            raise NetSpecError(f"column_sizes has no {size!r} entry; it has {', '.join(column_sizes) or 'none'}")
        # a run saved before critic_hidden was a size of the table (2026-12-02) had this critic
        sizes = {"critic_hidden": LEGACY_CRITIC_HIDDEN, **sizes}
        try:
            return cls(**sizes, **flags)
        except TypeError as err:
            raise NetSpecError(f"column_sizes.{size}: {err}") from err

    @property
    def uses_pixels(self) -> bool:
        return self.inputs in ("pixels", "pixels+proprio")

    @property
    def uses_proprio(self) -> bool:
        return self.inputs in ("pixels+proprio", "proprio")

    def validate(self, where: str) -> None:
        if self.inputs not in COLUMN_INPUTS:
            raise NetSpecError(f"{where}.inputs: {self.inputs!r} is not one of {', '.join(COLUMN_INPUTS)}")
        if self.core not in CORES:
            raise NetSpecError(f"{where}.core: {self.core!r} is not one of {', '.join(CORES)}")
        for name in ("conv1_channels", "conv2_channels", "hidden", "proprio_hidden", "adapter_width",
                     "critic_hidden"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise NetSpecError(f"{where}.{name}: must be a positive integer (got {value!r})")
        if self.aux_target and not self.uses_pixels:
            raise NetSpecError(f"{where}.aux_target: the auxiliary head reads conv features; "
                               f"a {self.inputs!r} column has none")


@dataclass(frozen=True)
class NetSpec:
    profile: dict                               # RobotProfile.to_dict(): name, joint_names, ...
    columns: tuple[ColumnSpec, ...]
    pixels_shape: tuple[int, int, int] = (64, 64, 3)   # H, W, C as the env gives them (uint8 HWC)
    proprio_dim: int = 0                        # 2 * n_joints: joint angles then velocities
    privileged_dim: int = 0                     # asymmetric critic input: target_pos, palm_pos, proprio
    version: int = SPEC_VERSION

    @property
    def n_joints(self) -> int:
        return len(self.profile["joint_names"])

    @property
    def n_columns(self) -> int:
        return len(self.columns)

    @property
    def observation_keys(self) -> list[str]:
        """The observation entries the net reads (every column's inputs; pixels reach earlier columns)."""
        keys = []
        if any(c.uses_pixels for c in self.columns):
            keys.append("pixels")
        if any(c.uses_proprio for c in self.columns):
            keys.append("proprio")
        return keys

    def with_column(self, column: ColumnSpec) -> "NetSpec":
        return replace(self, columns=tuple(self.columns) + (column,))

    def validate(self) -> None:
        if not self.columns:
            raise NetSpecError("net spec: needs at least one column")
        if not isinstance(self.profile, dict) or not self.profile.get("joint_names"):
            raise NetSpecError("net spec: profile must be a robot profile dict with joint_names")
        for i, column in enumerate(self.columns):
            column.validate(f"net spec: columns[{i}]")
        h, w, c = self.pixels_shape
        if "pixels" in self.observation_keys and (c != 3 or min(h, w) < 24):
            # conv 8x8/4 then 5x5/2 needs at least 24 pixels a side to leave one output position
            raise NetSpecError(f"net spec: pixels_shape {self.pixels_shape} must be HxWx3 with H, W >= 24")
        if "proprio" in self.observation_keys and self.proprio_dim < 1:
            raise NetSpecError("net spec: a column reads proprio but proprio_dim is 0")
        if any(c.asymmetric_critic for c in self.columns) and self.privileged_dim < 1:
            raise NetSpecError("net spec: an asymmetric critic needs privileged_dim > 0")

    def to_dict(self) -> dict:
        return {"version": self.version, "profile": dict(self.profile),
                "pixels_shape": list(self.pixels_shape), "proprio_dim": self.proprio_dim,
                "privileged_dim": self.privileged_dim, "columns": [asdict(c) for c in self.columns]}

    @classmethod
    def from_dict(cls, data: dict) -> "NetSpec":
        if not isinstance(data, dict):
            raise NetSpecError("net spec: expected a mapping")
        version = data.get("version")
        if version != SPEC_VERSION:
            raise NetSpecError(f"net spec: version {version!r} is not supported (this code reads {SPEC_VERSION})")
        known = {f.name for f in fields(ColumnSpec)}
        columns = []
        for i, raw in enumerate(data.get("columns") or []):
            unknown = set(raw) - known
            if unknown:
                raise NetSpecError(f"net spec: columns[{i}] has unknown fields {sorted(unknown)}")
            try:
                columns.append(ColumnSpec(**raw))
            except TypeError as err:  # a size missing
                raise NetSpecError(f"net spec: columns[{i}]: {err}") from err
        spec = cls(profile=dict(data.get("profile") or {}), columns=tuple(columns),
                   pixels_shape=tuple(int(v) for v in data.get("pixels_shape", (64, 64, 3))),
                   proprio_dim=int(data.get("proprio_dim", 0)), privileged_dim=int(data.get("privileged_dim", 0)),
                   version=version)
        spec.validate()
        return spec


def privileged_dim_for(proprio_dim: int) -> int:
    """Asymmetric critic input: target_pos (3) + palm_pos (3) + proprio; see learning.envs.privileged_vector."""
    return 6 + proprio_dim


def spec_for_env(observation_space, profile: dict, column: ColumnSpec,
                 earlier: tuple[ColumnSpec, ...] = ()) -> NetSpec:
    """A spec whose observation shapes come from a gymnasium Dict observation space."""
    spaces = observation_space.spaces
    pixels_shape = tuple(spaces["pixels"].shape) if "pixels" in spaces else (64, 64, 3)
    proprio_dim = int(spaces["proprio"].shape[0]) if "proprio" in spaces else 0
    spec = NetSpec(profile=dict(profile), columns=tuple(earlier) + (column,), pixels_shape=pixels_shape,
                   proprio_dim=proprio_dim, privileged_dim=privileged_dim_for(proprio_dim))
    spec.validate()
    return spec
