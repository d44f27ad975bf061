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

"""The safety layer: whatever the policy sends, the joint velocities it lets through stay within the limits.

ROS-free and pure numpy. Two entry points:
  command(velocities, names, now)  - a policy command arrives (validated, stored with its arrival time)
  update(q, now, state_stamp)      - one control period: returns (velocities to send, SafetyStatus)
Decision order of update() (docs/safety.md): e-stop -> time and joint state -> rejected command -> watchdog ->
velocity clamp -> acceleration limit -> joint position limits -> workspace.

Whatever arrives is either read as numbers or rejected (status fault): nothing a caller passes makes the
layer raise. The watchdog and the braking distances use the period the loop actually runs at: the longest
period measured over the last `period_memory` calls (at least the nominal one) is what the next one may be.

Exact shortcuts (`exact_shortcuts`, on by default; docs/safety.md "The fast path"): a check is skipped only
when a bound proves it cannot change the output - the velocity clamp is done once per command, the joint
limits are skipped for joints farther from their stop points than any braking distance, the workspace
look-ahead when a Taylor bound from the last pose it computed keeps every look-ahead point inside. The
outputs and statuses are those of the full checks (`exact_shortcuts=False`), bit for bit
(test/test_safety_fast_path.py).

Not thread-safe: the driver serialises calls.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from operator import mul
from typing import Any, Callable, Sequence

import numpy as np

from jaco_prog.robot.kinematics import UrdfChain, fast_index
from jaco_prog.robot.profile import RobotProfile
from jaco_prog.safety.limits import JointLimits, Workspace
from jaco_prog.safety.params import SafetyParams, load_safety_params


CLOCK_TOLERANCE = 1e-9  # s: instants closer than this are the same instant
# A control period this much (relative) longer than the nominal one is still the nominal one (a clock kept as a
# count of float periods measures it a few ulps off); longer ones are late periods, and no slide is tried.
STRETCH_TOLERANCE = 1e-6
# Margins of the exact shortcuts' proofs: each is many orders of magnitude above the rounding error of what it
# covers (relative errors here are ~1e-15, FK errors ~1e-15 m), so that the proofs hold in floating point.
SPEED_HEADROOM = 1e-6  # relative: "far from a stop point" = far enough to brake from this much above the limit
DISTANCE_HEADROOM = 1e-9  # relative, on those distances
WORKSPACE_MARGIN = 1e-9  # m: the Taylor bound keeps every look-ahead point at least this far inside
DISPLACEMENT_HEADROOM = 1e-12  # relative, on the look-ahead displacement the bound assumes
_FLOAT = np.dtype(float)


class Status(str, Enum):
    OK = "ok"  # the command went through unchanged
    CLAMPED = "clamped"  # only the velocity limit changed it
    LIMITED = "limited"  # the acceleration limit, a joint position limit or the workspace changed it
    STALE = "stale"  # no fresh command (watchdog): zero output
    ESTOP = "estop"  # e-stop latched: zero output until reset()
    FAULT = "fault"  # rejected command, bad joint state or a backend fault: zero output


HALTS = (Status.STALE, Status.ESTOP, Status.FAULT)
# Calls over which the longest measured control period is remembered as what the next period may be. At
# 100 Hz, half a second: a loop that runs late now and then (every 2-5 periods) has shown its worst case
# within it, and one late period costs the arm half a second of more cautious limits.
PERIOD_MEMORY = 50
_NOT_NUMBERS = (str, bytes, bytearray, bool, np.bool_)


def _seconds(value: Any) -> float:
    """A time or duration as a float; NaN when it is not one (strings and booleans are not)."""
    if isinstance(value, _NOT_NUMBERS):
        return math.nan
    try:
        return float(value)
    except Exception:  # noqa: BLE001 - whatever float() raises (OverflowError, TypeError, a user __float__)
        return math.nan


def _vector(values: Any, what: str) -> tuple[np.ndarray | None, str]:
    """1-D float array from numbers of any numeric type, or (None, why not). Never raises."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        return values.astype(float), ""
    if isinstance(values, _NOT_NUMBERS) or not hasattr(values, "__iter__"):
        return None, f"{what} is not a list of numbers (got {type(values).__name__})"
    try:
        items = list(values)
    except Exception as err:  # noqa: BLE001 - a broken iterable
        return None, f"{what} is not a list of numbers ({type(err).__name__}: {err})"
    out = np.empty(len(items))
    for i, x in enumerate(items):
        if isinstance(x, _NOT_NUMBERS):
            return None, f"{what}[{i}] is not a number (got {type(x).__name__} {x!r:.40})"
        try:
            out[i] = float(x)
        except Exception as err:  # noqa: BLE001 - too large for a float, a list, a __float__ that raises
            return None, f"{what}[{i}] is not a number ({type(x).__name__}: {type(err).__name__}: {err})"[:200]
    return out, ""


