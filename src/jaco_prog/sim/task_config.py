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

"""Typed view of config/task.yaml and config/presets.yaml (jaco_prog.config's loader: the values are only in
the YAML, the fields say what they mean and what they may be)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from jaco_prog.config import ConfigError, config_class, deep_merge, from_mapping, join, load_yaml, setting
from jaco_prog.paths import config_path
from jaco_prog.sim.scene import TARGET_SHAPES, SceneConfig

RANDOMISATION = ("task.yaml", "randomisation")


@config_class("task.yaml", "task")
class TaskParams:
    control_hz: float = setting("policy / action rate", unit="Hz", above=0)
    episode_steps: int = setting("actions per episode", low=1)
    reward_radius: float = setting("+1 for each step the palm is within this distance of the target centre",
                                   unit="m", low=0)
    target_area_center: tuple[float, float] = setting("x, y of the target area's centre on the table", unit="m")
    target_area_size: tuple[float, float] = setting("target area, x by y", unit="m", low=0)
    start_noise_deg: tuple[float, ...] = setting("uniform +- around the profile's home pose, per joint",
                                                 unit="deg", low=0)
    start_min_palm_height: float = setting("random starts with the palm lower than this are redrawn", unit="m",
                                           low=0)
    joint_limit_margin_deg: float = setting("this far inside the hardware limit ends the episode", unit="deg",
                                            low=0)
    max_start_tries: int = setting("random starts drawn before giving up", low=1)


@config_class("task.yaml", "conveyor")
class ConveyorParams:
    speed: tuple[float, float] = setting("target speed, drawn per episode", unit="m/s", range=True, low=0)
    direction: tuple[float, float] = setting("slide axis on the table (x, y); normalised")
    reversal_rate: float = setting("expected reversals per second (Poisson)", unit="1/s", low=0)
    velocity_time_constant: float = setting("reversals ramp smoothly through zero", unit="s", above=0)


@config_class("task.yaml", "dynamics")
class DynamicsParams:
    damping: float = setting("joint damping added to every joint", unit="N m s/rad", low=0)
    frictionloss: float = setting("joint friction loss added to every joint", low=0)
    actuator_gain_scale: float = setting("scales every velocity actuator's kv", above=0)
    latency_steps: int = setting("actions take effect this many control steps late", low=0)
    drop_probability: float = setting("chance that an action is dropped and the previous one held", low=0,
                                      high=1)


@config_class()
class Switch:
    enabled: bool = setting("this randomisation is on")


@config_class(*RANDOMISATION, "target_shape")
class TargetShapeDR(Switch):
    shapes: tuple[str, ...] = setting("target shapes drawn from", nonempty=True)


@config_class(*RANDOMISATION, "target_size")
class RangeDR(Switch):
    range: tuple[float, float] = setting("[low, high]", range=True, low=0)


@config_class(*RANDOMISATION, "target_colour")
class ColourDR(Switch):
    low: tuple[float, float, float] = setting("RGB lower corner", low=0, high=1)
    high: tuple[float, float, float] = setting("RGB upper corner", low=0, high=1)


@config_class(*RANDOMISATION, "distractors")
class DistractorDR(ColourDR):
    count: tuple[float, float] = setting("distractors shown", range=True, low=0)
    size: tuple[float, float] = setting("distractor half-extent", unit="m", range=True, low=0)
    min_distance: float = setting("distractors stay this far from the target", unit="m", low=0)


@config_class(*RANDOMISATION, "light")
class LightDR(Switch):
    height: tuple[float, float] = setting("key light height", unit="m", range=True, low=0)
    xy_offset: float = setting("key light offset in x and y", unit="m", low=0)
    colour_low: tuple[float, float, float] = setting("light colour lower corner", low=0, high=1)
    colour_high: tuple[float, float, float] = setting("light colour upper corner", low=0, high=1)


@config_class(*RANDOMISATION, "camera")
class CameraDR(Switch):
    pos_std: float = setting("camera position noise", unit="m", low=0)
    lookat_std: float = setting("look-at point noise", unit="m", low=0)
    fovy_std: float = setting("field of view noise", unit="deg", low=0)


@config_class(*RANDOMISATION, "dynamics")
class DynamicsDR(Switch):
    damping: tuple[float, float] = setting("joint damping", range=True, low=0)
    frictionloss: tuple[float, float] = setting("joint friction loss", range=True, low=0)
    armature_scale: tuple[float, float] = setting("armature factor", range=True, low=0)
    actuator_gain_scale: tuple[float, float] = setting("actuator kv factor", range=True, low=0)


@config_class(*RANDOMISATION, "latency")
class LatencyDR(Switch):
    steps: tuple[float, float] = setting("action latency", unit="control steps", range=True, low=0)
    drop_probability: float = setting("chance that an action is dropped", low=0, high=1)


@config_class(*RANDOMISATION)
class Randomisation:
    target_shape: TargetShapeDR = setting()
    target_size: RangeDR = setting()
    target_colour: ColourDR = setting()
    distractors: DistractorDR = setting()
    table_colour: ColourDR = setting()
    light: LightDR = setting()
    camera: CameraDR = setting()
    dynamics: DynamicsDR = setting()
    latency: LatencyDR = setting()

    def disabled(self) -> "Randomisation":
        out = dataclasses.replace(self)
        for f in dataclasses.fields(out):
            setattr(out, f.name, dataclasses.replace(getattr(out, f.name), enabled=False))
        return out


@config_class("task.yaml")
class TaskConfig:
    task: TaskParams = setting()
    conveyor: ConveyorParams = setting()
    dynamics: DynamicsParams = setting()
    scene: SceneConfig = setting()
    randomisation: Randomisation = setting()
    preset: str | None = None  # set by load_task_config, not a key of the file

    def check_config(self, where: str) -> None:
        unknown = [s for s in self.randomisation.target_shape.shapes if s not in TARGET_SHAPES]
        if unknown:
            raise ConfigError(join(where, "randomisation.target_shape.shapes"),
                              f"unknown shape {unknown[0]!r}; known: {', '.join(TARGET_SHAPES)}")
        if self.randomisation.distractors.count[1] > self.scene.distractor_slots:
            raise ConfigError(join(where, "randomisation.distractors.count"),
                              f"at most scene.distractor_slots = {self.scene.distractor_slots}")
        for name in ("actuator_kv", "armature"):
            missing = {"arm", "gripper"} - set(getattr(self.scene, name))
            if missing:
                raise ConfigError(join(where, f"scene.{name}"), f"missing group {sorted(missing)[0]!r}")


def _presets(presets_file: str | Path | None) -> tuple[dict, str]:
    path = Path(presets_file or config_path("presets.yaml"))
    data = load_yaml(path)
    for key in data:  # keys starting with _ only hold YAML anchors the presets share
        if key != "presets" and not str(key).startswith("_"):
            raise ConfigError(join(path.name, key), "unknown key; known: presets (and _anchors)")
    presets = data.get("presets") or {}
    if not isinstance(presets, dict):
        raise ConfigError(join(path.name, "presets"), "must be a mapping of preset names to task.yaml overrides")
    return presets, path.name


def available_presets(presets_file: str | Path | None = None) -> list[str]:
    return sorted(_presets(presets_file)[0])


def load_task_config(preset: str | None = None, overrides: dict | None = None,
                     task_file: str | Path | None = None, presets_file: str | Path | None = None) -> TaskConfig:
    """config/task.yaml, then the named preset merged over it, then `overrides` (same layout). Errors name
    the layer: task.yaml (and overrides, which change it), presets.yaml: presets.<name>."""
    task_file = Path(task_file or config_path("task.yaml"))
    raw = load_yaml(task_file)
    cfg = from_mapping(TaskConfig, raw, task_file.name)
    if preset is not None:
        presets, presets_name = _presets(presets_file)
        if preset not in presets:
            raise ConfigError("preset", f"unknown preset {preset!r}; known: {', '.join(sorted(presets))}")
        raw = deep_merge(raw, presets[preset])
        cfg = from_mapping(TaskConfig, raw, join(presets_name, f"presets.{preset}"))
    if overrides:
        cfg = from_mapping(TaskConfig, deep_merge(raw, overrides), task_file.name)
    cfg.preset = preset
    return cfg


def nominal_camera(preset: str | None = None) -> tuple[tuple, tuple, float]:
    """(position, look-at point, vertical field of view in deg) of the simulated policy camera, nominal
    (before per-episode noise), for a preset or none: what a tracker of the simulated graph calibrates with."""
    scene = load_task_config(preset).scene
    return scene.camera_pos, scene.camera_lookat, scene.camera_fovy
