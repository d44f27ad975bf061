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

"""Sweep specs: a grid, random samples and seeds over TrainConfig fields, expanded into named trials.

    base:    {task: reach, algo: a3c, total_steps: 2000000}      # fixed overrides of every trial
    grid:    {column: [wide, narrow]}                            # every combination
    random:                                                      # `samples` points, drawn once
      lr:           {distribution: loguniform, low: 5.0e-5, high: 5.0e-3}
      entropy_coef: {distribution: loguniform, low: 1.0e-5, high: 1.0e-2}
      optimizer:    {distribution: choice, values: [rmsprop, adam]}
    samples: 8
    sample_seed: 0                                               # the random points depend on it only
    seeds: [0, 1, 2]                                             # or "0-4": every point x every seed

Trials = grid points x random samples x seeds. Every key must be a TrainConfig field (run_dir is the sweep's)
and every value obeys that field's rules (jaco_prog.config's typed loader: type, range, choices, finite);
an error is one line naming the file and field (`sweep.yaml: random.lr.low: ...`). Numbers written the YAML
1.1 way (`5e-5`, read as a string) and the command line's strings are accepted for number fields.
"""
from __future__ import annotations

import functools
import itertools
import math
import random
import re
import types
import typing
from dataclasses import dataclass, field, fields
from typing import Any

import yaml

from jaco_prog.config import ConfigError, check_value, config_class, from_mapping, join, load_yaml, number, setting

SPEC_KEYS = ("base", "grid", "random", "samples", "sample_seed", "seeds")
DISTRIBUTIONS = ("loguniform", "uniform", "choice")
RESERVED_FIELDS = {"run_dir": "each trial's run directory is OUT/<trial name>, set by the sweep"}
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._=+,-]*$")
RESERVED_NAMES = {"results.csv", "sweep.yaml"}


@dataclass
class Trial:
    """One training run of a sweep: `overrides` are TrainConfig fields over config/train.yaml (+ --config)."""
    name: str
    overrides: dict = field(default_factory=dict)


def _train_config() -> type:
    from jaco_prog.train_settings import TrainConfig  # torch-free: the sweep imports torch only in its trials

    return TrainConfig


def train_fields() -> dict:
    """TrainConfig field name -> default value (config/train.yaml)."""
    defaults = _train_config()()
    return {f.name: getattr(defaults, f.name) for f in fields(defaults)}


@functools.lru_cache(maxsize=1)
def _field_types() -> dict[str, Any]:
    """TrainConfig field name -> its type (float, int, bool, str, str | None, dict)."""
    return typing.get_type_hints(_train_config())


def _optional_text(kind: Any) -> bool:
    union = typing.get_origin(kind) in (typing.Union, types.UnionType)
    return union and set(typing.get_args(kind)) == {str, type(None)}


def check_field(name: str, where: str) -> None:
    known = _field_types()
    if name in RESERVED_FIELDS:
        raise ConfigError(join(where, name), RESERVED_FIELDS[name])
    if name not in known:
        allowed = sorted(set(known) - set(RESERVED_FIELDS))
        raise ConfigError(join(where, name), f"not a training config field; known: {', '.join(allowed)}")


def _from_text(kind: Any, text: str) -> Any:
    """A command line string or a YAML 1.1 number (`5e-5`) as a value of a field of type `kind`."""
    if _optional_text(kind):  # preset, from_checkpoint
        return None if text.strip().lower() in ("null", "none", "~", "") else text
    try:
        parsed = yaml.safe_load(text.strip())
    except yaml.YAMLError:
        parsed = text.strip()
    if kind is float and isinstance(parsed, str):
        try:
            parsed = float(parsed)
        except ValueError:
            pass
    return parsed


def coerce(name: str, value, where: str):
    """`value` as TrainConfig field `name` takes it (strings from the command line or YAML 1.1 numbers
    converted), checked by that field's rules: type, range, choices, finite."""
    check_field(name, where)
    kind = _field_types()[name]
    if isinstance(value, str) and kind is not str:
        value = _from_text(kind, value)
    return check_value(_train_config(), name, value, join(where, name))


