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

"""Safety parameters: a dataclass per section of config/safety.yaml, validated with errors naming the field."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jaco_prog.config import ConfigError, deep_merge, load_yaml, number, number_range
from jaco_prog.paths import config_path

GROUP_NAMES = ("arm", "gripper")


def _check_keys(raw: Any, allowed: set[str], where: str) -> dict:
    if not isinstance(raw, dict):
        raise ConfigError(where, f"must be a mapping (got {raw!r})")
    unknown = set(raw) - allowed
    if unknown:
        raise ConfigError(where, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    missing = allowed - set(raw)
    if missing:
        raise ConfigError(where, f"missing key(s) {sorted(missing)}")
    return raw


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(where, f"must be true or false (got {value!r})")
    return value


@dataclass(frozen=True)
class GroupValues:
    """One number per joint group (robots.yaml `group`)."""
    arm: float
    gripper: float

    def of(self, group: str) -> float:
        return getattr(self, group)

    @classmethod
    def from_dict(cls, raw: Any, where: str) -> "GroupValues":
        raw = _check_keys(raw, set(GROUP_NAMES), where)
        return cls(**{g: number(raw[g], f"{where}.{g}", positive=True) for g in GROUP_NAMES})


@dataclass(frozen=True)
class PositionLimitParams:
    enabled: bool
    margin: float  # rad inside the limit where the joint comes to rest
    overrides: dict[str, tuple[float, float]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, raw: Any, where: str) -> "PositionLimitParams":
        raw = _check_keys(raw, {"enabled", "margin", "overrides"}, where)
        overrides = raw["overrides"] or {}
        if not isinstance(overrides, dict):
            raise ConfigError(f"{where}.overrides", "must be a mapping joint -> [lower, upper]")
        return cls(enabled=_flag(raw["enabled"], f"{where}.enabled"),
                   margin=number(raw["margin"], f"{where}.margin", non_negative=True),
                   overrides={str(k): number_range(v, f"{where}.overrides.{k}") for k, v in overrides.items()})


@dataclass(frozen=True)
class ClearancePoint:
    link: str
    clearance: float  # m above the table top


@dataclass(frozen=True)
class WorkspaceParams:
    enabled: bool
    table_height: float
    table_margin: float
    box: tuple[tuple[float, float], tuple[float, float], tuple[float, float]]
    clearance_points: tuple[ClearancePoint, ...]
    lookahead_fractions: tuple[float, ...]
    scale_candidates: tuple[float, ...]

    @classmethod
    def from_dict(cls, raw: Any, where: str) -> "WorkspaceParams":
        keys = {"enabled", "table_height", "table_margin", "box", "clearance_points", "lookahead_fractions",
                "scale_candidates"}
        raw = _check_keys(raw, keys, where)
        box_raw = _check_keys(raw["box"], {"x", "y", "z"}, f"{where}.box")
        box = tuple(number_range(box_raw[a], f"{where}.box.{a}") for a in "xyz")
        points = []
        for i, p in enumerate(raw["clearance_points"] or []):
            pw = f"{where}.clearance_points[{i}]"
            p = _check_keys(p, {"link", "clearance"}, pw)
            if not isinstance(p["link"], str) or not p["link"]:
                raise ConfigError(f"{pw}.link", "must be a link name")
            points.append(ClearancePoint(p["link"], number(p["clearance"], f"{pw}.clearance", non_negative=True)))
        fractions = cls._fractions(raw["lookahead_fractions"], f"{where}.lookahead_fractions")
        if fractions[-1] != 1.0:
            raise ConfigError(f"{where}.lookahead_fractions", "must end with 1.0 (the full stop)")
        candidates = cls._fractions(raw["scale_candidates"], f"{where}.scale_candidates", descending=True)
        if candidates[-1] != 0.0:
            raise ConfigError(f"{where}.scale_candidates", "must end with 0.0 (brake)")
        return cls(enabled=_flag(raw["enabled"], f"{where}.enabled"),
                   table_height=number(raw["table_height"], f"{where}.table_height"),
                   table_margin=number(raw["table_margin"], f"{where}.table_margin", non_negative=True),
                   box=box, clearance_points=tuple(points), lookahead_fractions=fractions,
                   scale_candidates=candidates)

    @staticmethod
    def _fractions(raw: Any, where: str, descending: bool = False) -> tuple[float, ...]:
        if not isinstance(raw, list) or not raw:
            raise ConfigError(where, "must be a non-empty list of numbers in [0, 1]")
        values = tuple(number(v, f"{where}[{i}]", non_negative=True) for i, v in enumerate(raw))
        if any(v > 1.0 for v in values):
            raise ConfigError(where, "values must be in [0, 1]")
        ordered = sorted(values, reverse=descending)
        if list(values) != ordered or len(set(values)) != len(values):
            raise ConfigError(where, f"must be strictly {'decreasing' if descending else 'increasing'}")
        return values


@dataclass(frozen=True)
class SafetyParams:
    control_rate: float  # Hz
    command_timeout: float  # s
    state_timeout: float  # s
    velocity_scale: float
    acceleration_limit: GroupValues  # rad/s^2
    braking_deceleration: GroupValues  # rad/s^2
    position_limits: PositionLimitParams
    workspace: WorkspaceParams

    @property
    def period(self) -> float:
        return 1.0 / self.control_rate

    @classmethod
    def from_dict(cls, raw: Any, where: str = "safety") -> "SafetyParams":
        keys = {"control_rate", "command_timeout", "state_timeout", "velocity_scale", "acceleration_limit",
                "braking_deceleration", "position_limits", "workspace"}
        raw = _check_keys(raw, keys, where)
        params = cls(
            control_rate=number(raw["control_rate"], f"{where}.control_rate", positive=True),
            command_timeout=number(raw["command_timeout"], f"{where}.command_timeout", positive=True),
            state_timeout=number(raw["state_timeout"], f"{where}.state_timeout", positive=True),
            velocity_scale=number(raw["velocity_scale"], f"{where}.velocity_scale", positive=True),
            acceleration_limit=GroupValues.from_dict(raw["acceleration_limit"], f"{where}.acceleration_limit"),
            braking_deceleration=GroupValues.from_dict(raw["braking_deceleration"],
                                                       f"{where}.braking_deceleration"),
            position_limits=PositionLimitParams.from_dict(raw["position_limits"], f"{where}.position_limits"),
            workspace=WorkspaceParams.from_dict(raw["workspace"], f"{where}.workspace"),
        )
        if params.velocity_scale > 1.0:
            raise ConfigError(f"{where}.velocity_scale", "must be <= 1 (a fraction of the hardware limit)")
        if params.command_timeout <= params.period:
            raise ConfigError(f"{where}.command_timeout",
                              f"{params.command_timeout} s must exceed one control period ({params.period} s)")
        for g in GROUP_NAMES:
            if params.braking_deceleration.of(g) > params.acceleration_limit.of(g):
                raise ConfigError(f"{where}.braking_deceleration.{g}",
                                  "must not exceed acceleration_limit (braking must be allowed by it)")
        return params

    def replace(self, **changes) -> "SafetyParams":
        """A copy with some top-level fields changed (tests, tuning)."""
        from dataclasses import replace
        return replace(self, **changes)


def load_safety_params(robot: str, path: str | Path | None = None) -> SafetyParams:
    """`defaults` of config/safety.yaml with `robots.<robot>` merged over it."""
    path = Path(path) if path else config_path("safety.yaml")
    data = load_yaml(path)
    unknown = set(data) - {"defaults", "robots"}
    if unknown:
        raise ConfigError(path.name, f"unknown top-level key(s) {sorted(unknown)}; allowed: defaults, robots")
    if "defaults" not in data:
        raise ConfigError(f"{path.name}: defaults", "missing")
    robots = data.get("robots") or {}
    if not isinstance(robots, dict):
        raise ConfigError(f"{path.name}: robots", "must be a mapping profile -> overrides")
    merged = deep_merge(data["defaults"], robots.get(robot) or {})
    where = f"{path.name}: robots.{robot}" if robot in robots else f"{path.name}: defaults"
    return SafetyParams.from_dict(merged, where)
