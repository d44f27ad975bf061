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

"""The numbers that live in two files must agree: one check across config/*.yaml, run before anything starts
(`jaco-prog run`, `jaco-prog train`; the nodes' parameter loading should call it too).

- the policy acts at the rate the task steps at: task.yaml task.control_hz == runtime.yaml policy.rate
- an episode is as long in the graph as in the env: task.yaml task.episode_steps == runtime.yaml episodes.steps
- the tracker rewards what the task rewards: task.yaml task.reward_radius == tracker.yaml tracker.reward_radius
  (where tracker.yaml still has one: a tracker that reads the task's radius cannot disagree)
- the watchdog outlives a policy period: safety.yaml command_timeout (defaults and every robot) > 1 / policy.rate,
  else the arm stops between two commands

It reads the few keys it compares straight from the files (light: no MuJoCo, no ROS), each checked to be a
finite number; every file's own typed loader checks the rest (jaco_prog.runtime.params, the tracker's
jaco_prog.perception.colour_tracker, which also refuses a reward_radius in tracker.yaml). They are not called
here because importing them imports the graph's components (jaco_prog.runtime, OpenCV, MuJoCo).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from jaco_prog.config import ConfigError, join, load_yaml, number
from jaco_prog.paths import config_path

# Two rates or radii written as decimals in two files are the same number if they agree this closely.
TOLERANCE = 1e-9


def _value(data: dict, dotted: str, file: str) -> Any:
    node, where = data, file
    for key in dotted.split("."):
        if not isinstance(node, dict) or key not in node:
            raise ConfigError(join(where, key), "missing key")
        node, where = node[key], join(where, key)
    return node


def _positive(data: dict, dotted: str, file: str) -> float:
    return number(_value(data, dotted, file), join(file, dotted), positive=True)


def _count(data: dict, dotted: str, file: str) -> int:
    value = _value(data, dotted, file)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(join(file, dotted), f"must be a positive integer (got {value!r})")
    return value


def check_agreement(task_file: str | Path | None = None, runtime_file: str | Path | None = None,
                    safety_file: str | Path | None = None, tracker_file: str | Path | None = None) -> None:
    """Raise ConfigError (one line naming both files and fields) where two files disagree."""
    paths = {name: Path(given or config_path(f"{name}.yaml")) for name, given in
             (("task", task_file), ("runtime", runtime_file), ("safety", safety_file), ("tracker", tracker_file))}
    data = {name: load_yaml(path) for name, path in paths.items()}
    task, runtime, safety, tracker = (paths[n].name for n in ("task", "runtime", "safety", "tracker"))

    control_hz = _positive(data["task"], "task.control_hz", task)
    policy_rate = _positive(data["runtime"], "policy.rate", runtime)
    if abs(policy_rate - control_hz) > TOLERANCE:
        raise ConfigError(join(runtime, "policy.rate"), f"{policy_rate:g} Hz, but {task}: task.control_hz is "
                                                        f"{control_hz:g} Hz: the policy acts at the task's rate")
    episode_steps = _count(data["task"], "task.episode_steps", task)
    graph_steps = _count(data["runtime"], "episodes.steps", runtime)
    if graph_steps != episode_steps:
        raise ConfigError(join(runtime, "episodes.steps"), f"{graph_steps}, but {task}: task.episode_steps is "
                                                           f"{episode_steps}: an episode is as long in both")
    radius = number(_value(data["task"], "task.reward_radius", task), join(task, "task.reward_radius"))
    tracker_section = data["tracker"].get("tracker")
    if isinstance(tracker_section, dict) and "reward_radius" in tracker_section:  # else the tracker reads the task's
        tracker_radius = number(tracker_section["reward_radius"], join(tracker, "tracker.reward_radius"))
    else:
        tracker_radius = radius
    if abs(tracker_radius - radius) > TOLERANCE:
        raise ConfigError(join(tracker, "tracker.reward_radius"),
                          f"{tracker_radius:g} m, but {task}: task.reward_radius is {radius:g} m: the tracker "
                          "rewards what the task rewards")
    period = 1.0 / policy_rate
    robots = data["safety"].get("robots") or {}
    sections = [("defaults", _value(data["safety"], "defaults", safety))]
    sections += [(f"robots.{name}", section) for name, section in robots.items() if isinstance(section, dict)]
    for where, section in sections:
        if "command_timeout" not in section and where != "defaults":
            continue  # the robot keeps the defaults' watchdog
        timeout = _positive(section, "command_timeout", join(safety, where))
        if not timeout > period:
            raise ConfigError(join(safety, f"{where}.command_timeout"),
                              f"{timeout:g} s is not longer than one policy period ({period:g} s at {runtime}: "
                              f"policy.rate {policy_rate:g} Hz): the watchdog would stop the arm between commands")
