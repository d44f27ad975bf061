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

"""config/runtime.yaml as dataclasses, validated with errors that name the field."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jaco_prog.config import ConfigError, load_yaml, number
from jaco_prog.paths import config_path

CROPS = ("centre_square", "none")
STORAGES = ("mcap", "sqlite3")


def _section(raw: dict, key: str, fields: set[str], where: str) -> dict:
    section = raw.get(key)
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: {key}", "missing or not a mapping")
    for name in section:
        if name not in fields:
            raise ConfigError(f"{where}: {key}.{name}", f"unknown field; known: {', '.join(sorted(fields))}")
    for name in fields:
        if name not in section:
            raise ConfigError(f"{where}: {key}.{name}", "missing")
    return section


def _int(value: Any, where: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(where, f"must be an integer >= {minimum} (got {value!r})")
    return value


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(where, f"must be true or false (got {value!r})")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(where, f"must be a non-empty path (got {value!r})")
    return value


@dataclass(frozen=True)
class PolicyParams:
    rate: float = 20.0
    image_timeout: float = 0.25
    joint_state_timeout: float = 0.1
    image_size: int = 64
    crop: str = "centre_square"
    command_duration: float = 0.1
    greedy: bool = True
    stats_window: int = 1000
    default_checkpoint: str = "models/column1_reach_wide_lstm.pt"  # relative to the package share directory

    def default_checkpoint_path(self) -> Path:
        from jaco_prog.paths import share_dir
        path = Path(self.default_checkpoint)
        return path if path.is_absolute() else share_dir() / path

    @property
    def period(self) -> float:
        return 1.0 / self.rate


@dataclass(frozen=True)
class EpisodeParams:
    steps: int = 50
    settle_ticks: int = 2
    move_target_every: int = 3


@dataclass(frozen=True)
class TrackerRuntimeParams:
    joint_state_timeout: float = 0.1
    marker_scale: float = 0.05


@dataclass(frozen=True)
class SimParams:
    camera_width: int = 320
    camera_height: int = 240
    camera_rate: float = 20.0
    joint_state_rate: float = 100.0
    driver_status_rate: float = 10.0
    clock_rate: float = 100.0
    ground_truth_reward: bool = True
    end_on_violation: bool = True


@dataclass(frozen=True)
class RecordingParams:
    storage: str = "mcap"
    version: int = 9
    video_fps: int = 20


@dataclass(frozen=True)
class LearnerParams:
    """The graph's online learner (jaco_prog.learning.online): policy_node learn:=true, `jaco-prog run --learn`."""
    train: dict  # TrainConfig fields an online run sets over config/train.yaml (checked when learning starts)
    background: bool = True  # updates in a thread beside the acting loop; false: in the loop, between actions
    reward_timeout: float = 0.25  # s: an older reward at a credited step ends the episode unlearnt
    reward_report_after: float = 5.0  # s without a reward before the pause is reported as an error


@dataclass(frozen=True)
class RuntimeParams:
    policy: PolicyParams
    episodes: EpisodeParams
    tracker: TrackerRuntimeParams
    camera_frame: str
    sim: SimParams
    recording: RecordingParams
    learner: LearnerParams

    @classmethod
    def from_dict(cls, raw: dict, where: str = "runtime.yaml") -> "RuntimeParams":
        p = _section(raw, "policy", set(PolicyParams.__dataclass_fields__), where)
        w = f"{where}: policy"
        if p["crop"] not in CROPS:
            raise ConfigError(f"{w}.crop", f"must be one of {CROPS} (got {p['crop']!r})")
        policy = PolicyParams(
            rate=number(p["rate"], f"{w}.rate", positive=True),
            image_timeout=number(p["image_timeout"], f"{w}.image_timeout", positive=True),
            joint_state_timeout=number(p["joint_state_timeout"], f"{w}.joint_state_timeout", positive=True),
            image_size=_int(p["image_size"], f"{w}.image_size", 24), crop=p["crop"],
            command_duration=number(p["command_duration"], f"{w}.command_duration", positive=True),
            greedy=_flag(p["greedy"], f"{w}.greedy"), stats_window=_int(p["stats_window"], f"{w}.stats_window", 10),
            default_checkpoint=_text(p["default_checkpoint"], f"{w}.default_checkpoint"))
        e = _section(raw, "episodes", set(EpisodeParams.__dataclass_fields__), where)
        w = f"{where}: episodes"
        episodes = EpisodeParams(steps=_int(e["steps"], f"{w}.steps", 1),
                                 settle_ticks=_int(e["settle_ticks"], f"{w}.settle_ticks", 1),
                                 move_target_every=_int(e["move_target_every"], f"{w}.move_target_every", 1))
        t = _section(raw, "tracker", set(TrackerRuntimeParams.__dataclass_fields__), where)
        w = f"{where}: tracker"
        tracker = TrackerRuntimeParams(
            joint_state_timeout=number(t["joint_state_timeout"], f"{w}.joint_state_timeout", positive=True),
            marker_scale=number(t["marker_scale"], f"{w}.marker_scale", positive=True))
        f = _section(raw, "frames", {"camera"}, where)
        if not isinstance(f["camera"], str) or not f["camera"]:
            raise ConfigError(f"{where}: frames.camera", "must be a frame name")
        s = _section(raw, "sim", set(SimParams.__dataclass_fields__), where)
        w = f"{where}: sim"
        sim = SimParams(camera_width=_int(s["camera_width"], f"{w}.camera_width", 32),
                        camera_height=_int(s["camera_height"], f"{w}.camera_height", 32),
                        camera_rate=number(s["camera_rate"], f"{w}.camera_rate", positive=True),
                        joint_state_rate=number(s["joint_state_rate"], f"{w}.joint_state_rate", positive=True),
                        driver_status_rate=number(s["driver_status_rate"], f"{w}.driver_status_rate", positive=True),
                        clock_rate=number(s["clock_rate"], f"{w}.clock_rate", positive=True),
                        ground_truth_reward=_flag(s["ground_truth_reward"], f"{w}.ground_truth_reward"),
                        end_on_violation=_flag(s["end_on_violation"], f"{w}.end_on_violation"))
        r = _section(raw, "recording", set(RecordingParams.__dataclass_fields__), where)
        w = f"{where}: recording"
        if r["storage"] not in STORAGES:
            raise ConfigError(f"{w}.storage", f"must be one of {STORAGES} (got {r['storage']!r})")
        if r["version"] not in (8, 9):
            raise ConfigError(f"{w}.version", f"must be 8 or 9 (got {r['version']!r})")
        recording = RecordingParams(storage=r["storage"], version=r["version"],
                                    video_fps=_int(r["video_fps"], f"{w}.video_fps", 1))
        n = _section(raw, "learner", set(LearnerParams.__dataclass_fields__), where)
        w = f"{where}: learner"
        if not isinstance(n["train"], dict) or not all(isinstance(k, str) for k in n["train"]):
            raise ConfigError(f"{w}.train", "must be a mapping of TrainConfig fields (config/train.yaml's names)")
        learner = LearnerParams(
            train=dict(n["train"]), background=_flag(n["background"], f"{w}.background"),
            reward_timeout=number(n["reward_timeout"], f"{w}.reward_timeout", positive=True),
            reward_report_after=number(n["reward_report_after"], f"{w}.reward_report_after", positive=True))
        return cls(policy, episodes, tracker, f["camera"], sim, recording, learner)


def load_runtime_params(path: str | Path | None = None) -> RuntimeParams:
    path = Path(path) if path else config_path("runtime.yaml")
    return RuntimeParams.from_dict(load_yaml(path), path.name)

