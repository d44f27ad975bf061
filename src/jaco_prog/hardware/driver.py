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

"""The driver loop: the safety layer between a policy and a hardware backend, at a fixed control rate.

The policy calls `submit()` whenever it has a command (20 Hz, late, jittered, or never again); the loop
calls `step()` every control period (config/safety.yaml `control_rate`), so the watchdog runs even when
the policy does not, and a stale velocity is never left in force beyond `command_timeout`.

Backend failures never escape step(): whatever a backend call raises, the driver issues a stop, the layer
drops the command (status fault) and motion resumes only on a fresh command; a lost connection is retried
every `reconnect_interval`, and after reconnecting the first thing sent is a stop.

Every call into a backend that can block (real hardware; `backend.inline_calls` False) runs on a worker
thread with a deadline (`call_timeout`, `connect_timeout` for connect): a call that has not returned by
then is a fault, a stop goes out on a thread of its own, and no other periodic call is made until the hung
one returns (then a stop first, and a fresh command is needed). The e-stop never waits on a send: it takes
only the layer's lock (held for microseconds, never across a backend call) and calls the hardware e-stop at
once on the caller's own thread - no hand-off to another thread, whose wake-up on a loaded machine would cost
more than a control period. Its deadline is kept by a watchdog thread: an e-stop that has not returned by
then is reported and the arm is stopped from another thread. run() keeps its schedule on a monotonic clock,
whatever the driver's clock (wall time, ROS time, sim time) does.

ROS-free: the ROS node binds `submit` to a subscription, `step` to a timer and publishes `last_tick.status`
as diagnostics; tests drive `step` in sim time.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from jaco_prog.config import config_class, from_mapping, load_yaml, setting, yaml_defaults
from jaco_prog.hardware.base import BackendError, ConnectionLost, HardwareBackend, JointState
from jaco_prog.paths import config_path
from jaco_prog.safety.layer import SafetyLayer, SafetyStatus, Status
from jaco_prog.topics import JointCommand

MAX_URGENT_CALLS = 4  # stop / e-stop threads still waiting on a hung backend beyond which no more start

BACKENDS = ("mock", "sim", "kortex", "gen2_bridge")


def _backend_section(backend: str) -> Callable[[Any, str], dict]:
    """A parse rule for a backend's section: checked by the backend's own settings class (KortexParams,
    Gen2Params; imported when a file is read, they are light) and kept as the mapping make_backend builds from."""
    def parse(value: Any, where: str) -> dict:
        if backend == "kortex":
            from jaco_prog.hardware.kortex import KortexParams as settings
        else:
            from jaco_prog.hardware.gen2_bridge import Gen2Params as settings
        from_mapping(settings, value, where)
        return dict(value)
    return parse


@config_class("driver.yaml", frozen=True)
class DriverParams:
    """config/driver.yaml (jaco_prog.config's typed loader: every key, nothing unknown, finite numbers)."""
    backend: str = setting("driver_node's hardware backend (sim runs inside sim_node)", choices=BACKENDS)
    robot_profile: str = setting("config/robots.yaml profile", nonempty=True)
    reconnect_interval: float = setting("between reconnect attempts after the link is lost", unit="s", above=0)
    max_overrun_periods: float = setting("the wall-clock loop re-anchors its schedule after falling this many "
                                         "periods behind", above=0)
    # A backend call that has not returned after this long is a fault and the arm is stopped: the last velocity
    # stays in force at most this long beyond its period. Real links answer in a few ms.
    call_timeout: float = setting("deadline of read_state / send / stop / e-stop / clear_faults / close", unit="s",
                                  above=0)
    connect_timeout: float = setting("deadline of connect", unit="s", above=0)
    max_events: int = setting("driver.events keeps the latest this many (a failing backend logs 100 a second)",
                              low=1)
    kortex: dict = setting("the kortex backend's connection (KortexParams)", parse=_backend_section("kortex"))
    gen2_bridge: dict = setting("the gen2_bridge backend's topics and rates (Gen2Params)",
                                parse=_backend_section("gen2_bridge"))

    @property
    def raw(self) -> dict:
        """The settings as driver.yaml writes them (make_backend reads the backends' sections from it)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, raw: dict, where: str = "driver.yaml") -> "DriverParams":
        return from_mapping(cls, raw, where)


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


class BackendHung(BackendError):
    """A backend call did not return within its deadline (or an earlier one still has not)."""


def _describe(err: BaseException) -> str:
    text = str(err)
    return f"{type(err).__name__}: {text}" if not isinstance(err, BackendError) else text


class _Call:
    """One backend call, run on another thread; the caller waits for `done` up to a deadline."""

    def __init__(self, what: str, fn: Callable, args: tuple):
        self.what, self.fn, self.args = what, fn, args
        self.started = time.monotonic()
        self.done = threading.Event()
        self.result = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.fn(*self.args)
        except BaseException as err:  # noqa: BLE001 - handed to the waiting caller
            self.error = err
        finally:
            self.done.set()

    def outcome(self):
        if self.error is not None:
            raise self.error
        return self.result


class _Watchdog:
    """One daemon thread per process: runs a callback when a call guarded on another thread outlives its
    deadline. Arming it costs the guarded thread a notify, never a wait."""

    def __init__(self):
        self._cond = threading.Condition()
        self._armed: dict[int, tuple[float, Callable[[], None]]] = {}
        self._token = 0
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread ahead of the first guarded call (starting it waits for it to run)."""
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="jaco-prog-driver-watchdog", daemon=True)
                self._thread.start()

    def arm(self, seconds: float, callback: Callable[[], None]) -> int:
        self.start()
        with self._cond:
            self._token += 1
            self._armed[self._token] = (time.monotonic() + seconds, callback)
            self._cond.notify()
            return self._token

    def disarm(self, token: int) -> None:
        with self._cond:
            self._armed.pop(token, None)

    def _loop(self) -> None:
        while True:
            with self._cond:
                now = time.monotonic()
                due = [t for t, (deadline, _) in self._armed.items() if deadline <= now]
                callbacks = [self._armed.pop(t)[1] for t in due]
                if not callbacks:
                    wait = min((d for d, _ in self._armed.values()), default=now + 3600.0) - now
                    self._cond.wait(wait)
                    continue
            for callback in callbacks:
                try:
                    callback()
                except Exception:  # noqa: BLE001 - the watchdog outlives whatever a callback does
                    pass


