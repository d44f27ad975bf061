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

"""Safety parameters: a dataclass per section of config/safety.yaml (jaco_prog.config's typed loader: every
key given, nothing unknown, finite numbers in range, errors naming the file and field)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from jaco_prog.config import ConfigError, config_class, deep_merge, from_mapping, join, load_yaml, setting
from jaco_prog.paths import config_path

GROUP_NAMES = ("arm", "gripper")


@config_class(frozen=True)
class GroupValues:
    """One number per joint group (robots.yaml `group`)."""
    arm: float = setting(above=0)
    gripper: float = setting(above=0)

    def of(self, group: str) -> float:
        return getattr(self, group)

    @classmethod
    def from_dict(cls, raw: Any, where: str) -> "GroupValues":
        return from_mapping(cls, raw, where)


@config_class(frozen=True)
class PositionLimitParams:
    enabled: bool = setting("stop each joint before its URDF limit")
    margin: float = setting("where inside the limit the joint comes to rest", unit="rad", low=0)
    overrides: dict[str, tuple[float, float]] = setting("{joint: [lower, upper]}: replaces or adds limits",
                                                        unit="rad", range=True)

    @classmethod
    def from_dict(cls, raw: Any, where: str) -> "PositionLimitParams":
        return from_mapping(cls, raw, where)


@config_class(frozen=True)
class ClearancePoint:
    link: str = setting("URDF link kept above the table top", nonempty=True)
    clearance: float = setting("its height above the table top", unit="m", low=0)


@config_class(frozen=True)
class Box:
    x: tuple[float, float] = setting(unit="m", range=True)
    y: tuple[float, float] = setting(unit="m", range=True)
    z: tuple[float, float] = setting(unit="m", range=True)


def _box(value: Any, where: str) -> tuple[tuple[float, float], tuple[float, float], tuple[float, float]]:
    box = from_mapping(Box, value, where)
    return box.x, box.y, box.z


def _strictly_ordered(values: tuple[float, ...], where: str, descending: bool) -> None:
    if list(values) != sorted(values, reverse=descending) or len(set(values)) != len(values):
        order = "decreasing" if descending else "increasing"
        raise ConfigError(where, f"must be strictly {order} (got {list(values)})")


@config_class(frozen=True)
class WorkspaceParams:
    enabled: bool = setting("keep the palm and the clearance points inside the workspace")
    table_height: float = setting("z of the table top in the robot base frame", unit="m")
    table_margin: float = setting("the palm stays this far above the table top", unit="m", low=0)
    box: tuple[tuple[float, float], tuple[float, float], tuple[float, float]] = setting(
        "axis-aligned box (x, y, z ranges), base frame, the palm must stay inside", unit="m", parse=_box)
    clearance_points: tuple[ClearancePoint, ...] = setting("other links kept above the table top")
    lookahead_fractions: tuple[float, ...] = setting("fractions along the braking path that are checked, "
                                                     "ending with 1.0", nonempty=True, low=0, high=1)
    scale_candidates: tuple[float, ...] = setting("fractions of a motion tried, largest first, ending with 0.0 "
                                                  "(brake)", nonempty=True, low=0, high=1)
    slide: bool = setting("when only braking keeps the look-ahead inside, first try the request with just the "
                          "joints that drive a violated constraint outward braked (not after a late period)")

    def check_config(self, where: str) -> None:
        _strictly_ordered(self.lookahead_fractions, join(where, "lookahead_fractions"), descending=False)
        if self.lookahead_fractions[-1] != 1.0:
            raise ConfigError(join(where, "lookahead_fractions"), "must end with 1.0 (the full stop)")
        _strictly_ordered(self.scale_candidates, join(where, "scale_candidates"), descending=True)
        if self.scale_candidates[-1] != 0.0:
            raise ConfigError(join(where, "scale_candidates"), "must end with 0.0 (brake)")

    @classmethod
    def from_dict(cls, raw: Any, where: str) -> "WorkspaceParams":
        return from_mapping(cls, raw, where)


@config_class(frozen=True)
class SafetyParams:
    control_rate: float = setting("rate of the safety loop, the driver's fixed control rate", unit="Hz", above=0)
    command_timeout: float = setting("watchdog: no command acts longer than this after it arrived", unit="s",
                                     above=0)
    state_timeout: float = setting("the joint state handed to the layer must be younger than this", unit="s",
                                   above=0)
    velocity_scale: float = setting("fraction of each joint's velocity_limit the output may reach", above=0,
                                    high=1)
    acceleration_limit: GroupValues = setting("largest change of the output per second", unit="rad/s^2")
    braking_deceleration: GroupValues = setting("deceleration assumed for braking distances", unit="rad/s^2")
    position_limits: PositionLimitParams = setting()
    workspace: WorkspaceParams = setting()

    @property
    def period(self) -> float:
        return 1.0 / self.control_rate

    def check_config(self, where: str) -> None:
        if self.command_timeout <= self.period:
            raise ConfigError(join(where, "command_timeout"),
                              f"{self.command_timeout} s must exceed one control period ({self.period} s)")
        for g in GROUP_NAMES:
            if self.braking_deceleration.of(g) > self.acceleration_limit.of(g):
                raise ConfigError(join(where, f"braking_deceleration.{g}"),
                                  "must not exceed acceleration_limit (braking must be allowed by it)")

    @classmethod
    def from_dict(cls, raw: Any, where: str = "safety") -> "SafetyParams":
        return from_mapping(cls, raw, where)

    def replace(self, **changes) -> "SafetyParams":
        """A copy with some top-level fields changed (tests, tuning)."""
        from dataclasses import replace
        return replace(self, **changes)


def load_safety_params(robot: str, path: str | Path | None = None) -> SafetyParams:
    """`defaults` of config/safety.yaml with `robots.<robot>` merged over it."""
    path = Path(path) if path else config_path("safety.yaml")
    data = load_yaml(path)
    for key in data:
        if key not in ("defaults", "robots"):
            raise ConfigError(join(path.name, key), "unknown key; known: defaults, robots")
    if "defaults" not in data:
        raise ConfigError(join(path.name, "defaults"), "missing key")
    params = SafetyParams.from_dict(data["defaults"], join(path.name, "defaults"))
    robots = data.get("robots") or {}
    if not isinstance(robots, dict):
        raise ConfigError(join(path.name, "robots"), "must be a mapping profile -> overrides")
    if robots.get(robot):
        params = SafetyParams.from_dict(deep_merge(data["defaults"], robots[robot]),
                                        join(path.name, f"robots.{robot}"))
    return params
