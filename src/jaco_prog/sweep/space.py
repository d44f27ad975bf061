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

Trials = grid points x random samples x seeds. Every key must be a TrainConfig field (run_dir is the sweep's);
an error names the field. Numbers written the YAML 1.1 way (`5e-5`, read as a string) are accepted.
"""
from __future__ import annotations

import itertools
import math
import random
import re
from dataclasses import dataclass, field, fields

import yaml

from jaco_prog.config import ConfigError, kind_of, load_yaml

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


def train_fields() -> dict:
    """TrainConfig field name -> default value."""
    from jaco_prog.learning.config import TrainConfig

    defaults = TrainConfig()
    return {f.name: getattr(defaults, f.name) for f in fields(TrainConfig)}


def check_field(name: str, where: str) -> None:
    known = train_fields()
    if name in RESERVED_FIELDS:
        raise ConfigError(f"{where}.{name}", RESERVED_FIELDS[name])
    if name not in known:
        allowed = sorted(set(known) - set(RESERVED_FIELDS))
        raise ConfigError(f"{where}.{name}", f"not a training config field; known: {', '.join(allowed)}")


def coerce(name: str, value, where: str):
    """`value` as the type of TrainConfig field `name` (strings from the command line or YAML 1.1 numbers)."""
    check_field(name, where)
    default = train_fields()[name]
    if isinstance(value, str) and not isinstance(default, str):
        text = value.strip()
        if default is None:  # optional string fields (preset, from_checkpoint)
            return None if text.lower() in ("null", "none", "~", "") else value
        try:
            parsed = yaml.safe_load(text)
        except yaml.YAMLError:
            parsed = text
        if isinstance(default, float) and isinstance(parsed, str):
            try:
                parsed = float(parsed)
            except ValueError:
                pass
        value = parsed
    if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if default is not None and type(value) is not type(default):
        raise ConfigError(f"{where}.{name}", f"must be {kind_of(default)} (got {value!r})")
    if default is None and value is not None and not isinstance(value, str):
        raise ConfigError(f"{where}.{name}", f"must be a string or null (got {value!r})")
    return value


def _number(value, where: str) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(where, f"must be a number (got {value!r})")
    return float(value)


def check_distribution(name: str, dist, where: str = "random") -> dict:
    """A normalised distribution spec for field `name`; errors name `where.name`."""
    here = f"{where}.{name}"
    check_field(name, where)
    if not isinstance(dist, dict):
        raise ConfigError(here, "must be a mapping like {distribution: loguniform, low: 1.0e-5, high: 1.0e-2} "
                                f"or {{distribution: choice, values: [...]}} (got {dist!r})")
    kind = dist.get("distribution")
    if kind not in DISTRIBUTIONS:
        raise ConfigError(f"{here}.distribution", f"must be one of {', '.join(DISTRIBUTIONS)} (got {kind!r})")
    default = train_fields()[name]
    if kind == "choice":
        extra = sorted(set(dist) - {"distribution", "values"})
        values = dist.get("values")
        if extra:
            raise ConfigError(here, f"unknown keys {extra} for a choice (it takes values)")
        if not isinstance(values, list) or not values:
            raise ConfigError(f"{here}.values", f"must be a non-empty list (got {values!r})")
        return {"distribution": kind, "values": [coerce(name, v, where) for v in values]}
    extra = sorted(set(dist) - {"distribution", "low", "high"})
    if extra:
        raise ConfigError(here, f"unknown keys {extra} for {kind} (it takes low and high)")
    if isinstance(default, bool) or not isinstance(default, (int, float)):
        raise ConfigError(here, f"{kind} needs a numeric field ({name} is a {type(default).__name__}); "
                                "use distribution: choice")
    low, high = _number(dist.get("low"), f"{here}.low"), _number(dist.get("high"), f"{here}.high")
    if low > high:
        raise ConfigError(here, f"low {low:g} is above high {high:g}")
    if kind == "loguniform" and low <= 0:
        raise ConfigError(f"{here}.low", f"loguniform needs low > 0 (got {low:g})")
    return {"distribution": kind, "low": low, "high": high}


def sample_space(space: dict, samples: int, seed: int, where: str = "random") -> list[dict]:
    """`samples` points drawn from `space` ({field: {distribution, low, high | values}}); the same seed gives
    the same points. Integer fields are rounded."""
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise ConfigError("samples", f"must be a positive integer (got {samples!r})")
    if not isinstance(space, dict):
        raise ConfigError(where, f"must be a mapping of field: distribution (got {space!r})")
    dists = {name: check_distribution(name, dist, where) for name, dist in space.items()}
    defaults = train_fields()
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
            if isinstance(defaults[name], int) and not isinstance(defaults[name], bool) \
                    and dist["distribution"] != "choice":
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
            raise ConfigError(f"{where}.{name}", f"must be a non-empty list of values (got {values!r})")
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


def check_spec(spec: dict, where: str = "sweep spec") -> dict:
    """The spec with every part checked and normalised; errors name the part and field."""
    if not isinstance(spec, dict):
        raise ConfigError(where, "top level must be a mapping")
    unknown = sorted(set(spec) - set(SPEC_KEYS))
    if unknown:
        raise ConfigError(where, f"unknown keys {unknown}; known: {', '.join(SPEC_KEYS)}")
    out: dict = {}
    base = spec.get("base") or {}
    if not isinstance(base, dict):
        raise ConfigError(f"{where}: base", f"must be a mapping of field: value (got {base!r})")
    out["base"] = {name: coerce(name, value, f"{where}: base") for name, value in base.items()}
    grid = spec.get("grid") or {}
    grid_points(grid, f"{where}: grid")  # checks fields, lists and value types
    out["grid"] = {name: [coerce(name, v, f"{where}: grid") for v in values] for name, values in grid.items()}
    rand = spec.get("random") or {}
    if not isinstance(rand, dict):
        raise ConfigError(f"{where}: random", f"must be a mapping of field: distribution (got {rand!r})")
    out["random"] = {name: check_distribution(name, dist, f"{where}: random") for name, dist in rand.items()}
    samples = spec.get("samples")
    if out["random"]:
        if samples is None:
            raise ConfigError(f"{where}: samples", "missing: how many random points to draw")
        if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
            raise ConfigError(f"{where}: samples", f"must be a positive integer (got {samples!r})")
        out["samples"] = samples
        sample_seed = spec.get("sample_seed", 0)
        if isinstance(sample_seed, bool) or not isinstance(sample_seed, int):
            raise ConfigError(f"{where}: sample_seed", f"must be an integer (got {sample_seed!r})")
        out["sample_seed"] = sample_seed
    elif samples is not None:
        raise ConfigError(f"{where}: samples", "given without a random section to sample from")
    if spec.get("seeds") is not None:
        out["seeds"] = parse_seeds(spec["seeds"], f"{where}: seeds")
        if "seed" in out["grid"] or "seed" in out["random"] or "seed" in out["base"]:
            raise ConfigError(f"{where}: seeds", "seed is also set by base/grid/random; use one of them")
    varied = [*out["grid"], *out["random"]]
    twice = sorted({n for n in varied if varied.count(n) > 1})
    if twice:
        raise ConfigError(f"{where}: {twice[0]}", "is in both grid and random")
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
