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

"""A kinematic mock arm (integrates the commanded velocities) and a fault-injecting wrapper for any backend."""
from __future__ import annotations

import threading
import time
from typing import Callable

import numpy as np

from jaco_prog.hardware.base import BackendError, ConnectionLost, HardwareBackend, JointState


class MockBackend(HardwareBackend):
    """Positions integrate the last command over the clock; every call is recorded in `calls`."""

    name = "mock"
    inline_calls = True  # in-process: a call cannot hang

    def __init__(self, joint_names: list[str], clock: Callable[[], float], q0: np.ndarray | None = None):
        super().__init__(joint_names)
        self._clock = clock
        self.q = np.zeros(len(joint_names)) if q0 is None else np.array(q0, float)
        self.velocity = np.zeros(len(joint_names))
        self._t = clock()
        self._connected = False
        self.estopped = False
        self.calls: list[tuple] = []

    def _integrate(self) -> None:
        now = self._clock()
        if not self.estopped:
            self.q = self.q + self.velocity * (now - self._t)
        self._t = now

    @property
    def connected(self) -> bool:
        return self._connected

    def connect(self) -> None:
        self.calls.append(("connect",))
        self._connected = True
        self._t = self._clock()

    def read_state(self) -> JointState:
        self._integrate()
        return JointState(self.q.copy(), self.velocity.copy(), self._t)

    def send_velocities(self, velocities: np.ndarray) -> None:
        self._integrate()
        self.calls.append(("send", np.array(velocities, float)))
        self.velocity = np.array(velocities, float)

    def stop(self) -> None:
        self._integrate()
        self.calls.append(("stop",))
        self.velocity = np.zeros(len(self.joint_names))

    def estop(self) -> None:
        self.stop()
        self.calls.append(("estop",))
        self.estopped = True

    def clear_faults(self) -> None:
        self.calls.append(("clear_faults",))
        self.estopped = False

    def close(self) -> None:
        self.calls.append(("close",))
        self._connected = False


class FaultInjectingBackend(HardwareBackend):
    """Wraps a backend; tests switch faults on and off.

    fail_sends:  the next N send_velocities calls raise `send_error` (after nothing reached the arm).
    fail_reads:  the next N read_state calls raise `read_error` (OSError, TimeoutError, ValueError, ...).
    unplug():    the link is down: every call raises ConnectionLost, connect() included, until plug().
                 `outage` says what the arm does meanwhile: "hold" keeps its last command (the worst case,
                 e.g. Kortex' joint-speed command, which has no watchdog), "stop" halts it (an arm-side
                 watchdog, e.g. the Gen2 controller when the 100 Hz stream stops).
    fail_stop:   stop() raises `stop_error` too (a stop that cannot be delivered).
    hang(*calls, seconds): those calls ("send", "read_state", "close", ...) block until release() (at most `seconds`),
                 before reaching the arm; `hanging` names the call blocked right now.
    delay:       every call takes this long (s) first: a slow link.
    A wrapper with a hang or a delay set is not an in-process backend any more: the driver gives its calls
    deadlines (inline_calls False).
    """

    def __init__(self, inner: HardwareBackend, outage: str = "hold"):
        super().__init__(inner.joint_names)
        if outage not in ("hold", "stop"):
            raise ValueError("outage must be 'hold' or 'stop'")
        self.inner = inner
        self.name = f"faulty({inner.name})"
        self.outage = outage
        self.fail_sends = 0
        self.send_error: Exception = BackendError("injected send failure")
        self.fail_stop = False
        self.stop_error: Exception = BackendError("injected stop failure")
        self.fail_reads = 0
        self.read_error: Exception = BackendError("injected read failure")
        self.unplugged = False
        self.delay = 0.0
        self.hanging: str | None = None
        self._hang_calls: set[str] = set()
        self._hang_seconds: float | None = None
        self._released = threading.Event()
        self.calls: list[str] = []

    @property
    def inline_calls(self) -> bool:
        return self.inner.inline_calls and not self._hang_calls and not self.delay

    def hang(self, *calls: str, seconds: float | None = None) -> None:
        self._released.clear()
        self._hang_seconds = seconds
        self._hang_calls = set(calls)

    def release(self) -> None:
        self._hang_calls = set()
        self._released.set()

    def unplug(self) -> None:
        self.unplugged = True
        if self.outage == "stop":
            self.inner.stop()

    def plug(self) -> None:
        self.unplugged = False

    def _check_link(self, what: str) -> None:
        self.calls.append(what)
        if self.delay:
            time.sleep(self.delay)
        if what in self._hang_calls:
            self.hanging = what
            try:
                self._released.wait(self._hang_seconds)
            finally:
                self.hanging = None
        if self.unplugged:
            raise ConnectionLost(f"injected: link down during {what}")

    @property
    def connected(self) -> bool:
        return self.inner.connected and not self.unplugged

    def connect(self) -> None:
        self._check_link("connect")
        self.inner.connect()

    def read_state(self) -> JointState:
        self._check_link("read_state")
        if self.fail_reads > 0:
            self.fail_reads -= 1
            raise self.read_error
        return self.inner.read_state()

    def send_velocities(self, velocities: np.ndarray) -> None:
        self._check_link("send")
        if self.fail_sends > 0:
            self.fail_sends -= 1
            raise self.send_error
        self.inner.send_velocities(velocities)

    def stop(self) -> None:
        self._check_link("stop")
        if self.fail_stop:
            raise self.stop_error
        self.inner.stop()

    def estop(self) -> None:
        self._check_link("estop")
        self.inner.estop()

    def clear_faults(self) -> None:
        self._check_link("clear_faults")
        self.inner.clear_faults()

    def close(self) -> None:
        self._check_link("close")
        self.inner.close()