_WATCHDOG = _Watchdog()


class _Worker:
    """A daemon thread for the periodic backend calls, one at a time; it exits after a while idle (tests
    build many drivers) and starts again with the next call."""

    IDLE_EXIT = 2.0  # s

    def __init__(self, name: str):
        self.name = name
        self._cond = threading.Condition()
        self._next: _Call | None = None
        self._thread: threading.Thread | None = None

    def start(self, call: _Call) -> None:
        with self._cond:
            self._next = call
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()
            else:
                self._cond.notify()

    def _loop(self) -> None:
        while True:
            with self._cond:
                if self._next is None:
                    self._cond.wait(self.IDLE_EXIT)
                if self._next is None:
                    self._thread = None
                    return
                call, self._next = self._next, None
            call.run()


class VelocityDriver:
    def __init__(self, backend: HardwareBackend, layer: SafetyLayer, clock: Callable[[], float],
                 reconnect_interval: float, max_overrun_periods: float, call_timeout: float | None = None,
                 connect_timeout: float | None = None, max_events: int | None = None):
        # left out: driver.yaml's (their one home)
        home = yaml_defaults(DriverParams)
        call_timeout = home.call_timeout if call_timeout is None else call_timeout
        connect_timeout = home.connect_timeout if connect_timeout is None else connect_timeout
        max_events = home.max_events if max_events is None else max_events
        if list(backend.joint_names) != list(layer.joint_names):
            raise ValueError(f"backend joints {backend.joint_names} differ from the safety layer's {layer.joint_names}")
        if not 0.0 < call_timeout < layer.params.command_timeout:
            raise ValueError(f"call_timeout {call_timeout} s must be > 0 and below the safety layer's "
                             f"command_timeout ({layer.params.command_timeout} s)")
        if not connect_timeout > 0.0:
            raise ValueError(f"connect_timeout must be > 0 s (got {connect_timeout})")
        if isinstance(max_events, bool) or not isinstance(max_events, int) or max_events < 1:
            raise ValueError(f"max_events must be a positive integer (got {max_events!r})")
        self.backend = backend
        self.layer = layer
        self.clock = clock
        self.reconnect_interval = reconnect_interval
        self.max_overrun_periods = max_overrun_periods
        self.call_timeout = call_timeout
        self.connect_timeout = connect_timeout
        self.period = layer.params.period
        # _lock guards the layer and the driver's flags and is never held across a backend call: submit() and
        # estop() take it for microseconds. _step_lock serialises the periodic calls (step, reset, the stop
        # at the end of run()).
        self._lock = threading.RLock()
        self._step_lock = threading.Lock()
        self._worker = _Worker(f"{backend.name}-calls")
        self._hung: _Call | None = None  # a periodic call past its deadline that has not returned yet
        self._urgent_calls: list[_Call] = []
        self._next_connect = -np.inf
        self._backend_estopped = False
        self._was_connected = self._connected()
        self.last_tick: Tick | None = None
        # (time, what): connects, faults, stops (diagnostics/tests); the latest max_events only
        self.events: deque[tuple[float, str]] = deque(maxlen=max_events)
        self.overruns = 0

    @classmethod
    def from_params(cls, params: DriverParams, backend: HardwareBackend, layer: SafetyLayer,
                    clock: Callable[[], float]) -> "VelocityDriver":
        return cls(backend, layer, clock, params.reconnect_interval, params.max_overrun_periods,
                   params.call_timeout, params.connect_timeout, params.max_events)

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
        """Latch the layer's e-stop and trigger the hardware e-stop at once (not at the next period), on a
        thread of its own: never behind a send in progress."""
        with self._lock:
            self.layer.estop(reason)
            self._event(f"estop: {reason}")
        self._hardware_estop()

    def reset(self) -> None:
        """Clear the e-stop (hardware faults too); motion resumes only on a fresh command."""
        with self._step_lock:
            if self._connected():
                try:
                    self._call("clear_faults", self.backend.clear_faults)
                except Exception as err:  # noqa: BLE001 - whatever the backend raises, reset fails cleanly
                    self._event(f"clear_faults failed: {_describe(err)}")
                    return
            with self._lock:
                self._backend_estopped = False
                self.layer.reset()
            self._event("reset")

    def stop(self) -> str | None:
        """Stop the arm now (deactivation), within call_timeout. None once delivered, else why not: the link
        is down, or the call failed or hung."""
        with self._step_lock:
            if self._connected():
                return self._try_stop()
        problem = "stop not sent: backend not connected"
        self._event(problem)
        return problem

    def close(self) -> list[str]:
        """Stop the arm, then close the backend, each within call_timeout: a backend that hangs on the way out
        does not hang its node's shutdown. Returns what went wrong (empty: stopped and closed)."""
        stop_problem = self.stop()
        problems = [] if stop_problem is None else [stop_problem]
        try:
            # on a thread of its own: the periodic worker may hold a call that never returns
            self._urgent("close", self.backend.close)
            self._event("closed")
        except Exception as err:  # noqa: BLE001 - closing must not raise on the way out
            problems.append(f"close failed: {_describe(err)}")
            self._event(problems[-1])
        return problems

    # --- backend calls -------------------------------------------------------------------------------
    def _event(self, what: str) -> None:
        self.events.append((self.clock(), what))

    def _connected(self) -> bool:
        try:
            return bool(self.backend.connected)
        except Exception as err:  # noqa: BLE001 - a backend that cannot say is not connected
            self._event(f"connected check failed: {_describe(err)}")
            return False

    def _call(self, what: str, fn: Callable, *args, timeout: float | None = None):
        """A periodic backend call with a deadline: its result, what it raised, or BackendHung."""
        if self.backend.inline_calls:
            return fn(*args)
        if self._hung is not None:
            raise BackendHung(f"{self._hung.what} has not returned for "
                              f"{time.monotonic() - self._hung.started:.3f} s")
        call = _Call(what, fn, args)
        _WATCHDOG.start()  # ready before an e-stop needs it
        self._worker.start(call)
        limit = self.call_timeout if timeout is None else timeout
        if not call.done.wait(limit):
            self._hung = call
            raise BackendHung(f"{what} did not return within {limit:g} s")
        return call.outcome()

    def _urgent(self, what: str, fn: Callable):
        """A stop or e-stop that must not wait for the periodic calls: on a thread of its own, with a deadline."""
        if self.backend.inline_calls:
            return fn()
        with self._lock:
            self._urgent_calls = [c for c in self._urgent_calls if not c.done.is_set()]
            if len(self._urgent_calls) >= MAX_URGENT_CALLS:
                raise BackendHung(f"{what} not sent: {len(self._urgent_calls)} earlier stops have not returned")
            call = _Call(what, fn, ())
            self._urgent_calls.append(call)
        threading.Thread(target=call.run, name=f"{self.backend.name}-{what}", daemon=True).start()
        if not call.done.wait(self.call_timeout):
            raise BackendHung(f"{what} did not return within {self.call_timeout:g} s")
        return call.outcome()

    def _hardware_estop(self, again: bool = False) -> None:
        with self._lock:
            if (self._backend_estopped and not again) or not self._connected():
                return
        token = None
        if not self.backend.inline_calls:
            token = _WATCHDOG.arm(self.call_timeout, self._estop_overdue)
        try:
            self.backend.estop()  # on this thread: the one call whose latency matters most
            with self._lock:
                self._backend_estopped = True
        except Exception as err:  # noqa: BLE001 - whatever the backend raises, fall back to a stop
            self._event(f"hardware estop failed: {_describe(err)}")
            self._try_stop(urgent=True)
        finally:
            if token is not None:
                _WATCHDOG.disarm(token)

    def _estop_overdue(self) -> None:
        """The watchdog: the hardware e-stop has not returned within call_timeout."""
        self._event(f"hardware estop failed: did not return within {self.call_timeout:g} s")
        self._try_stop(urgent=True)

    def _try_stop(self, urgent: bool = False) -> str | None:
        """Issue a stop; None once issued, else why not (also logged in `events`). Never raises."""
        try:
            if urgent or self._hung is not None:
                self._urgent("stop", self.backend.stop)
            else:
                self._call("stop", self.backend.stop)
        except Exception as err:  # noqa: BLE001 - a stop that cannot be delivered must not raise
            problem = f"stop failed: {_describe(err)}"
            self._event(problem)
            return problem
        self._event("stop issued")
        return None

    # --- control side --------------------------------------------------------------------------------
    def _halted(self, now: float, why: str, reason: str | None = None, state: JointState | None = None) -> Tick:
        """Zero output this period (nothing sent): `reason` becomes the layer's fault, `why` the halt's."""
        with self._lock:
            if reason is not None:
                self.layer.fault(reason)
            out, status = self.layer.halt(now, why)
        return Tick(now, out, status, False, state)

    def _lost(self, err: Exception, now: float) -> Tick:
        self._was_connected = False
        self._event(f"connection lost: {err}")
        self._try_stop()  # usually fails too; worth the attempt
        self._next_connect = now + self.reconnect_interval
        return self._halted(now, "backend connection lost", f"backend connection lost: {err}")

    def _failed(self, what: str, err: Exception, now: float, state: JointState | None = None) -> Tick:
        """A call raised (or hung): stop the arm, drop the command, zero output."""
        self._event(f"{what} failed: {_describe(err)}")
        self._try_stop()
        return self._halted(now, f"backend {what} failed", f"backend {what} failed: {_describe(err)}", state)

    def _connect(self, now: float) -> bool:
        if now < self._next_connect:
            return False
        try:
            self._call("connect", self.backend.connect, timeout=self.connect_timeout)
        except Exception as err:  # noqa: BLE001 - any failure to connect is retried
            self._next_connect = now + self.reconnect_interval
            self._event(f"connect failed: {_describe(err)}")
            return False
        self._on_connected()
        return True

    def _on_connected(self) -> None:
        self._event("connected")
        self._was_connected = True
        with self._lock:
            self._backend_estopped = False
        self._try_stop()  # whatever the arm was doing, the first command after (re)connecting is a stop
        if self.layer.estopped:
            self._hardware_estop()
        elif self.last_tick is not None:
            with self._lock:
                self.layer.fault("backend reconnected: waiting for a fresh command")

    def _after_hang(self, now: float) -> Tick | None:
        """While a call is past its deadline: zero output, nothing sent. Once it returns: a stop first, and
        the arm waits for a fresh command. Returns the period's tick while it still hangs."""
        call = self._hung
        elapsed = time.monotonic() - call.started
        if not call.done.is_set():
            return self._halted(now, "backend call hung", f"backend {call.what} has not returned for {elapsed:.3f} s")
        self._hung = None
        self._event(f"{call.what} returned after {elapsed:.3f} s"
                    + (f" ({_describe(call.error)})" if call.error is not None else ""))
        if call.what == "connect":
            if call.error is None:
                self._on_connected()
            return None
        self._try_stop()
        with self._lock:
            self.layer.fault(f"backend {call.what} returned late: waiting for a fresh command")
        return None

    def step(self) -> Tick:
        """One control period: read state, run the safety layer, send. Never raises."""
        with self._step_lock:
            now = self.clock()
            try:
                self.last_tick = self._step(now)
            except Exception as err:  # noqa: BLE001 - a bug here must stop the arm, not kill the node's executor
                self._event(f"step failed: {_describe(err)}")
                self._try_stop()
                self.last_tick = self._halted(now, "driver step failed", f"driver step failed: {_describe(err)}")
            return self.last_tick

    def _step(self, now: float) -> Tick:
        if self._hung is not None:
            tick = self._after_hang(now)
            if tick is not None:
                return tick
        connected = self._connected()
        if self._was_connected and not connected:
            return self._lost(ConnectionLost("backend reports the link down"), now)
        if not connected:
            if not self._connect(now):
                return self._halted(now, "backend not connected")
        elif not self._was_connected:
            self._on_connected()  # the link came back by itself

        backend = self.backend
        try:
            # (an in-process backend is called directly, as _call would)
            state = backend.read_state() if backend.inline_calls else self._call("read_state", backend.read_state)
        except ConnectionLost as err:
            return self._lost(err, now)
        except Exception as err:  # noqa: BLE001 - OSError, TimeoutError, ValueError...: the arm must be stopped
            return self._failed("read", err, now)
        if not isinstance(state, JointState):
            return self._failed("read", BackendError(f"read_state returned {type(state).__name__}, not a "
                                                     "JointState"), now)
        with self._lock:
            out, status = self.layer.update(state.positions, now, state.stamp)
        if status.status is Status.ESTOP:
            self._hardware_estop()
        try:
            if backend.inline_calls:
                backend.send_velocities(out)
            else:
                self._call("send_velocities", backend.send_velocities, out)
        except ConnectionLost as err:
            return self._lost(err, now)
        except Exception as err:  # noqa: BLE001 - whatever the backend raises, the arm must be stopped
            return self._failed("send", err, now, state)
        if self.layer.estopped and out.any():
            # the e-stop came while this period's velocity was on its way: stop the arm again after it
            self._hardware_estop(again=True)
        return Tick(now, out, status, True, state)

    def run(self, stop_event: threading.Event, sleep: Callable[[float], None] = time.sleep,
            monotonic: Callable[[], float] = time.monotonic) -> None:
        """Fixed-rate loop until stop_event is set; stops the arm on exit. The schedule is kept on `monotonic`:
        a wall clock stepped back or forward (NTP, a user) changes neither the rate nor a sleep."""
        next_time = monotonic()
        try:
            while not stop_event.is_set():
                self.step()
                next_time += self.period
                delay = next_time - monotonic()
                if delay < -self.max_overrun_periods * self.period:
                    self.overruns += 1
                    next_time = monotonic()
                elif delay > 0:
                    sleep(min(delay, self.period))
        finally:
            with self._step_lock:
                if self._connected():
                    self._try_stop()
