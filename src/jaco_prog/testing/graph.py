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

"""The graph as separate OS processes over real DDS, started from what a launch file declares.

    with GraphProcesses(declared_nodes("sim.launch.py", {"rviz": "false"}), workdir) as graph:
        ...                      # talk to it: jaco_prog.nodes.observer.Observer(graph.domain_id)
        codes = graph.interrupt() # SIGINT (twice, the second during shutdown): every exit code

Each node runs its console script (setup.py's entry point, installed next to this interpreter) with
`--ros-args -r __node:=<name> --params-file <each file> --params-file <its values>`, as ros2 launch runs it;
stdout/stderr go to <workdir>/<name>.log. The environment gets a DDS domain of its own and localhost
discovery. On leaving the block every process still alive is killed, so a test never leaves one behind.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from jaco_prog.testing.launch_files import DeclaredNode


def isolated_ros_env(domain_id: int | None = None) -> dict[str, str]:
    """This environment with its own ROS_DOMAIN_ID (1-100 unless given) and localhost-only discovery."""
    env = dict(os.environ)
    env["ROS_DOMAIN_ID"] = str(domain_id if domain_id is not None else random.randint(1, 100))
    env["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
    env.setdefault("MUJOCO_GL", "egl")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def executable(name: str) -> str:
    path = Path(sys.executable).parent / name
    if not path.is_file():
        raise FileNotFoundError(f"no executable {name} next to {sys.executable} (pip install -e . installs the "
                                "nodes' console scripts there)")
    return str(path)


def command_line(node: DeclaredNode, values_file: Path) -> list[str]:
    args = [executable(node.executable), *node.arguments, "--ros-args", "-r", f"__node:={node.name}"]
    for path in node.parameter_files:
        args += ["--params-file", str(path)]
    return args + ["--params-file", str(values_file)]


class GraphProcesses:
    def __init__(self, nodes: list[DeclaredNode], workdir: str | Path, env: dict[str, str] | None = None,
                 extra_parameters: dict[str, dict] | None = None):
        self.nodes = [n for n in nodes if n.enabled]
        self.workdir = Path(workdir)
        self.env = env or isolated_ros_env()
        self.extra = extra_parameters or {}
        self.processes: dict[str, subprocess.Popen] = {}
        self._logs = []

    @property
    def domain_id(self) -> int:
        return int(self.env["ROS_DOMAIN_ID"])

    def start(self) -> "GraphProcesses":
        self.workdir.mkdir(parents=True, exist_ok=True)
        for node in self.nodes:
            values = {**node.parameters, **self.extra.get(node.name, {})}
            values_file = self.workdir / f"{node.name}.params.yaml"
            values_file.write_text(yaml.safe_dump({node.name: {"ros__parameters": values}}))
            log = open(self.workdir / f"{node.name}.log", "wb")
            self._logs.append(log)
            self.processes[node.name] = subprocess.Popen(command_line(node, values_file), env=self.env,
                                                         stdout=log, stderr=subprocess.STDOUT)
        return self

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text(errors="replace")

    def alive(self) -> dict[str, bool]:
        return {name: p.poll() is None for name, p in self.processes.items()}

    def interrupt(self, second_after: float | None = 0.05, timeout: float = 30.0) -> dict[str, int | None]:
        """SIGINT to every process (Ctrl-C), and a second one `second_after` s later, while they shut down;
        the exit codes (None: still running after `timeout`, then killed)."""
        for p in self.processes.values():
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        if second_after is not None:
            time.sleep(second_after)
            for p in self.processes.values():
                if p.poll() is None:
                    p.send_signal(signal.SIGINT)
        codes = {}
        deadline = time.monotonic() + timeout
        for name, p in self.processes.items():
            try:
                codes[name] = p.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                codes[name] = None
        self.kill()
        return codes

    def kill(self) -> None:
        for p in self.processes.values():
            if p.poll() is None:
                p.kill()
                p.wait()
        for log in self._logs:
            log.close()
        self._logs = []

    def __enter__(self) -> "GraphProcesses":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.kill()