def _bound(value, where: str) -> float:
    """A distribution's low or high: a finite number (a YAML 1.1 `5e-5` string too)."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    return number(value, where)


def _values(value, where: str) -> list:
    if not isinstance(value, list) or not value:
        raise ConfigError(where, f"must be a non-empty list (got {value!r})")
    return value


@config_class()
class Interval:
    """A number drawn between low and high (an integer field's draw is rounded)."""
    distribution: str = setting("loguniform: uniform in log(value); uniform", choices=("loguniform", "uniform"))
    low: float = setting("the smallest value drawn", parse=_bound)
    high: float = setting("the largest value drawn", parse=_bound)

    def check_config(self, where: str) -> None:
        if self.low > self.high:
            raise ConfigError(where, f"low {self.low:g} is above high {self.high:g}")
        if self.distribution == "loguniform" and self.low <= 0:
            raise ConfigError(join(where, "low"), f"loguniform needs low > 0 (got {self.low:g})")


@config_class()
class Choice:
    """One of `values`, each as likely."""
    distribution: str = setting("choice", choices=("choice",))
    values: list = setting("the values drawn from", parse=_values)


def check_distribution(name: str, dist, where: str = "random") -> dict:
    """A normalised distribution spec for field `name`; errors name `where.name`. The values it can draw obey
    the field's rules (an interval's ends, rounded for an integer field; every choice)."""
    here = join(where, name)
    check_field(name, where)
    if not isinstance(dist, dict):
        raise ConfigError(here, "must be a mapping like {distribution: loguniform, low: 1.0e-5, high: 1.0e-2} "
                                f"or {{distribution: choice, values: [...]}} (got {dist!r})")
    kind = dist.get("distribution")
    if kind not in DISTRIBUTIONS:
        raise ConfigError(join(here, "distribution"), f"must be one of {', '.join(DISTRIBUTIONS)} (got {kind!r})")
    if kind == "choice":
        choice = from_mapping(Choice, dist, here)
        return {"distribution": kind, "values": [coerce(name, v, where) for v in choice.values]}
    field_type = _field_types()[name]
    if field_type not in (int, float):
        shown = getattr(field_type, "__name__", str(field_type))
        raise ConfigError(here, f"{kind} needs a numeric field ({name} is a {shown}); use distribution: choice")
    interval = from_mapping(Interval, dist, here)
    for end in ("low", "high"):
        value = getattr(interval, end)
        check_value(_train_config(), name, int(round(value)) if field_type is int else value, join(here, end))
    return {"distribution": kind, "low": interval.low, "high": interval.high}


def sample_space(space: dict, samples: int, seed: int, where: str = "random") -> list[dict]:
    """`samples` points drawn from `space` ({field: {distribution, low, high | values}}); the same seed gives
    the same points. Integer fields are rounded."""
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise ConfigError("samples", f"must be a positive integer (got {samples!r})")
    if not isinstance(space, dict):
        raise ConfigError(where, f"must be a mapping of field: distribution (got {space!r})")
    dists = {name: check_distribution(name, dist, where) for name, dist in space.items()}
    types_ = _field_types()
    rng = random.Random(seed)
    points = []
    for _ in range(samples):
        point = {}
        for name in sorted(dists):  # a fixed order: a point depends on the seed only
            dist = dists[name]
            if dist["distribution"] == "choice":
                value = dist["values"][rng.randrange(len(dist["values"]))]
            elif dist["distribution"] == "loguniform":
                value = math.exp(rng.uniform(math.log(dist["low"]), math.log(dist["high"])))
            else:
                value = rng.uniform(dist["low"], dist["high"])
            if types_[name] is int and dist["distribution"] != "choice":
                value = int(round(value))
            elif isinstance(value, float):  # readable in results.csv; far below any tuning resolution
                value = min(max(float(f"{value:.6g}"), dist["low"]), dist["high"])
            point[name] = value
        points.append(point)
    return points


def grid_points(grid: dict, where: str = "grid") -> list[dict]:
    """Every combination of `grid` ({field: [values]}), the first field varying slowest."""
    if not isinstance(grid, dict):
        raise ConfigError(where, f"must be a mapping of field: [values] (got {grid!r})")
    axes = []
    for name, values in grid.items():
        check_field(name, where)
        if not isinstance(values, list) or not values:
            raise ConfigError(join(where, name), f"must be a non-empty list of values (got {values!r})")
        axes.append([(name, coerce(name, v, where)) for v in values])
    return [dict(combo) for combo in itertools.product(*axes)]


def parse_seeds(value, where: str = "seeds") -> list[int]:
    """[0, 1, 2], 3, "0-4" or "0,2,5" -> a list of ints."""
    if isinstance(value, bool):
        raise ConfigError(where, f"must be a list of integers or a range like 0-4 (got {value!r})")
    if isinstance(value, int):
        return [value]
    if isinstance(value, str):
        seeds = []
        for part in filter(None, (p.strip() for p in value.split(","))):
            match = re.fullmatch(r"(-?\d+)\s*-\s*(-?\d+)", part)
            if match:
                low, high = int(match[1]), int(match[2])
                if low > high:
                    raise ConfigError(where, f"range {part} runs backwards")
                seeds.extend(range(low, high + 1))
            elif re.fullmatch(r"-?\d+", part):
                seeds.append(int(part))
            else:
                raise ConfigError(where, f"{part!r} is not an integer or a range like 0-4")
        value = seeds
    if not isinstance(value, list) or not value or \
            any(isinstance(s, bool) or not isinstance(s, int) for s in value):
        raise ConfigError(where, f"must be a non-empty list of integers or a range like 0-4 (got {value!r})")
    if len(set(value)) != len(value):
        raise ConfigError(where, f"lists a seed twice ({value})")
    return list(value)


def _base(value, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(where, f"must be a mapping of field: value (got {value!r})")
    return {name: coerce(name, v, where) for name, v in value.items()}


def _grid(value, where: str) -> dict:
    if value is None:
        return {}
    grid_points(value, where)  # checks fields, lists and values
    return {name: [coerce(name, v, where) for v in values] for name, values in value.items()}


def _random(value, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(where, f"must be a mapping of field: distribution (got {value!r})")
    return {name: check_distribution(name, dist, where) for name, dist in value.items()}


def _seeds(value, where: str) -> list[int] | None:
    return None if value is None else parse_seeds(value, where)


@config_class()
class SweepSpec:
    """A sweep spec file: every key may be left out (or null)."""
    base: dict = setting("TrainConfig fields every trial sets", parse=_base)
    grid: dict = setting("TrainConfig field: [values]; every combination", parse=_grid)
    random: dict = setting("TrainConfig field: distribution; `samples` points", parse=_random)
    samples: int | None = setting("random points to draw (with a random section)", low=1)
    sample_seed: int = setting("the random points depend on it only")
    seeds: list | None = setting("training seeds: every point x every seed ([0, 1], 3, '0-4', '0,3,7')",
                                 parse=_seeds)

    def check_config(self, where: str) -> None:
        if self.random and self.samples is None:
            raise ConfigError(join(where, "samples"), "missing: how many random points to draw")
        if not self.random and self.samples is not None:
            raise ConfigError(join(where, "samples"), "given without a random section to sample from")
        if self.seeds is not None and ("seed" in self.grid or "seed" in self.random or "seed" in self.base):
            raise ConfigError(join(where, "seeds"), "seed is also set by base/grid/random; use one of them")
        varied = [*self.grid, *self.random]
        twice = sorted({n for n in varied if varied.count(n) > 1})
        if twice:
            raise ConfigError(join(where, twice[0]), "is in both grid and random")


# What a spec means by a key it leaves out: no base, grid, random section or seeds; the random points drawn
# with sample_seed 0.
LEFT_OUT = SweepSpec(base={}, grid={}, random={}, samples=None, sample_seed=0, seeds=None)


def check_spec(spec: dict, where: str = "sweep spec") -> dict:
    """The spec with every part checked and normalised; errors name the part and field."""
    if not isinstance(spec, dict):
        raise ConfigError(where, "top level must be a mapping")
    prefix = where if where.endswith((":", ".yaml", ".yml")) else f"{where}:"
    checked = from_mapping(SweepSpec, spec, prefix, base=LEFT_OUT)
    out: dict = {"base": checked.base, "grid": checked.grid, "random": checked.random}
    if checked.random:
        out["samples"] = checked.samples
        out["sample_seed"] = checked.sample_seed
    if checked.seeds is not None:
        out["seeds"] = checked.seeds
    return out


def _format_value(value) -> str:
    if isinstance(value, float):
        text = f"{value:.3g}"
    elif value is None:
        text = "none"
    else:
        text = str(value)
    return re.sub(r"[^A-Za-z0-9.+-]+", "_", text).strip("_") or "x"


def trial_name(index: int, point: dict) -> str:
    parts = [f"t{index:03d}"] + [f"{_short(k)}={_format_value(v)}" for k, v in point.items()]
    return "_".join(parts)


def _short(name: str) -> str:
    return {"entropy_coef": "ent", "total_steps": "steps", "from_checkpoint": "from"}.get(name, name)


def expand_spec(spec: dict, where: str = "sweep spec") -> list[Trial]:
    """Trials of a spec: grid points x random samples x seeds, each with the base overrides; names carry the
    varied values (t003_lr=0.00032_ent=0.0011_seed=1)."""
    spec = check_spec(spec, where)
    grid = grid_points(spec["grid"]) if spec["grid"] else [{}]
    randoms = sample_space(spec["random"], spec["samples"], spec["sample_seed"]) if spec["random"] else [{}]
    seeds = spec.get("seeds")
    trials = []
    for g, r in itertools.product(grid, randoms):
        for seed in (seeds if seeds is not None else [None]):
            point = {**g, **r}
            if seed is not None:
                point["seed"] = seed
            trials.append(Trial(trial_name(len(trials), point), {**spec["base"], **point}))
    return trials


def load_spec(path) -> dict:
    return check_spec(load_yaml(path), str(path))


def check_trials(trials: list) -> None:
    """Names unique and usable as directory names; overrides only TrainConfig fields (not run_dir)."""
    seen = set()
    for trial in trials:
        if not isinstance(trial, Trial):
            raise TypeError(f"expected jaco_prog.sweep.Trial, got {type(trial).__name__}")
        if not isinstance(trial.name, str) or not NAME_PATTERN.match(trial.name) or trial.name in RESERVED_NAMES:
            raise ConfigError(f"trial {trial.name!r}", "names must start with a letter or digit and hold only "
                                                       "letters, digits and . _ = + , - (not results.csv/sweep.yaml)")
        if trial.name in seen:
            raise ConfigError(f"trial {trial.name}", "name used twice")
        seen.add(trial.name)
        if not isinstance(trial.overrides, dict):
            raise ConfigError(f"trial {trial.name}", f"overrides must be a dict (got {trial.overrides!r})")
        for name in trial.overrides:
            check_field(name, f"trial {trial.name}")
