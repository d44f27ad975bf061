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

"""config/runtime.yaml as typed sections (jaco_prog.config's loader: every key given, nothing unknown, finite
numbers in range, each error one line naming the file and the field). The file is the only home of the values: a
section built in Python (`PolicyParams(rate=10.0)`) takes the keys it is not given from it."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from jaco_prog.config import ConfigError, config_class, from_mapping, load_yaml, setting
from jaco_prog.paths import config_path

HOME = "runtime.yaml"
CROPS = ("centre_square", "none")
STORAGES = ("mcap", "sqlite3")
BAG_VERSIONS = (8, 9)


@config_class(HOME, "policy", frozen=True)
class PolicyParams:
    rate: float = setting("policy loop timer", unit="Hz", above=0)
    image_timeout: float = setting("no command while the latest image is older than this", unit="s", above=0)
    joint_state_timeout: float = setting("no command while the latest joint state is older than this", unit="s",
                                         above=0)
    image_size: int = setting("policy input, square; a checkpoint's pixels_shape must agree", unit="pixels",
                              low=24)
    crop: str = setting("centre_square: the frame's centre square, then resized; none: the whole frame resized",
                        choices=CROPS)
    command_duration: float = setting("how long a command is valid (time_from_start of its one point)", unit="s",
                                      above=0)
    greedy: bool = setting("argmax actions of a trained net (false: sample from its softmax)")
    stats_window: int = setting("ticks kept for the period / inference-time percentiles", low=10)
    default_checkpoint: str = setting("the net used when none is named, relative to the package share directory",
                                      nonempty=True)

    def default_checkpoint_path(self) -> Path:
        from jaco_prog.paths import share_dir
        path = Path(self.default_checkpoint)
        return path if path.is_absolute() else share_dir() / path

    @property
    def period(self) -> float:
        return 1.0 / self.rate


@config_class(HOME, "episodes", frozen=True)
class EpisodeParams:
    steps: int = setting("policy ticks (actions) per episode", low=1)
    settle_ticks: int = setting("policy ticks between a reset and the next start", low=1)
    move_target_every: int = setting("real robot: the operator moves the target before every this many episodes",
                                     low=1)


@config_class(HOME, "tracker", frozen=True)
class TrackerRuntimeParams:
    joint_state_timeout: float = setting("older joint states give no palm position (reward 0)", unit="s", above=0)
    marker_scale: float = setting("size of the rviz target marker", unit="m", above=0)


@config_class(HOME, "frames", frozen=True)
class FrameParams:
    camera: str = setting("frame_id of Image / CameraInfo (OpenCV optical convention)", nonempty=True)


@config_class(HOME, "sim", frozen=True)
class SimParams:
    camera_width: int = setting("simulated camera resolution (image + camera_info)", unit="pixels", low=32)
    camera_height: int = setting("simulated camera resolution (image + camera_info)", unit="pixels", low=32)
    camera_rate: float = setting("must divide the driver control rate", unit="Hz", above=0)
    joint_state_rate: float = setting("must divide the driver control rate", unit="Hz", above=0)
    driver_status_rate: float = setting("driver status (diagnostics)", unit="Hz", above=0)
    clock_rate: float = setting("/clock", unit="Hz", above=0)
    ground_truth_reward: bool = setting("also publish the reward computed from sim state")
    end_on_violation: bool = setting("a sim safety violation ends the episode")


@config_class(HOME, "recording", frozen=True)
class RecordingParams:
    storage: str = setting("rosbag2 storage", choices=STORAGES)
    version: int = setting("rosbag2 metadata version (9: Jazzy)", choices=BAG_VERSIONS)
    video_fps: int = setting("frame rate of videos made from a recording", unit="Hz", low=1)


def _train_fields(value: Any, where: str) -> dict:
    """TrainConfig fields by name; their values are checked by TrainConfig when learning starts."""
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ConfigError(where, "must be a mapping of TrainConfig fields (config/train.yaml's names)")
    return dict(value)


@config_class(HOME, "learner", frozen=True)
class LearnerParams:
    """The graph's online learner (jaco_prog.learning.online): policy_node learn:=true, `jaco-prog run --learn`."""
    train: dict = setting("TrainConfig fields an online run sets over config/train.yaml", parse=_train_fields)
    background: bool = setting("updates in a thread beside the acting loop; false: in the loop, between actions")
    reward_timeout: float = setting("an older reward at a credited step ends the episode unlearnt", unit="s",
                                    above=0)
    reward_report_after: float = setting("without a reward this long, the pause is reported as an error",
                                         unit="s", above=0)


@config_class(HOME, frozen=True)
class RuntimeParams:
    policy: PolicyParams = setting()
    episodes: EpisodeParams = setting()
    tracker: TrackerRuntimeParams = setting()
    frames: FrameParams = setting()
    sim: SimParams = setting()
    recording: RecordingParams = setting()
    learner: LearnerParams = setting()

    @property
    def camera_frame(self) -> str:
        return self.frames.camera

    @classmethod
    def from_dict(cls, raw: dict, where: str = HOME) -> "RuntimeParams":
        return from_mapping(cls, raw, where)


def load_runtime_params(path: str | Path | None = None) -> RuntimeParams:
    path = Path(path) if path else config_path(HOME)
    return RuntimeParams.from_dict(load_yaml(path), path.name)
