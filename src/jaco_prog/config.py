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

"""The one typed loader of config/*.yaml; every error is one line naming the file and the field, e.g.
`robots.yaml: profiles.j2n6s300.joints[2].action_velocity: must be > 0 (got -0.5)`.

A config section is a dataclass made with `config_class` whose fields are `setting(...)`s: help, unit, range
and choices live on the field, and the command line flags are made from them (`add_flags`). `from_mapping`
builds one from YAML and refuses, each in one line: unknown keys, missing keys (one policy: a file that is a
section's home must give every key; an override layer over it gives only what it changes), NaN and inf,
values out of range or not among the choices. `load_yaml` refuses duplicate keys and reports malformed YAML
as `file:line:column: problem`.

YAML is the only source of defaults: `config_class("train.yaml")` has no default in the code; a field left
out when constructing (`TrainConfig(lr=1e-3)`) takes its value from the class's YAML home.
"""
from __future__ import annotations

import copy
import dataclasses
import functools
import math
import types
import typing
from pathlib import Path
from typing import Any, Callable

import yaml

from jaco_prog.errors import UserError


class ConfigError(UserError, ValueError):
    """A configuration value is missing or wrong; the message (one line) names the file and field."""

    def __init__(self, where: str, message: str):
        text = f"{where}: {message}" if where else message
        super().__init__(" ".join(text.splitlines()))
        self.where = where


_KIND_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string", dict: "a mapping",
               list: "a list"}


def kind_of(example: Any) -> str:
    """What a value of `example`'s type is called in an error message ("an integer", not "a int")."""
    return _KIND_NAMES.get(type(example), f"a {type(example).__name__}")


def join(where: str, key: Any) -> str:
    """The name of `key` inside `where`: `task.yaml` + `task` -> `task.yaml: task`, + `episode_steps` ->
    `task.yaml: task.episode_steps`; a `where` ending in ':' (`train config:`) is followed by a space."""
    key = str(key)
    if not where:
        return key
    if where.endswith(":"):
        return f"{where} {key}"
    if where.endswith((".yaml", ".yml")):
        return f"{where}: {key}"
    return f"{where}.{key}"


# --- YAML ---------------------------------------------------------------------------------------------------
def _yaml_problem(err: yaml.YAMLError, source: str) -> ConfigError:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source
    problem = getattr(err, "problem", None) or getattr(err, "context", None) or str(err)
    context = getattr(err, "context", None)
    detail = f"{problem} ({context})" if context and context != problem else problem
    return ConfigError(where, f"not valid YAML: {detail}")


