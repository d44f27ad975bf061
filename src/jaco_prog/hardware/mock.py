"""A kinematic mock arm (integrates the commanded velocities) and a fault-injecting wrapper for any backend."""
from __future__ import annotations

from typing import Callable

import numpy as np

from jaco_prog.hardware.base import BackendError, ConnectionLost, HardwareBackend, JointState


class MockBackend(HardwareBackend):
    """Positions integrate the last command over the clock; every call is recorded in `calls`."""

    name = "mock"

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
    unplug():    the link is down: every call raises ConnectionLost, connect() included, until plug().
                 `outage` says what the arm does meanwhile: "hold" keeps its last command (the worst case,
                 e.g. Kortex' joint-speed command, which has no watchdog), "stop" halts it (an arm-side
                 watchdog, e.g. the Gen2 controller when the 100 Hz stream stops).
    fail_stop:   stop() raises too (a stop that cannot be delivered).
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
        self.unplugged = False
        self.calls: list[str] = []

    def unplug(self) -> None:
        self.unplugged = True
        if self.outage == "stop":
            self.inner.stop()

    def plug(self) -> None:
        self.unplugged = False

    def _check_link(self, what: str) -> None:
        self.calls.append(what)
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
            raise BackendError("injected stop failure")
        self.inner.stop()

    def estop(self) -> None:
        self._check_link("estop")
        self.inner.estop()

    def clear_faults(self) -> None:
        self._check_link("clear_faults")
        self.inner.clear_faults()

    def close(self) -> None:
        self.calls.append("close")
        self.inner.close()
