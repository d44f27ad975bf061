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

"""YAML loading with errors that name the offending field, e.g. `robots.yaml: profiles.j2n6s300.joints[2].action_velocity`."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml


class ConfigError(ValueError):
    """A configuration value is missing or wrong; the message names the file and field."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where = where


_KIND_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string", dict: "a mapping",
               list: "a list"}


def kind_of(example: Any) -> str:
    """What a value of `example`'s type is called in an error message ("an integer", not "a int")."""
    return _KIND_NAMES.get(type(example), f"a {type(example).__name__}")


def load_yaml(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(str(path), "file not found")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ConfigError(str(path), f"not valid YAML ({err})") from err
    if not isinstance(data, dict):
        raise ConfigError(str(path), "top level must be a mapping")
    return data


def deep_merge(base: dict, override: dict) -> dict:
    """Recursive dict merge; `override` wins; neither input is modified."""
    out = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def require(mapping: dict, key: str, where: str) -> Any:
    if not isinstance(mapping, dict) or key not in mapping:
        raise ConfigError(f"{where}.{key}" if where else key, "missing")
    return mapping[key]


def number(value: Any, where: str, *, positive: bool = False, non_negative: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(where, f"must be a number (got {value!r})")
    if positive and not value > 0:
        raise ConfigError(where, f"must be > 0 (got {value})")
    if non_negative and value < 0:
        raise ConfigError(where, f"must be >= 0 (got {value})")
    return float(value)


def number_range(value: Any, where: str, *, non_negative: bool = False) -> tuple[float, float]:
    """A [low, high] pair with low <= high."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ConfigError(where, f"must be a [low, high] pair (got {value!r})")
    low = number(value[0], f"{where}[0]", non_negative=non_negative)
    high = number(value[1], f"{where}[1]", non_negative=non_negative)
    if low > high:
        raise ConfigError(where, f"low {low} is above high {high}")
    return low, high


def ticks_per(control_rate: float, rate: float, where: str) -> int:
    """How many driver periods one period of `rate` spans; the rates must divide the control rate."""
    n = control_rate / rate
    if rate > control_rate or abs(n - round(n)) > 1e-6:
        raise ConfigError(where, f"{rate:g} Hz must divide the driver control rate {control_rate:g} Hz "
                                 "(safety.yaml control_rate)")
    return int(round(n))
