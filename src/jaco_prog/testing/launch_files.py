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

"""What a launch file declares, read without the ROS 2 `launch` package (it is not on PyPI).

    nodes = declared_nodes("sim.launch.py", {"rviz": "false"})
    nodes[0].executable, nodes[0].name, nodes[0].parameter_files, nodes[0].parameters

The launch file is executed with recording stand-ins for the few `launch` / `launch_ros` names it uses
(LaunchDescription, DeclareLaunchArgument, Node, ExecuteProcess, IfCondition, UnlessCondition,
LaunchConfiguration, PathJoinSubstitution, FindPackageShare, ParameterValue, Command), and for what
jaco_prog.nodes.launch_arguments, which sim.launch.py and real.launch.py share, imports when they call it; substitutions
then resolve against the declared arguments' defaults and the given overrides, so the processes a test starts
are the ones the launch file names, with its parameter files and values. A name the launch file uses that is not
stood in for fails loudly instead of being guessed.
"""
from __future__ import annotations

import importlib.util
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jaco_prog.paths import share_dir


@dataclass
class DeclaredNode:
    package: str
    executable: str
    name: str
    parameter_files: list[Path] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)  # in declaration order; later entries win
    arguments: list[str] = field(default_factory=list)
    enabled: bool = True  # its condition (IfCondition) holds


class _Recorded:
    """A call to a launch API name: its positional and keyword arguments, kept for resolution."""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


def _standin(name: str) -> type:
    return type(name, (_Recorded,), {})


_Description = _standin("LaunchDescription")
_Declare, _Process = _standin("DeclareLaunchArgument"), _standin("ExecuteProcess")
_IfCondition, _UnlessCondition = _standin("IfCondition"), _standin("UnlessCondition")
_LaunchConfiguration, _PathJoin, _Command = (_standin(n) for n in ("LaunchConfiguration", "PathJoinSubstitution",
                                                                   "Command"))
_Node, _ParameterValue, _PackageShare = (_standin(n) for n in ("Node", "ParameterValue", "FindPackageShare"))


STANDINS = {
    "launch": {"LaunchDescription": _Description},
    "launch.actions": {"DeclareLaunchArgument": _Declare, "ExecuteProcess": _Process},
    "launch.conditions": {"IfCondition": _IfCondition, "UnlessCondition": _UnlessCondition},
    "launch.substitutions": {"LaunchConfiguration": _LaunchConfiguration, "PathJoinSubstitution": _PathJoin,
                             "Command": _Command},
    "launch_ros.actions": {"Node": _Node},
    "launch_ros.parameter_descriptions": {"ParameterValue": _ParameterValue},
    "launch_ros.substitutions": {"FindPackageShare": _PackageShare},
}


def _description(path: Path):
    saved = {name: sys.modules.get(name) for name in STANDINS}
    try:
        for name, attrs in STANDINS.items():
            module = types.ModuleType(name)
            module.__dict__.update(attrs)
            sys.modules[name] = module
        spec = importlib.util.spec_from_file_location(f"_launch_{path.stem.replace('.', '_')}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.generate_launch_description()
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


class _Resolver:
    def __init__(self, arguments: dict[str, str], share: Path):
        self.arguments, self.share = arguments, share

    def __call__(self, value):
        if isinstance(value, _LaunchConfiguration):
            name = value.args[0]
            if name not in self.arguments:
                raise KeyError(f"launch argument {name!r} is used but not declared")
            return self.arguments[name]
        if isinstance(value, _PathJoin):
            return str(Path(*(str(self(part)) for part in value.args[0])))
        if isinstance(value, _PackageShare):
            if value.args[0] != "jaco_prog":
                raise KeyError(f"package {value.args[0]!r}: only jaco_prog's share directory is known here")
            return str(self.share)
        if isinstance(value, _ParameterValue):
            kind = value.kwargs.get("value_type")
            resolved = self(value.args[0])
            if kind is bool and isinstance(resolved, str):  # launch_ros reads 'true' / 'false' as YAML does
                return resolved.strip().lower() in ("true", "1")
            return kind(resolved) if kind is not None else resolved
        if isinstance(value, _Command):
            return None  # run by a shell in a real launch; no jaco_prog node takes one
        if isinstance(value, (list, tuple)):
            return [self(v) for v in value]
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, _Recorded):
            raise TypeError(f"cannot resolve {type(value).__name__} here")
        return value

    def condition(self, value) -> bool:
        if value is None:
            return True
        text = str(self(value.args[0])).strip().lower()
        if text not in ("true", "false", "1", "0"):
            raise ValueError(f"condition value {text!r} is not a boolean")
        return (text in ("true", "1")) != isinstance(value, _UnlessCondition)


def _defaults(actions) -> dict[str, str]:
    resolve = _Resolver({}, share_dir())
    return {a.args[0]: resolve(a.kwargs.get("default_value", "")) for a in actions if isinstance(a, _Declare)}


def launch_arguments(name: str) -> dict[str, str]:
    """The declared launch arguments of launch/<name> with their defaults."""
    return _defaults(_description(share_dir() / "launch" / name).args[0])


def declared_nodes(name: str, arguments: dict[str, str] | None = None, package: str | None = "jaco_prog") \
        -> list[DeclaredNode]:
    """The Node actions of launch/<name> (only `package`'s unless None), resolved with the declared defaults
    overridden by `arguments`."""
    actions = _description(share_dir() / "launch" / name).args[0]
    defaults = _defaults(actions)
    unknown = set(arguments or {}) - set(defaults)
    if unknown:
        raise KeyError(f"{name} declares no launch argument(s) {sorted(unknown)}")
    resolve = _Resolver({**defaults, **(arguments or {})}, share_dir())
    nodes = []
    for action in actions:
        if not isinstance(action, _Node) or (package and action.kwargs["package"] != package):
            continue
        node = DeclaredNode(action.kwargs["package"], action.kwargs["executable"], action.kwargs["name"],
                            arguments=[str(a) for a in resolve(action.kwargs.get("arguments", []))],
                            enabled=resolve.condition(action.kwargs.get("condition")))
        for entry in resolve(action.kwargs.get("parameters", [])):
            if isinstance(entry, dict):
                node.parameters.update(entry)
            elif node.parameters:  # a process gets its files first, then the values: keep that order true
                raise ValueError(f"{name}: {node.name} names a parameter file after parameter values")
            else:
                node.parameter_files.append(Path(entry))
        nodes.append(node)
    return nodes