# diagnostic_msgs/DiagnosticStatus levels
DIAGNOSTIC_LEVEL = {Status.OK: 0, Status.CLAMPED: 0, Status.LIMITED: 1, Status.STALE: 1,
                    Status.ESTOP: 2, Status.FAULT: 2}


@dataclass(frozen=True)
class SafetyStatus:
    status: Status
    reason: str
    stamp: float  # the `now` of the call that produced it

    @property
    def halted(self) -> bool:
        """Zero output: stale, estop or fault."""
        return self.status in HALTS

    @property
    def level(self) -> int:
        """diagnostic_msgs/DiagnosticStatus level: 0 OK, 1 WARN, 2 ERROR."""
        return DIAGNOSTIC_LEVEL[self.status]

    def to_diagnostic(self, name: str = "jaco_prog/safety") -> dict:
        """Fields of a diagnostic_msgs/DiagnosticStatus (the ROS node copies them into the message)."""
        return {"level": self.level, "name": name, "message": self.status.value,
                "values": {"status": self.status.value, "reason": self.reason, "stamp": f"{self.stamp:.6f}"}}


class _WorkspaceReference:
    """A pose whose look-ahead was computed (and passed), with what the Taylor bound needs: each workspace
    constraint's value there (>= 0 inside) and its gradient in joint space. The gradient comes from the
    Jacobian of that look-ahead's forward kinematics, computed the first time a bound asks for it: near a stop
    point a pose's look-ahead is computed in full period after period and no bound is tried."""

    def __init__(self, q: np.ndarray, value: np.ndarray, gradient_of: Callable[[], np.ndarray]):
        self.q = q
        self.value = value  # (C,)
        self._gradient: np.ndarray | None = None  # (C, n)
        self._gradient_of: Callable[[], np.ndarray] | None = gradient_of

    @property
    def gradient(self) -> np.ndarray:
        if self._gradient is None:
            self._gradient, self._gradient_of = self._gradient_of(), None
        return self._gradient