def _refuse_duplicate_keys(node: yaml.Node, source: str, path: str, seen: set[int]) -> None:
    if id(node) in seen:  # an alias of a node already walked
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *anchor` merges; explicit keys may override it
                _refuse_duplicate_keys(value_node, source, path, seen)
                continue
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            here = join(path, key) if path else str(key)
            if key is not None:
                if key in first_line:
                    mark = key_node.start_mark
                    raise ConfigError(f"{source}:{mark.line + 1}:{mark.column + 1}",
                                      f"{here}: duplicate key (first at line {first_line[key]})")
                first_line[key] = key_node.start_mark.line + 1
            _refuse_duplicate_keys(value_node, source, here, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _refuse_duplicate_keys(item, source, f"{path}[{i}]", seen)


def parse_yaml(text: str, source: str) -> Any:
    """YAML 1.1 as yaml.safe_load reads it, but a duplicate key is an error and so is malformed YAML, each
    in one line `source:line:column: ...`."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        raise _yaml_problem(err, source) from None
    if node is None:
        return None
    _refuse_duplicate_keys(node, source, "", set())
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    except yaml.YAMLError as err:
        raise _yaml_problem(err, source) from None
    finally:
        loader.dispose()


def load_yaml(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(str(path), "file not found")
    data = parse_yaml(path.read_text(), str(path))
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
        raise ConfigError(join(where, key), "missing key")
    return mapping[key]


# --- numbers --------------------------------------------------------------------------------------------------
def _not_a_number(value: Any, where: str) -> ConfigError:
    hint = ""
    if isinstance(value, str):
        try:
            float(value)
            hint = " (YAML 1.1 reads a float without a dot as text: write 3.0e-4, not 3e-4)"
        except ValueError:
            pass
    return ConfigError(where, f"must be a number (got {value!r}){hint}")


def number(value: Any, where: str, *, positive: bool = False, non_negative: bool = False) -> float:
    """A finite number: NaN and inf are refused (`.inf` would disable a watchdog, `.nan` poison a filter)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _not_a_number(value, where)
    if not math.isfinite(value):
        raise ConfigError(where, f"must be a finite number (got {value})")
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


# --- settings ---------------------------------------------------------------------------------------------------
_SETTING = "jaco_prog.setting"


@dataclasses.dataclass(frozen=True)
class Setting:
    """What a config field is: its help, unit and allowed values. Bounds apply to every number in the field
    (each element of a list, both ends of a range)."""
    help: str = ""
    unit: str = ""
    low: float | None = None          # value >= low
    high: float | None = None         # value <= high
    above: float | None = None        # value > above
    choices: tuple | Callable[[], tuple] | None = None  # a callable is asked when a value is checked
    range: bool = False               # a [low, high] pair with low <= high
    nonempty: bool = False            # a string or list that may not be empty
    parse: Callable[[Any, str], Any] | None = None  # (value, where) -> value, for shapes the types cannot say
    flag: str | bool = False          # a command line flag: True -> --field-name; a bool's "--no-x" sets false
    unset: str | None = None          # what null means, for the help

    def allowed(self) -> tuple | None:
        return self.choices() if callable(self.choices) else self.choices

    def describe(self) -> str:
        """'m; > 0', 'a3c | a2c': unit, bounds and static choices, for the help."""
        parts = [self.unit] if self.unit else []
        if self.above is not None:
            parts.append(f"> {self.above:g}" + (f", <= {self.high:g}" if self.high is not None else ""))
        elif self.low is not None and self.high is not None:
            parts.append(f"in [{self.low:g}, {self.high:g}]")
        elif self.low is not None:
            parts.append(f">= {self.low:g}")
        elif self.high is not None:
            parts.append(f"<= {self.high:g}")
        if self.choices is not None and not callable(self.choices):
            parts.append(" | ".join(map(str, self.choices)))
        return "; ".join(parts)


def setting(help: str = "", **rules) -> Any:
    """A config field (no default: its class's YAML home gives it, see `config_class`); `rules` are
    Setting's fields."""
    return dataclasses.field(metadata={_SETTING: Setting(help, **rules)})


@functools.lru_cache(maxsize=None)
def _settings(cls: type) -> tuple[tuple[str, Setting, Any], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, f.metadata[_SETTING], hints[f.name]) for f in dataclasses.fields(cls)
                 if _SETTING in f.metadata)


def settings_of(cls: type) -> dict[str, Setting]:
    return {name: meta for name, meta, _ in _settings(cls)}


def _optional(tp: Any) -> Any | None:
    """X for `X | None`, else None."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0]
    return None


def _check_bounds(value: float, where: str, rule: Setting, integer: bool = False) -> None:
    shown = repr(value)
    if rule.above is not None and not value > rule.above:
        raise ConfigError(where, f"must be > {rule.above:g} (got {shown})")
    if rule.low is not None and value < rule.low:
        if integer and rule.low in (0, 1) and rule.high is None:
            kind = "a positive" if rule.low == 1 else "a non-negative"
            raise ConfigError(where, f"must be {kind} integer (got {shown})")
        raise ConfigError(where, f"must be >= {rule.low:g} (got {shown})")
    if rule.high is not None and value > rule.high:
        raise ConfigError(where, f"must be <= {rule.high:g} (got {shown})")


def _check_choice(value: Any, where: str, rule: Setting) -> None:
    allowed = rule.allowed()
    if allowed is not None and value not in allowed:
        raise ConfigError(where, f"must be one of {', '.join(map(str, allowed))} (got {value!r})")


def _noun(tp: Any) -> str:
    return {float: "numbers", int: "integers", str: "names"}.get(tp, "values")


def _convert(tp: Any, value: Any, where: str, rule: Setting, base: Any = None) -> Any:
    if rule.parse is not None:
        return rule.parse(value, where)
    inner = _optional(tp)
    if inner is not None:
        if value is None:
            return None
        tp = inner
    if dataclasses.is_dataclass(tp):
        if isinstance(value, tp):  # a config built in Python: check it as it is
            check_fields(value, where)
            return value
        return from_mapping(tp, value, where, base=base)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(where, f"must be true or false (got {value!r})")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(where, f"must be an integer (got {value!r})")
        _check_bounds(value, where, rule, integer=True)
        _check_choice(value, where, rule)
        return value
    if tp is float:
        number(value, where)
        _check_bounds(value, where, rule)  # the value as the file wrote it
        _check_choice(value, where, rule)
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(where, f"must be a string (got {value!r})")
        if rule.nonempty and not value.strip():
            raise ConfigError(where, "must not be empty")
        _check_choice(value, where, rule)
        return value
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    item = dataclasses.replace(rule, nonempty=False)
    if origin is tuple and rule.range:
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise ConfigError(where, f"must be a [low, high] pair (got {value!r})")
        item = dataclasses.replace(item, range=False)
        low, high = (_convert(float, v, f"{where}[{i}]", item) for i, v in enumerate(value))
        if low > high:
            raise ConfigError(where, f"low {low} is above high {high}")
        return low, high
    if origin is tuple:
        variable = len(args) == 2 and args[1] is Ellipsis
        if variable:
            if not isinstance(value, (list, tuple)) or (rule.nonempty and not value):
                raise ConfigError(where, f"must be a {'non-empty ' if rule.nonempty else ''}list of "
                                         f"{_noun(args[0])} (got {value!r})")
            kinds = [args[0]] * len(value)
        else:
            if not isinstance(value, (list, tuple)) or len(value) != len(args):
                raise ConfigError(where, f"must be a list of {len(args)} {_noun(args[0])} (got {value!r})")
            kinds = list(args)
        return tuple(_convert(t, v, f"{where}[{i}]", item) for i, (t, v) in enumerate(zip(kinds, value)))
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(where, f"must be a mapping (got {value!r})")
        if rule.nonempty and not value:
            raise ConfigError(where, "must not be empty")
        return {str(k): _convert(args[1], v, join(where, k), dataclasses.replace(item, choices=None))
                for k, v in value.items()}
    raise TypeError(f"{where}: config fields of type {tp!r} need a `parse` rule")


def from_mapping(cls: type, raw: Any, where: str, *, base: Any = None) -> Any:
    """`cls` from a YAML mapping. Without `base` every setting must be given (the file is the section's home);
    with `base` (an instance of cls) the mapping overrides only the keys it names. Then `check_config(where)`,
    if the class has one, checks what involves several fields."""
    if raw is None and base is not None:
        return base
    if not isinstance(raw, dict):
        raise ConfigError(where, f"must be a mapping (got {raw!r})")
    fields = _settings(cls)
    names = [name for name, _, _ in fields]
    for key in raw:
        if key not in names:
            raise ConfigError(join(where, key), f"unknown key; known: {', '.join(sorted(names))}")
    values = {}
    for name, rule, tp in fields:
        if name in raw:
            values[name] = _convert(tp, raw[name], join(where, name), rule,
                                    getattr(base, name) if base is not None else None)
        elif base is not None:
            values[name] = copy.deepcopy(getattr(base, name))
        else:
            raise ConfigError(join(where, name), "missing key")
    if base is not None:  # plain fields (not read from YAML) keep the base's values
        values.update({f.name: copy.deepcopy(getattr(base, f.name)) for f in dataclasses.fields(cls)
                       if f.init and f.name not in values})
    obj = cls(**values)
    if hasattr(obj, "check_config"):
        obj.check_config(where)
    return obj


def check_fields(obj: Any, where: str) -> None:
    """Every setting of a config built in Python obeys its rules (the same ones from_mapping applies); a float
    setting given as an int becomes a float."""
    for name, rule, tp in _settings(type(obj)):
        value = _convert(tp, getattr(obj, name), join(where, name), rule)
        if type(value) is not type(getattr(obj, name)) and isinstance(value, float):
            object.__setattr__(obj, name, value)


def check_value(cls: type, name: str, value: Any, where: str) -> Any:
    """One setting of `cls`, checked and converted (for callers that read a few keys of a larger mapping)."""
    for field_name, rule, tp in _settings(cls):
        if field_name == name:
            return _convert(tp, value, where, rule)
    raise KeyError(name)


# --- YAML homes: the only defaults --------------------------------------------------------------------------------
_DEFAULTS: dict[tuple, tuple[int, Any]] = {}


def config_class(home: str | None = None, *section: str, frozen: bool = False) -> Callable[[type], type]:
    """A dataclass of settings. With a `home` (a file in config/, and the keys leading to the section) a field
    not given to the constructor takes the home's value, so the YAML is the only place a default is written."""
    def make(cls: type) -> type:
        cls = dataclasses.dataclass(cls, frozen=frozen)
        if home is None:
            return cls
        cls.__config_home__ = (home, section)
        generated = cls.__init__
        order = [f.name for f in dataclasses.fields(cls) if f.init]
        from_home = [f.name for f in dataclasses.fields(cls) if f.init and _SETTING in f.metadata]

        @functools.wraps(generated)
        def __init__(self, *args, **given):
            given.update(zip(order, args))
            missing = [name for name in from_home if name not in given]
            if missing:
                defaults = yaml_defaults(cls)
                given.update({name: copy.deepcopy(getattr(defaults, name)) for name in missing})
            generated(self, **given)

        cls.__init__ = __init__
        return cls
    return make


def home_label(cls: type) -> str:
    home, section = cls.__config_home__
    return f"config/{home}" + (f" {'.'.join(section)}" if section else "")


def home_section(cls: type, path: str | Path | None = None) -> tuple[Any, str]:
    """The raw section of `cls`'s YAML home, read from `path` (default: the home file in config/), and where it
    is ("tracker.yaml: tracker") for error messages."""
    from jaco_prog.paths import config_path

    home, section = cls.__config_home__
    path = Path(path) if path else config_path(home)
    raw, where = load_yaml(path), path.name
    for name in section:
        raw, where = require(raw, name, where), join(where, name)
    return raw, where


def yaml_defaults(cls: type) -> Any:
    """`cls` as its YAML home gives it (read again when the file changes). Do not modify the result."""
    from jaco_prog.paths import config_path

    path = config_path(cls.__config_home__[0])
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        raise ConfigError(str(path), "file not found") from None
    key = (cls, str(path))
    cached = _DEFAULTS.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    obj = from_mapping(cls, *home_section(cls, path))
    _DEFAULTS[key] = (stamp, obj)
    return obj


# --- command line flags ---------------------------------------------------------------------------------------------
def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def flag_names(cls: type) -> dict[str, str]:
    """setting name -> its flag, for the settings that have one."""
    return {name: (rule.flag if isinstance(rule.flag, str) else "--" + name.replace("_", "-"))
            for name, rule, _ in _settings(cls) if rule.flag}


def _home_values(cls: type) -> dict | None:
    """The YAML home's section as written (not checked: a choice may need a heavy import to be checked, and a
    broken file is reported when the command runs, not by --help); None if it cannot be read."""
    from jaco_prog.paths import config_path

    home, section = cls.__config_home__
    try:
        raw = load_yaml(config_path(home))
        for name in section:
            raw = raw[name]
    except (ConfigError, KeyError, TypeError):
        return None
    return raw if isinstance(raw, dict) else None


def add_flags(parser, cls: type) -> None:
    """One flag per setting with `flag`: default None (the YAML home decides), help = the setting's help, unit,
    bounds and choices, and the home's value."""
    defaults = _home_values(cls)
    label = home_label(cls)
    hints = dict((name, tp) for name, _, tp in _settings(cls))
    rules = settings_of(cls)
    for name, flag in flag_names(cls).items():
        rule, tp = rules[name], hints[name]
        details = rule.describe()
        text = rule.help + (f" [{details}]" if details else "")
        if defaults is None or name not in defaults:
            shown = f"(default: {label})"
        elif defaults[name] is None:
            shown = f"(default: {rule.unset or 'none'})"
        elif tp is bool:
            shown = f"(default {name} {_shown(defaults[name])} from {label})"
        else:
            shown = f"(default {_shown(defaults[name])} from {label})"
        text = f"{text} {shown}".replace("%", "%%")
        if tp is bool:
            parser.add_argument(flag, dest=name, action="store_const", const=not flag.startswith("--no-"),
                                default=None, help=text)
        else:
            kind = _optional(tp) or tp
            parser.add_argument(flag, dest=name, type=kind if kind in (int, float, str) else str, default=None,
                                help=text)


def flag_values(args, cls: type) -> dict[str, Any]:
    """The settings given on the command line (flags left out are not in the result)."""
    return {name: getattr(args, name) for name in flag_names(cls) if getattr(args, name, None) is not None}
