"""The driver loop: the safety layer between a policy and a hardware backend, at a fixed control rate.

The policy calls `submit()` whenever it has a command (20 Hz, late, jittered, or never again); the loop
calls `step()` every control period (config/safety.yaml `control_rate`), so the watchdog runs even when
the policy does not, and a stale velocity is never left in force beyond `command_timeout`.

Backend failures never escape step(): a failed send issues a stop, the layer drops the command (status
fault) and motion resumes only on a fresh command; a lost connection is retried every
`reconnect_interval`, and after reconnecting the first thing sent is a stop.

ROS-free: the ROS node binds `submit` to a subscription, `step` to a timer and publishes `last_tick.status`
as diagnostics; tests drive `step` in sim time.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from jaco_prog.config import ConfigError, load_yaml, number
from jaco_prog.hardware.base import BackendError, ConnectionLost, HardwareBackend, JointState
from jaco_prog.paths import config_path
from jaco_prog.safety.layer import SafetyLayer, SafetyStatus, Status
from jaco_prog.topics import JointCommand

BACKENDS = ("mock", "sim", "kortex", "gen2_bridge")


@dataclass(frozen=True)
class DriverParams:
    backend: str
    robot_profile: str
    reconnect_interval: float  # s between reconnect attempts
    max_overrun_periods: float  # the wall-clock loop re-anchors its schedule after falling this far behind
    raw: dict  # backend sections (kortex, gen2_bridge), parsed by the backends themselves

    @classmethod
    def from_dict(cls, raw: dict, where: str = "driver.yaml") -> "DriverParams":
        backend = raw.get("backend")
        if backend not in BACKENDS:
            raise ConfigError(f"{where}: backend", f"must be one of {BACKENDS} (got {backend!r})")
        profile = raw.get("robot_profile")
        if not isinstance(profile, str):
            raise ConfigError(f"{where}: robot_profile", "must be a profile name from robots.yaml")
        return cls(backend=backend, robot_profile=profile,
                   reconnect_interval=number(raw.get("reconnect_interval"), f"{where}: reconnect_interval",
                                             positive=True),
                   max_overrun_periods=number(raw.get("max_overrun_periods"), f"{where}: max_overrun_periods",
                                              positive=True),
                   raw=raw)


def load_driver_params(path: str | Path | None = None) -> DriverParams:
    path = Path(path) if path else config_path("driver.yaml")
    return DriverParams.from_dict(load_yaml(path), path.name)


@dataclass(frozen=True)
class Tick:
    """What one control period did."""
    now: float
    output: np.ndarray  # what the layer decided (zero when halted)
    status: SafetyStatus
    sent: bool  # the backend accepted the output
    state: JointState | None


class VelocityDriver:
    def __init__(self, backend: HardwareBackend, layer: SafetyLayer, clock: Callable[[], float],
                 reconnect_interval: float, max_overrun_periods: float):
        if list(backend.joint_names) != list(layer.joint_names):
            raise ValueError(f"backend joints {backend.joint_names} differ from the safety layer's {layer.joint_names}")
        self.backend = backend
        self.layer = layer
        self.clock = clock
        self.reconnect_interval = reconnect_interval
        self.max_overrun_periods = max_overrun_periods
        self.period = layer.params.period
        self._lock = threading.RLock()
        self._next_connect = -np.inf
        self._backend_estopped = False
        self._was_connected = backend.connected
        self.last_tick: Tick | None = None
        self.events: list[tuple[float, str]] = []  # (time, what): connects, faults, stops (diagnostics/tests)
        self.overruns = 0

    @classmethod
    def from_params(cls, params: DriverParams, backend: HardwareBackend, layer: SafetyLayer,
                    clock: Callable[[], float]) -> "VelocityDriver":
        return cls(backend, layer, clock, params.reconnect_interval, params.max_overrun_periods)

    # --- policy side ---------------------------------------------------------------------------------
    def submit(self, velocities: Sequence[float] | np.ndarray, names: Sequence[str] | None = None,
               valid_for: float = 0.0) -> SafetyStatus:
        with self._lock:
            return self.layer.command(velocities, names, self.clock(), valid_for)

    def submit_command(self, command: JointCommand) -> SafetyStatus:
        """A command read from the joint_command topic (jaco_prog.topics.read_joint_command)."""
        if command.problem:
            with self._lock:
                return self.layer.reject(command.problem, self.clock())
        return self.submit(command.velocities, command.names or None, command.valid_for)

    def estop(self, reason: str = "e-stop requested") -> None:
        """Latch the layer's e-stop and trigger the hardware e-stop at once (not at the next period)."""
        with self._lock:
            self.layer.estop(reason)
            self._event(f"estop: {reason}")
            self._hardware_estop()

    def reset(self) -> None:
        """Clear the e-stop (hardware faults too); motion resumes only on a fresh command."""
        with self._lock:
            if self.backend.connected:
                try:
                    self.backend.clear_faults()
                except BackendError as err:
                    self._event(f"clear_faults failed: {err}")
                    return
            self._backend_estopped = False
            self.layer.reset()
            self._event("reset")

    # --- control side --------------------------------------------------------------------------------
    def _event(self, what: str) -> None:
        self.events.append((self.clock(), what))

    def _hardware_estop(self) -> None:
        if self._backend_estopped or not self.backend.connected:
            return
        try:
            self.backend.estop()
            self._backend_estopped = True
        except BackendError as err:
            self._event(f"hardware estop failed: {err}")
            self._try_stop()

    def _try_stop(self) -> bool:
        try:
            self.backend.stop()
            self._event("stop issued")
            return True
        except BackendError as err:
            self._event(f"stop failed: {err}")
            return False

    def _lost(self, err: Exception, now: float) -> Tick:
        self._was_connected = False
        self._event(f"connection lost: {err}")
        self._try_stop()  # usually fails too; worth the attempt
        self.layer.fault(f"backend connection lost: {err}")
        self._next_connect = now + self.reconnect_interval
        out, status = self.layer.halt(now, "backend connection lost")
        return Tick(now, out, status, False, None)

    def _connect(self, now: float) -> bool:
        if now < self._next_connect:
            return False
        try:
            self.backend.connect()
        except BackendError as err:
            self._next_connect = now + self.reconnect_interval
            self._event(f"connect failed: {err}")
            return False
        self._on_connected()
        return True

    def _on_connected(self) -> None:
        self._event("connected")
        self._was_connected = True
        self._backend_estopped = False
        self._try_stop()  # whatever the arm was doing, the first command after (re)connecting is a stop
        if self.layer.estopped:
            self._hardware_estop()
        elif self.last_tick is not None:
            self.layer.fault("backend reconnected: waiting for a fresh command")

    def step(self) -> Tick:
        """One control period: read state, run the safety layer, send. Never raises a backend error."""
        with self._lock:
            now = self.clock()
            connected = self.backend.connected
            if self._was_connected and not connected:
                self.last_tick = self._lost(ConnectionLost("backend reports the link down"), now)
                return self.last_tick
            if not connected:
                if not self._connect(now):
                    out, status = self.layer.halt(now, "backend not connected")
                    self.last_tick = Tick(now, out, status, False, None)
                    return self.last_tick
            elif not self._was_connected:
                self._on_connected()  # the link came back by itself

            try:
                state = self.backend.read_state()
            except ConnectionLost as err:
                self.last_tick = self._lost(err, now)
                return self.last_tick
            except BackendError as err:
                self._event(f"read failed: {err}")
                self._try_stop()
                self.layer.fault(f"backend read failed: {err}")
                out, status = self.layer.halt(now, "backend read failed")
                self.last_tick = Tick(now, out, status, False, None)
                return self.last_tick
            out, status = self.layer.update(state.positions, now, state.stamp)
            if status.status == Status.ESTOP:
                self._hardware_estop()
            try:
                self.backend.send_velocities(out)
                sent = True
            except ConnectionLost as err:
                self.last_tick = self._lost(err, now)
                return self.last_tick
            except Exception as err:  # noqa: BLE001 - whatever the backend raises, the arm must be stopped
                self._event(f"send failed: {type(err).__name__}: {err}")
                self._try_stop()
                self.layer.fault(f"backend send failed: {type(err).__name__}: {err}")
                out, status = self.layer.halt(now, "backend send failed")
                sent = False
            self.last_tick = Tick(now, out, status, sent, state)
            return self.last_tick

    def run(self, stop_event: threading.Event, sleep: Callable[[float], None] = time.sleep) -> None:
        """Fixed-rate loop on `clock` (wall time on hardware) until stop_event is set; stops the arm on exit."""
        next_time = self.clock()
        try:
            while not stop_event.is_set():
                self.step()
                next_time += self.period
                delay = next_time - self.clock()
                if delay < -self.max_overrun_periods * self.period:
                    self.overruns += 1
                    next_time = self.clock()
                elif delay > 0:
                    sleep(delay)
        finally:
            with self._lock:
                if self.backend.connected:
                    self._try_stop()
