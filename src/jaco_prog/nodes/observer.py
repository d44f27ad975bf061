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

"""Observer: a ROS 2 node that listens to a running graph from another process (tests, benchmarks).

    observer = Observer(domain_id)           # its own rclpy context in that DDS domain, spinning in a thread
    observer.listen("reward", "joint_command")
    observer.messages("reward")              # [(monotonic time, message), ...]
    observer.call("std_srvs/srv/Trigger", "/driver/estop", request)
"""
from __future__ import annotations

import threading
import time

from jaco_prog import topics
from jaco_prog.nodes import common


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

    def wait_for(self, predicate, timeout: float, what: str, graph=None):
        """The predicate's first true value within `timeout` s; fails early, with their logs, when a process
        of `graph` (jaco_prog.testing.graph.GraphProcesses) has exited."""
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
