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
        ...                      # talk to it from this process (rclpy, same ROS_DOMAIN_ID)
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
import threading
import time
from pathlib import Path

import yaml

from jaco_prog import topics
from jaco_prog.nodes import common
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


class Observer:
    """A ROS 2 node of this process in the graph's domain (its own rclpy context): records what arrives on
    contract topics (monotonic time, message) and calls services; its executor spins in a thread."""

    def __init__(self, domain_id: int, name: str = "test_observer"):
        import rclpy
        from rclpy.context import Context
        from rclpy.executors import SingleThreadedExecutor

        self.context = Context()
        rclpy.init(context=self.context, domain_id=domain_id)
        self.node = rclpy.create_node(name, context=self.context)
        self.got: dict[str, list] = {}
        self.lock = threading.Lock()
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        self.thread = threading.Thread(target=self.executor.spin, daemon=True)
        self.thread.start()

    def listen(self, *keys: str) -> None:
        for key in keys:
            self.got[key] = []
            self.node.create_subscription(common.msg_type(key), topics.name(key),
                                          lambda msg, key=key: self._record(key, msg),
                                          common.qos_profile(topics.TOPICS[key].subscriber_qos))

    def _record(self, key, msg) -> None:
        with self.lock:
            self.got[key].append((time.monotonic(), msg))

    def messages(self, key: str) -> list:
        with self.lock:
            return list(self.got[key])

    def wait_for(self, predicate, timeout: float, what: str, graph: GraphProcesses | None = None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            if graph is not None and not all(graph.alive().values()):
                dead = [n for n, alive in graph.alive().items() if not alive]
                raise AssertionError(f"{dead} exited while waiting for {what}:\n"
                                     + "\n".join(graph.log(n)[-2000:] for n in dead))
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")

    def call(self, srv_type: str, name: str, request, timeout: float = 10.0):
        client = self.node.create_client(common.interface(srv_type), name)
        try:
            assert client.wait_for_service(timeout_sec=timeout), f"service {name} not found"
            future = client.call_async(request)
            deadline = time.monotonic() + timeout
            while not future.done() and time.monotonic() < deadline:
                time.sleep(0.01)
            assert future.done(), f"service {name} did not answer within {timeout} s"
            return future.result()
        finally:
            self.node.destroy_client(client)

    def close(self) -> None:
        import rclpy

        self.executor.shutdown()
        self.thread.join(timeout=5)
        self.node.destroy_node()
        rclpy.shutdown(context=self.context)