class SafetyLayer:
    def __init__(self, params: SafetyParams, limits: JointLimits, workspace: Workspace | None = None,
                 period_memory: int = PERIOD_MEMORY, exact_shortcuts: bool = True):
        if isinstance(period_memory, bool) or not isinstance(period_memory, int) or period_memory < 1:
            raise ValueError(f"period_memory must be a positive number of calls (got {period_memory!r})")
        self.exact_shortcuts = bool(exact_shortcuts)
        self.params = params
        self.limits = limits
        self.workspace = workspace if params.workspace.enabled else None
        if params.workspace.enabled and workspace is None:
            raise ValueError("workspace.enabled is true but no Workspace (URDF kinematics) was given")
        self.joint_names = list(limits.names)
        self._index = {n: i for i, n in enumerate(self.joint_names)}
        self._n = len(self.joint_names)
        dt = params.period
        self._dt = dt
        self._vmax = limits.velocity.copy()
        self._dv = limits.acceleration * dt  # largest change per period
        self._bdt = limits.deceleration * dt  # braking step per period
        self._bk = 2.0 / (limits.deceleration * dt * dt)
        self._stop_lower = limits.stop_lower.copy()
        self._stop_upper = limits.stop_upper.copy()
        self._stop_lower_list, self._stop_upper_list = self._stop_lower.tolist(), self._stop_upper.tolist()
        self._bdt_list, self._bk_list = self._bdt.tolist(), self._bk.tolist()
        self._positions_on = params.position_limits.enabled and bool(np.any(limits.limited))
        self._limited_idx = np.flatnonzero(limits.limited)
        self._inf = np.full(len(limits.names), np.inf)
        if self.workspace is not None:
            ws = params.workspace
            self._ws_joints = self.workspace.moving_joints
            self._fractions = np.array(ws.lookahead_fractions)[:, None]
            self._scales = np.array(ws.scale_candidates)
            self._slide = ws.slide
            self._slide_scales = np.concatenate(([1.0], self._scales[:-1]))  # the slide, then its shares
            self._inv_b_ws = 1.0 / limits.deceleration[self._ws_joints]
            self._ws_joint_list = self._ws_joints.tolist()
            self._ws_index = fast_index(self._ws_joints)  # a slice on the Jaco: its six arm joints
            inv_b = np.zeros(self._n)
            inv_b[self._ws_joints] = self._inv_b_ws
            self._inv_b_list = inv_b.tolist()
            self._constraints = self._workspace_constraints()
            self._half_curvature = self._constraints[4].reshape(-1, self._n)  # (C n, n): rows of H/2, stacked
        self._ws_ref: _WorkspaceReference | None = None  # the last pose the look-ahead computed and passed
        self._ws_limited = False  # the last look-ahead computed limited the output
        self._limited_list = self._limited_idx.tolist()
        self._far = self._far_distances()
        self._far_stretch: float | None = None
        self._far_bounds: list[tuple[int, float, float, bool]] = []
        self._zero = np.zeros(self._n)
        self._cached_names: tuple | None = None
        self._cached_perm: np.ndarray | None = None
        self._prev = np.zeros(self._n)  # the last output returned: what the arm was last told
        self._periods = [dt] * period_memory  # the last measured control periods (ring buffer)
        self._period_slot = 0
        self._worst_period = dt
        self._last_now: float | None = None
        self._cmd: np.ndarray | None = None
        self._cmd_clamped: np.ndarray | None = None  # the command clamped to the velocity limits
        self._cmd_clamp_reason = ""  # the reason of a clamped status, "" when the clamp changes nothing
        self._cmd_time = 0.0
        self._cmd_timeout = params.command_timeout
        self._fault_reason: str | None = None
        self._estop_reason: str | None = None
        self.status = SafetyStatus(Status.STALE, "no command received", 0.0)

    # --- construction from the configuration ---------------------------------------------------------
    @classmethod
    def from_profile(cls, profile: RobotProfile, params: SafetyParams | None = None,
                     exact_shortcuts: bool = True) -> "SafetyLayer":
        params = params or load_safety_params(profile.name)
        chain = UrdfChain.from_file(profile.urdf_file()) if profile.urdf else None
        if params.workspace.enabled and chain is None:
            from jaco_prog.config import ConfigError
            raise ConfigError(f"safety.yaml: robots.{profile.name}.workspace.enabled",
                              "the profile has no URDF, so there is no forward kinematics: set it to false")
        limits = JointLimits.build(profile, params, chain)
        workspace = Workspace(profile, params, chain) if params.workspace.enabled else None
        return cls(params, limits, workspace, exact_shortcuts=exact_shortcuts)

    # --- inputs --------------------------------------------------------------------------------------
    @property
    def estopped(self) -> bool:
        return self._estop_reason is not None

    @property
    def fault_reason(self) -> str | None:
        return self._fault_reason

    @property
    def last_output(self) -> np.ndarray:
        return self._prev.copy()

    def command(self, velocities: Sequence[float] | np.ndarray, names: Sequence[str] | None = None,
                now: float = 0.0, valid_for: float = 0.0) -> SafetyStatus:
        """A policy command (rad/s). `names` None: profile order. `valid_for` > 0 (s, the trajectory point's
        time_from_start) ends the command earlier than the watchdog would; 0 leaves it to command_timeout.
        Returns whether it was accepted (ok) or rejected (fault: the previous command is dropped too, output
        zero until a valid command)."""
        now = _seconds(now)
        if self._estop_reason is not None:
            return SafetyStatus(Status.ESTOP, f"command ignored: e-stop latched ({self._estop_reason})", now)
        if not math.isfinite(now):
            return self._reject(f"command stamp is not a finite time ({now})", now)
        if isinstance(velocities, np.ndarray) and velocities.dtype == float and velocities.ndim == 1:
            v = velocities.copy()  # the common case, without the per-element checks
        else:
            v, problem = _vector(velocities, "velocities")
            if v is None:
                return self._reject(problem, now)
        if v.ndim != 1 or v.shape[0] != self._n:
            return self._reject(f"command has {v.size} velocities, expected {self._n}", now)
        if names is not None:
            if isinstance(names, (str, bytes)) or not hasattr(names, "__iter__"):
                return self._reject(f"joint names are not a list of strings (got {type(names).__name__})", now)
            try:
                names = tuple(names)
            except Exception as err:  # noqa: BLE001 - a broken iterable
                return self._reject(f"joint names are not a list of strings ({type(err).__name__})", now)
            if not all(type(n) is str for n in names):
                bad = next(n for n in names if type(n) is not str)
                return self._reject(f"joint names must be strings (got {type(bad).__name__} {bad!r:.40})", now)
            if names != self._cached_names:
                perm, problem = self._permutation(names)
                if problem:
                    return self._reject(problem, now)
                self._cached_names, self._cached_perm = names, perm
            v = v[self._cached_perm]
        # v . v is finite only when every element is (when it is not, the element-wise test decides)
        finite = None if math.isfinite(v.dot(v)) else np.isfinite(v)
        if finite is not None and not finite.all():
            bad = self.joint_names[int(np.flatnonzero(~finite)[0])]
            return self._reject(f"non-finite velocity ({v[~finite][0]}) for {bad}", now)
        valid_for = _seconds(valid_for)
        if not (math.isfinite(valid_for) and valid_for >= 0.0):
            return self._reject(f"command validity must be a finite time >= 0 s (got {valid_for})", now)
        self._cmd = v
        self._cmd_time = now
        self._cmd_timeout = min(valid_for, self.params.command_timeout) if valid_for > 0 else \
            self.params.command_timeout
        self._fault_reason = None
        if self.exact_shortcuts:
            self._cmd_clamped, self._cmd_clamp_reason = self._clamp(v)
        return SafetyStatus(Status.OK, "command accepted", now)

    def _clamp(self, requested: np.ndarray) -> tuple[np.ndarray, str]:
        """The velocity clamp and the reason of a `clamped` status ("" when it changes nothing)."""
        vmax = self._vmax
        out = np.minimum(np.maximum(requested, -vmax), vmax)
        if out.tolist() == requested.tolist():  # float ==, as np.array_equal (the values are finite)
            return out, ""
        hit = np.flatnonzero(out != requested)
        return out, "velocity limit " + ",".join(self.joint_names[i] for i in hit)

    def _permutation(self, names: tuple) -> tuple[np.ndarray | None, str]:
        if len(set(names)) != len(names):
            return None, "duplicate joint names in command"
        unknown = [n for n in names if n not in self._index]
        if unknown:
            return None, f"unknown joint name(s) {unknown}"
        missing = [n for n in self.joint_names if n not in names]
        if missing:
            return None, f"missing joint name(s) {missing}"
        position = {n: i for i, n in enumerate(names)}
        return np.array([position[n] for n in self.joint_names]), ""

    def reject(self, reason: str, now: float) -> SafetyStatus:
        """A command that could not be read (e.g. a trajectory without exactly one point): as invalid ones."""
        return self._reject(str(reason), _seconds(now))

    def _reject(self, reason: str, now: float) -> SafetyStatus:
        self.fault(f"rejected command: {reason}")
        return SafetyStatus(Status.FAULT, self._fault_reason, now)

    def fault(self, reason: str) -> None:
        """Drop the current command and hold zero (status fault) until a fresh valid command arrives.
        Used for rejected commands and by the driver for backend faults. The ramp still starts from the last
        output: until the next period outputs zero, that is what the arm is doing, so a fresh command that
        arrives first continues from it (no jump of the output)."""
        self._fault_reason = reason
        self._cmd = None

    def estop(self, reason: str = "e-stop requested") -> None:
        """Latch the e-stop: zero output until reset(). The driver stops the hardware at once, so motion
        afterwards ramps from zero."""
        self._estop_reason = reason
        self._cmd = None
        self._prev = self._zero.copy()

    def reset(self) -> None:
        """Clear the e-stop and any fault; motion resumes only on a command that arrives after this call."""
        self._estop_reason = None
        self._fault_reason = None
        self._cmd = None

    # --- the control period --------------------------------------------------------------------------
    @property
    def next_period(self) -> float:
        """What the next control period may be (s): the longest measured over the last `period_memory`
        calls, at least the nominal period."""
        return self._worst_period

    def _measure(self, now: float) -> None:
        """Record the period since the previous call (time that stands still or runs back is not one). A gap
        longer than command_timeout counts as command_timeout: with that period every command is stale, so
        the arm waits for the loop to keep time again (for `period_memory` calls)."""
        last, self._last_now = self._last_now, now
        if last is None or not now > last:
            return
        period = min(now - last, self.params.command_timeout)
        slot = self._period_slot
        dropped = self._periods[slot]
        self._periods[slot] = period
        self._period_slot = (slot + 1) % len(self._periods)
        if period >= self._worst_period:
            self._worst_period = period
        elif dropped >= self._worst_period:
            self._worst_period = max(max(self._periods), self._dt)

    def _halt(self, status: Status, reason: str, now: float) -> tuple[np.ndarray, SafetyStatus]:
        self._prev = self._zero.copy()
        self.status = SafetyStatus(status, reason, now)
        return self._zero.copy(), self.status

    def halt(self, now: float, reason: str) -> tuple[np.ndarray, SafetyStatus]:
        """Zero output without a joint state (backend unavailable): estop if latched, else fault. The
        current command is dropped, so motion resumes only on a fresh command."""
        now = _seconds(now)
        if math.isfinite(now):
            self._measure(now)
        if self._estop_reason is not None:
            return self._halt(Status.ESTOP, self._estop_reason, now)
        if self._fault_reason is None:
            self.fault(reason)
        return self._halt(Status.FAULT, self._fault_reason, now)

    def update(self, q: np.ndarray, now: float, state_stamp: float | None = None) -> tuple[np.ndarray, SafetyStatus]:
        """Velocities to send for this control period, given the measured joint positions q (profile order)."""
        if type(now) is not float:
            now = _seconds(now)
        if not math.isfinite(now):
            return self._halt(Status.ESTOP if self._estop_reason is not None else Status.FAULT,
                              f"control time is not a finite time ({now})", now)
        self._measure(now)
        if self._estop_reason is not None:
            return self._halt(Status.ESTOP, self._estop_reason, now)
        if not (isinstance(q, np.ndarray) and (q.dtype is _FLOAT or q.dtype == float)):
            q, problem = _vector(q, "joint state")
            if q is None:
                return self._halt(Status.FAULT, f"invalid joint state: {problem}", now)
        # q . q is finite only when every element is (when it is not, the element-wise test decides)
        if q.shape != (self._n,) or not (math.isfinite(q.dot(q)) or np.isfinite(q).all()):
            return self._halt(Status.FAULT, f"invalid joint state (shape {q.shape}, expected ({self._n},), "
                                            "finite)", now)
        if state_stamp is not None:
            stamp = state_stamp if type(state_stamp) is float else _seconds(state_stamp)
            if not math.isfinite(stamp):
                return self._halt(Status.FAULT, f"joint state stamp is not a finite time ({state_stamp!r:.40})",
                                  now)
            if now - stamp > self.params.state_timeout:
                return self._halt(Status.FAULT, f"joint state is {now - stamp:.3f} s old "
                                                f"(state_timeout {self.params.state_timeout} s)", now)
            if stamp - now > self.params.state_timeout:
                # a clock that disagrees this much makes the age check meaningless
                return self._halt(Status.FAULT, f"joint state stamped {stamp - now:.3f} s in the future "
                                                f"(state_timeout {self.params.state_timeout} s)", now)
        if self._fault_reason is not None:
            return self._halt(Status.FAULT, self._fault_reason, now)
        if self._cmd is None:
            return self._halt(Status.STALE, "no command received", now)
        age = now - self._cmd_time
        # The output stays in force until the next period, and that may be as long as the longest one
        # measured lately: never let a command act beyond command_timeout.
        period = self._worst_period
        # CLOCK_TOLERANCE: a clock kept as a count of float periods puts the same instant a few ulps apart at
        # different absolute times; the watchdog's decision must not depend on when the episode began
        if age + period > self._cmd_timeout + CLOCK_TOLERANCE:
            limit = "command_timeout" if self._cmd_timeout == self.params.command_timeout else "its time_from_start"
            late = f", control period up to {period * 1e3:.0f} ms" if period > self._dt else ""
            return self._halt(Status.STALE, f"no fresh command for {age:.3f} s ({limit} {self._cmd_timeout:g} s"
                                            f"{late})", now)
        if age < 0.0:
            return self._halt(Status.FAULT, f"command stamped {-age:.3f} s in the future (clock jump?)", now)
        # A late loop holds each output longer: braking distances grow by this factor (the speed still
        # drops by one braking step per call).
        stretch = period / self._dt

        shortcuts = self.exact_shortcuts
        if shortcuts:  # the clamp was done when the command arrived
            values = q.tolist()
            out, clamp_reason = self._cmd_clamped, self._cmd_clamp_reason
        else:
            values = None
            out, clamp_reason = self._clamp(self._cmd)
        prev = self._prev
        reasons = None
        # Shortcut: an output equal to the previous one is inside prev +- dv (x - d <= x <= x + d in floating
        # point for d >= 0), so the acceleration clip returns it unchanged.
        if not (shortcuts and prev.tobytes() == out.tobytes()):
            stepped = np.minimum(np.maximum(out, prev - self._dv), prev + self._dv)
            # list comparison is float ==, as np.array_equal (the values are finite)
            if (stepped.tolist() != out.tolist()) if shortcuts else not np.array_equal(stepped, out):
                reasons = ["acceleration"]
            out = stepped
        lo = hi = None
        # Shortcut: joints farther from their stop points than `_far` cannot be limited by them, and the
        # look-ahead of the workspace joints among them cannot reach a stop point (no clipping): only the
        # others' bounds are computed (the same numbers); with a workspace joint near one (not ws_far) the
        # look-ahead's bound allows for the clipping.
        ws_far = not self._positions_on
        if self._positions_on:
            if shortcuts:
                near, ws_far = self._far_from_stops(values, stretch)
                # the bounds of the joints near a stop point; when they allow the output, clipping to them
                # changes nothing (the others' are beyond every output they can get)
                if near and not self._within_position_bounds(near, values, out.tolist(), stretch):
                    lo, hi = self._position_bounds_of(near, q, stretch)
            else:
                lo, hi = self._position_bounds(q, stretch)
        if lo is not None:
            bounded = np.minimum(np.maximum(out, lo), hi)
            if not np.array_equal(bounded, out):
                hit = np.flatnonzero(bounded != out)
                reasons = (reasons or []) + ["position limit " + ",".join(self.joint_names[i] for i in hit)]
                out = bounded
        if self.workspace is not None:
            out, why = self._workspace(q, out, prev, lo, hi, stretch, values, not ws_far)
            if why:
                reasons = (reasons or []) + [why]
        self._prev = out
        if reasons:
            self.status = SafetyStatus(Status.LIMITED, "; ".join(reasons), now)
        elif clamp_reason:
            self.status = SafetyStatus(Status.CLAMPED, clamp_reason, now)
        else:
            self.status = SafetyStatus(Status.OK, "", now)
        return out.copy(), self.status

    def _position_bounds(self, q: np.ndarray, stretch: float) -> tuple[np.ndarray, np.ndarray]:
        """(lo, hi): the velocity range the joint position limits allow now (+-inf for exempt joints)."""
        # largest speed from which braking at `deceleration` (per period) stops before the stop point
        idx = self._limited_idx
        ql = q[idx]
        hi = self._inf.copy()
        lo = -self._inf
        hi[idx] = self._braking_speed((self._stop_upper[idx] - ql) / stretch, idx)
        lo[idx] = -self._braking_speed((ql - self._stop_lower[idx]) / stretch, idx)
        return lo, hi

    def _far_distances(self) -> np.ndarray:
        """Per joint, a distance from a stop point beyond which neither its position limit can change an
        output (|output| <= velocity limit; what braking allows from there is more) nor the look-ahead can
        reach the stop point (its displacement is at most v (T + dt) / 2 with T the longest stop)."""
        v = self._vmax * (1.0 + SPEED_HEADROOM)
        bdt = self._bdt
        m = np.floor(v / bdt)  # the staircase v, v - b dt, ... that _braking_speed inverts: its length
        far = self._dt * ((m + 1.0) * v - bdt * m * (m + 1.0) * 0.5)
        if self.workspace is not None:
            joints = self._ws_joints
            longest_stop = float(np.max(v[joints] * self._inv_b_ws))
            far[joints] = np.maximum(far[joints], v[joints] * (0.5 * (longest_stop + self._dt)))
        return far * (1.0 + DISTANCE_HEADROOM)

    def _far_from_stops(self, values: list[float], stretch: float) -> tuple[list[int], bool]:
        """(the limited joints nearer than their `_far` distance (x the period stretch) to a stop point,
        whether no workspace joint is among them). A joint farther than that has a position bound above
        every output it can get, and the look-ahead does not clip it."""
        if stretch != self._far_stretch:
            span = self._far * stretch
            low, high = (self._stop_lower + span).tolist(), (self._stop_upper - span).tolist()
            moves_points = set(self._ws_joint_list) if self.workspace is not None else set()
            self._far_bounds = [(i, low[i], high[i], i in moves_points) for i in self._limited_list]
            self._far_stretch = stretch
        near, ws_far = [], True
        for i, low, high, moves_points in self._far_bounds:
            if not low <= values[i] <= high:
                near.append(i)
                ws_far = ws_far and not moves_points
        return near, ws_far

    def _braking_speed_of(self, i: int, distance: float) -> float:
        """_braking_speed for joint i, on floats: the same operations, the same number."""
        d = max(distance, 0.0)
        m = float(math.floor(math.sqrt(0.25 + self._bk_list[i] * d) - 0.5))
        return (d / self._dt + self._bdt_list[i] * m * (m + 1.0) * 0.5) / (m + 1.0)

    def _position_bounds_of(self, joints: list[int], q: np.ndarray, stretch: float) -> tuple[np.ndarray, np.ndarray]:
        """_position_bounds for `joints` only (the same numbers), +-inf for the others: far from their stop
        points, their bounds are beyond every output they can get."""
        hi = self._inf.copy()
        lo = -self._inf
        for i in joints:
            qi = float(q[i])
            hi[i] = self._braking_speed_of(i, (self._stop_upper_list[i] - qi) / stretch)
            lo[i] = -self._braking_speed_of(i, (qi - self._stop_lower_list[i]) / stretch)
        return lo, hi

    def _within_position_bounds(self, joints: list[int], values: list[float], out: list[float],
                                stretch: float) -> bool:
        """Whether each of `joints` has its output within its position bound (_position_bounds_of's numbers)."""
        for i in joints:
            qi = values[i]
            if not (-self._braking_speed_of(i, (qi - self._stop_lower_list[i]) / stretch) <= out[i]
                    <= self._braking_speed_of(i, (self._stop_upper_list[i] - qi) / stretch)):
                return False
        return True

    def _braking_speed(self, distance: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Largest speed from which the staircase v, v - b dt, v - 2 b dt, ... (one value per period, the
        last one partial) travels at most `distance` (0 where distance <= 0). Exact inverse of the staircase
        sum: following it the speed drops by exactly b dt per period and the joint rests on the stop point."""
        d = np.maximum(distance, 0.0)
        bdt = self._bdt[idx]
        m = np.floor(np.sqrt(0.25 + self._bk[idx] * d) - 0.5)  # whole braking periods
        return (d / self._dt + bdt * m * (m + 1.0) * 0.5) / (m + 1.0)

    def _stop_displacement(self, v: np.ndarray) -> np.ndarray:
        """Joint displacement from now to rest for rows of v (workspace joints only; others are zero): one
        period at v, then a synchronised stop - every joint scaled down together so that the slowest-to-stop
        one decelerates at its braking deceleration. The path to rest is then a straight line in joint space
        (what the look-ahead samples), and it is the path the brake candidate of later periods follows.
        Displacement = v (T + dt) / 2 with T = max |v_i| / b_i."""
        joints = self._ws_index
        vw = v[..., joints]
        stop_time = (np.abs(vw) * self._inv_b_ws).max(axis=-1, keepdims=True)
        disp = np.zeros_like(v)
        disp[..., joints] = vw * (0.5 * (stop_time + self._dt))
        return disp

    def _clip_stop(self, q: np.ndarray, points: np.ndarray) -> np.ndarray:
        """Look-ahead points of joints inside their stop points do not go past them (the position limit
        stops those joints there)."""
        if not self._positions_on:
            return points
        low = np.minimum(self._stop_lower, q)
        high = np.maximum(self._stop_upper, q)
        return np.minimum(np.maximum(points, low), high)

    def _brake(self, prev: np.ndarray) -> np.ndarray:
        """One period along the synchronised stop of `prev` (workspace joints), others one braking step."""
        brake = prev - np.minimum(np.maximum(prev, -self._bdt), self._bdt)
        joints = self._ws_joints
        stop_time = float(np.max(np.abs(prev[joints]) * self._inv_b_ws))
        brake[joints] = prev[joints] * max(0.0, 1.0 - self._dt / stop_time) if stop_time > 0.0 else 0.0
        return brake

    def _workspace_constraints(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The workspace as constraints value = sign * (points[point, axis] - offset) >= 0 (inside when all
        hold, as Workspace.excess <= 0): every point above its table clearance, the palm inside the box. Also,
        per constraint, half the second-derivative bound of its point (ChainKinematics.curvature)."""
        ws = self.workspace
        point = list(range(len(ws.links))) + [0] * 6
        axis = [2] * len(ws.links) + [0, 0, 1, 1, 2, 2]
        sign = [1.0] * len(ws.links) + [1.0, -1.0] * 3
        offset = list(ws.z_min) + [x for pair in zip(ws.box_low, ws.box_high) for x in pair]
        point = np.array(point)
        return point, np.array(axis), np.array(sign), np.array(offset), 0.5 * ws.kinematics.curvature[point]

    def _reference(self, q: np.ndarray, forward) -> _WorkspaceReference:
        """The reference of later bounds at q, the first pose of `forward` (ChainKinematics.forward)."""
        point, axis, sign, offset, _ = self._constraints
        value = sign * (forward.positions[0][point, axis] - offset)
        return _WorkspaceReference(q.copy(), value, lambda: sign[:, None] * forward.jacobian()[point, axis])

    def _look_ahead_inside(self, q: np.ndarray, out: np.ndarray, speeds: np.ndarray, c: float,
                           clipped: bool = False) -> bool:
        """Whether a Taylor bound from the reference pose (_ws_ref) proves every look-ahead point inside the
        workspace (then the batched look-ahead passes: it is not computed). A look-ahead pose is q + f disp
        (0 < f <= 1), disp = c out with c = (T + dt) stretch / 2 (_stop_displacement); for constraint value g
        with gradient G at the reference q_ref and delta = |q - q_ref| + |disp| (per joint, at least
        |pose - q_ref|):
            g(pose) >= g(q_ref) + G (q - q_ref) + f G disp - delta' H delta / 2 >= bound below,
        H the second-derivative bound of the constraint's point (curvature). clipped: the look-ahead may clip
        joints at their stop points (_clip_stop), so joint i moves by f_i disp_i with its own 0 <= f_i <= f
        (a clipped pose lies between q and the unclipped one); then the middle term is at least
        sum_i min(0, G_i disp_i), delta still bounds |pose - q_ref|, and the bound holds as it is otherwise."""
        ref = self._ws_ref
        dq = q - ref.q
        delta = np.abs(dq) + speeds * c
        gradient = ref.gradient
        bound = gradient.dot(dq) + ref.value  # (ndarray.dot: far cheaper than @ on arrays this small)
        if clipped:
            bound += np.minimum(gradient * out, 0.0).sum(axis=1) * c
        else:
            bound += np.minimum(gradient.dot(out), 0.0) * c
        half_curvature = self._half_curvature
        bound -= half_curvature.dot(delta).reshape(-1, delta.shape[0]).dot(delta)
        return min(bound.tolist()) > WORKSPACE_MARGIN

    def _blends(self, q: np.ndarray, request: np.ndarray, brake: np.ndarray, scales: np.ndarray,
                stretch: float) -> tuple[np.ndarray, np.ndarray]:
        """The candidates brake + s (request - brake) on the workspace joints (the others at the request), one
        per share s, and the largest workspace violation along each one's path to rest (S,)."""
        joints = self._ws_index
        cands = np.repeat(request[None, :], scales.shape[0], axis=0)
        cands[:, joints] = brake[joints] + scales[:, None] * (request[joints] - brake[joints])
        disp = self._stop_displacement(cands) * stretch  # (S, n)
        qs = self._clip_stop(q, q + self._fractions[None, :, :] * disp[:, None, :])  # (S, F, n)
        excess = self.workspace.excess_at(qs.reshape(-1, self._n)).reshape(scales.shape[0], -1).max(axis=1)
        return cands, excess

    def _slide_along(self, q: np.ndarray, out: np.ndarray, brake: np.ndarray, points: np.ndarray, forward,
                     allowed: float, stretch: float) -> tuple[np.ndarray, str] | None:
        """When no share of the request passes but braking would: the request with only the joints that drive
        a violated constraint outward braked, the others at the request and then at each share of it. Without
        it a policy that keeps asking for a motion the workspace refuses (a palm steered down while the
        fingertips graze their clearance) is held still for the rest of the episode, its camera image frozen;
        with it the arm slides along the boundary. The candidates pass the same look-ahead as any other."""
        point, axis, sign, offset, _ = self._constraints
        values = sign * (points[1:, point, axis] - offset)  # (F, C) along the request's path, >= 0 inside
        violated = (-values > allowed).any(axis=0)
        gradient = sign[violated, None] * forward.jacobian()[point[violated], axis[violated]]  # (V, n)
        joints = self._ws_joints
        outward = (gradient * out < 0.0).any(axis=0)[joints]
        if outward.all() or not out[joints][~outward].any():
            return None
        slide = out.copy()
        slide[joints[outward]] = brake[joints[outward]]
        scales = self._slide_scales
        cands, excess = self._blends(q, slide, brake, scales, stretch)
        safe = np.flatnonzero(excess <= allowed)
        if not safe.size:
            return None
        k = int(safe[0])
        braked = ",".join(self.joint_names[i] for i in joints[outward])
        share = "" if scales[k] == 1.0 else f", the rest at {scales[k]:g}"
        return cands[k], f"workspace (sliding: {braked} braked{share})"

    def _workspace(self, q, out, prev, lo, hi, stretch: float = 1.0, values: list[float] | None = None,
                   clipped: bool = True) -> tuple[np.ndarray, str]:
        """The look-ahead. `values` (q as a list) given: its exact shortcuts may be taken; clipped: the
        look-ahead may clip a joint at a stop point (a workspace joint is near one)."""
        joints = self._ws_joints
        if values is not None:
            speeds = np.abs(out)
            stop_time = max(map(mul, speeds.tolist(), self._inv_b_list))  # the synchronised stop's duration
            if stop_time == 0.0 and not out[joints].any():
                return out, ""  # no motion of the monitored links
            # (right after a period the workspace limited, the bound is not worth trying)
            if self._ws_ref is not None and not self._ws_limited:
                c = 0.5 * (stop_time + self._dt) * stretch * (1.0 + DISPLACEMENT_HEADROOM)
                if self._look_ahead_inside(q, out, speeds, c, clipped):
                    return out, ""
        elif not out[joints].any():
            return out, ""  # no motion of the monitored links
        ws = self.workspace
        fractions = self._fractions
        disp = self._stop_displacement(out) * stretch
        batch = np.empty((1 + fractions.shape[0], self._n))
        batch[0] = q
        batch[1:] = self._clip_stop(q, q + fractions * disp)
        forward = ws.kinematics.forward(batch)
        points = forward.positions
        excess = ws.excess(points)
        now = excess[0]
        allowed = max(now, 0.0)  # outside already: motion that goes no further out is allowed
        self._ws_limited = False
        if excess[1:].max() <= allowed:
            if self.exact_shortcuts:  # a pose the look-ahead passed: the reference of the next bounds
                self._ws_ref = self._reference(q, forward)
            return out, ""
        self._ws_limited = True
        if lo is None and self._positions_on:
            lo, hi = self._position_bounds(q, stretch)
        # Blend the request with braking (prev moved toward zero by one braking step), largest share first.
        brake = np.minimum(np.maximum(self._brake(prev), -self._vmax), self._vmax)
        if lo is not None:
            brake = np.minimum(np.maximum(brake, lo), hi)
        scales = self._scales
        cands, excess = self._blends(q, out, brake, scales, stretch)
        safe = np.flatnonzero(excess <= allowed)
        if safe.size and scales[int(safe[0])] != 0.0:
            k = int(safe[0])
            return cands[k], f"workspace (scaled to {scales[k]:g} of the request)"
        if self._slide and stretch <= 1.0 + STRETCH_TOLERANCE:
            slid = self._slide_along(q, out, brake, points, forward, allowed, stretch)
            if slid is not None:
                return slid
        if safe.size:
            return cands[int(safe[0])], "workspace (braking)"
        if now > 0.0:
            return cands[-1], f"workspace (braking, already outside by {now * 1e3:.0f} mm)"
        # inside, but even braking from here carries the look-ahead out (the stop lasts longer than the
        # look-ahead of the last periods assumed, e.g. after a late period): brake, it is the least motion
        return cands[-1], f"workspace (braking; the stop may end up to {excess[-1] * 1e3:.0f} mm outside)"
