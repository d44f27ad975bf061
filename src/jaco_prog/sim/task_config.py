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

"""Typed, validated view of config/task.yaml and config/presets.yaml."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jaco_prog.config import ConfigError, deep_merge, load_yaml, number, number_range
from jaco_prog.paths import config_path
from jaco_prog.sim.scene import TARGET_SHAPES, SceneConfig


@dataclass
class TaskParams:
    control_hz: float = 20.0
    episode_steps: int = 50
    reward_radius: float = 0.10
    target_area_center: tuple[float, float] = (0.45, 0.0)
    target_area_size: tuple[float, float] = (0.30, 0.40)
    start_noise_deg: tuple[float, ...] = ()
    start_min_palm_height: float = 0.08
    joint_limit_margin_deg: float = 1.0
    max_start_tries: int = 200


@dataclass
class ConveyorParams:
    speed: tuple[float, float] = (0.04, 0.10)
    direction: tuple[float, float] = (0.0, 1.0)
    reversal_rate: float = 0.4
    velocity_time_constant: float = 0.3


@dataclass
class DynamicsParams:
    damping: float = 0.0
    frictionloss: float = 0.0
    actuator_gain_scale: float = 1.0
    latency_steps: int = 0
    drop_probability: float = 0.0


@dataclass
class Switch:
    enabled: bool = True


@dataclass
class TargetShapeDR(Switch):
    shapes: tuple[str, ...] = TARGET_SHAPES


@dataclass
class RangeDR(Switch):
    range: tuple[float, float] = (0.02, 0.04)


@dataclass
class ColourDR(Switch):
    low: tuple[float, float, float] = (0.0, 0.0, 0.0)
    high: tuple[float, float, float] = (1.0, 1.0, 1.0)


@dataclass
class DistractorDR(ColourDR):
    count: tuple[float, float] = (0, 3)
    size: tuple[float, float] = (0.015, 0.035)
    min_distance: float = 0.12


@dataclass
class LightDR(Switch):
    height: tuple[float, float] = (1.2, 2.8)
    xy_offset: float = 0.6
    colour_low: tuple[float, float, float] = (0.5, 0.5, 0.5)
    colour_high: tuple[float, float, float] = (1.0, 1.0, 1.0)


@dataclass
class CameraDR(Switch):
    pos_std: float = 0.02
    lookat_std: float = 0.02
    fovy_std: float = 1.0


@dataclass
class DynamicsDR(Switch):
    damping: tuple[float, float] = (0.0, 0.3)
    frictionloss: tuple[float, float] = (0.0, 0.05)
    armature_scale: tuple[float, float] = (0.8, 1.25)
    actuator_gain_scale: tuple[float, float] = (0.8, 1.2)


@dataclass
class LatencyDR(Switch):
    steps: tuple[float, float] = (0, 1)
    drop_probability: float = 0.05


@dataclass
class Randomisation:
    target_shape: TargetShapeDR = field(default_factory=TargetShapeDR)
    target_size: RangeDR = field(default_factory=RangeDR)
    target_colour: ColourDR = field(default_factory=ColourDR)
    distractors: DistractorDR = field(default_factory=DistractorDR)
    table_colour: ColourDR = field(default_factory=ColourDR)
    light: LightDR = field(default_factory=LightDR)
    camera: CameraDR = field(default_factory=CameraDR)
    dynamics: DynamicsDR = field(default_factory=DynamicsDR)
    latency: LatencyDR = field(default_factory=LatencyDR)

    def disabled(self) -> "Randomisation":
        out = dataclasses.replace(self)
        for f in dataclasses.fields(out):
            setattr(out, f.name, dataclasses.replace(getattr(out, f.name), enabled=False))
        return out


@dataclass
class TaskConfig:
    task: TaskParams = field(default_factory=TaskParams)
    conveyor: ConveyorParams = field(default_factory=ConveyorParams)
    dynamics: DynamicsParams = field(default_factory=DynamicsParams)
    scene: SceneConfig = field(default_factory=SceneConfig)
    randomisation: Randomisation = field(default_factory=Randomisation)
    preset: str | None = None


# Fields whose value is a [low, high] range rather than a fixed-length vector.
_RANGE_FIELDS = {"range", "count", "size", "speed", "height", "damping", "frictionloss", "armature_scale",
                 "actuator_gain_scale", "steps"}
_NON_NEGATIVE = {"reward_radius", "target_size", "start_min_palm_height", "joint_limit_margin_deg", "pos_std",
                 "lookat_std", "fovy_std", "xy_offset", "min_distance", "damping", "frictionloss",
                 "drop_probability", "latency_steps", "reversal_rate", "table_thickness"}
_POSITIVE = {"control_hz", "episode_steps", "physics_dt", "image_size", "render_slices", "render_stacks", "max_start_tries", "camera_fovy",
             "velocity_time_constant", "actuator_gain_scale", "distractor_slots"}


def _join(where: str, key: str) -> str:
    return f"{where} {key}" if where.endswith(":") else f"{where}.{key}"


def _convert(value: Any, default: Any, name: str, where: str) -> Any:
    if name == "contact_exclude":
        if not isinstance(value, list) or not all(isinstance(p, list) and len(p) == 2 for p in value):
            raise ConfigError(where, "must be a list of [link, link] pairs")
        return tuple(tuple(p) for p in value)
    if dataclasses.is_dataclass(default):
        return _from_dict(type(default), value, where)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(where, f"must be true or false (got {value!r})")
        return value
    if isinstance(default, (int, float)):
        v = number(value, where, positive=name in _POSITIVE, non_negative=name in _NON_NEGATIVE)
        if isinstance(default, int):
            if v != int(v):
                raise ConfigError(where, f"must be a whole number (got {value!r})")
            return int(v)
        return v
    if isinstance(default, tuple) and default and isinstance(default[0], str) or name == "shapes":
        if not isinstance(value, list) or not value or not all(isinstance(s, str) for s in value):
            raise ConfigError(where, f"must be a non-empty list of names (got {value!r})")
        return tuple(value)
    if name in _RANGE_FIELDS and isinstance(default, tuple):
        return number_range(value, where, non_negative=True)
    if isinstance(default, tuple):
        if not isinstance(value, list) or (default and len(value) != len(default)):
            raise ConfigError(where, f"must be a list of {len(default) or 'some'} numbers (got {value!r})")
        return tuple(number(v, f"{where}[{i}]", non_negative=name.endswith(("rgba", "_low", "_high", "diffuse",
                                                                               "ambient")) or name in ("low", "high"))
                     for i, v in enumerate(value))
    if isinstance(default, dict):
        if not isinstance(value, dict):
            raise ConfigError(where, f"must be a mapping (got {value!r})")
        return {k: number(v, _join(where, k), non_negative=True) for k, v in value.items()}
    return value


def _from_dict(cls: type, data: Any, where: str) -> Any:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(where, f"must be a mapping (got {data!r})")
    defaults = cls()
    known = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in known:
            raise ConfigError(_join(where, key), f"unknown field; known: {', '.join(sorted(known))}")
    values = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            values[f.name] = _convert(data[f.name], getattr(defaults, f.name), f.name, _join(where, f.name))
    return cls(**values)


def available_presets(presets_file: str | Path | None = None) -> list[str]:
    return sorted(load_yaml(presets_file or config_path("presets.yaml")).get("presets", {}))


def load_task_config(preset: str | None = None, overrides: dict | None = None,
                     task_file: str | Path | None = None, presets_file: str | Path | None = None) -> TaskConfig:
    """config/task.yaml, then the named preset merged over it, then `overrides` (same layout)."""
    task_file = Path(task_file or config_path("task.yaml"))
    raw = load_yaml(task_file)
    if preset is not None:
        presets = load_yaml(presets_file or config_path("presets.yaml")).get("presets", {})
        if preset not in presets:
            raise ConfigError("preset", f"unknown preset {preset!r}; known: {', '.join(sorted(presets))}")
        raw = deep_merge(raw, presets[preset])
    if overrides:
        raw = deep_merge(raw, overrides)
    cfg = _from_dict(TaskConfig, raw, f"{task_file.name}:")
    cfg.preset = preset
    _check_consistency(cfg, f"{task_file.name}:")
    return cfg


def nominal_camera(preset: str | None = None) -> tuple[tuple, tuple, float]:
    """(position, look-at point, vertical field of view in deg) of the simulated policy camera, nominal
    (before per-episode noise), for a preset or none: what a tracker of the simulated graph calibrates with."""
    scene = load_task_config(preset).scene
    return scene.camera_pos, scene.camera_lookat, scene.camera_fovy


def _check_consistency(cfg: TaskConfig, where: str) -> None:
    unknown = [s for s in cfg.randomisation.target_shape.shapes if s not in TARGET_SHAPES]
    if unknown:
        raise ConfigError(f"{where} randomisation.target_shape.shapes",
                          f"unknown shape {unknown[0]!r}; known: {', '.join(TARGET_SHAPES)}")
    if cfg.randomisation.distractors.count[1] > cfg.scene.distractor_slots:
        raise ConfigError(f"{where} randomisation.distractors.count",
                          f"at most scene.distractor_slots = {cfg.scene.distractor_slots}")
    if cfg.dynamics.drop_probability > 1 or cfg.randomisation.latency.drop_probability > 1:
        raise ConfigError(f"{where} dynamics.drop_probability", "must be <= 1")
    for name in ("actuator_kv", "armature"):
        missing = {"arm", "gripper"} - set(getattr(cfg.scene, name))
        if missing:
            raise ConfigError(f"{where} scene.{name}", f"missing group {sorted(missing)[0]!r}")
