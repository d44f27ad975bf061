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

"""PolicyLoop: what policy_node runs every 20 Hz tick, without ROS.

    loop = PolicyLoop.from_checkpoint("runs/x/checkpoint.pt", profile, params.policy)
    loop.on_image(rgb, stamp)                                   # every camera frame (any size)
    loop.on_joint_state(names, positions, velocities, stamp)    # every joint state
    loop.on_episode_event("start 3")                            # LSTM reset; 'end 3 12' stops commanding
    out = loop.tick(now)                                        # PolicyOutput
    if out.command is not None: publish a one-point JointTrajectory(out.joint_names, out.command)
    publish DiagnosticArray([out.to_diagnostic()])

The actor is anything with reset() and act(obs) -> one action index per joint (0: -v, 1: 0, 2: +v): a trained
net (jaco_prog.nets.Policy), the scripted reacher or the random policy. Stamps and `now` are seconds on the
graph's clock (sim time under use_sim_time); period and inference time are also measured on the wall clock.
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Sequence

import cv2
import numpy as np

from jaco_prog.errors import UserError
from jaco_prog.runtime.params import PolicyParams


def policy_image(rgb: np.ndarray, size: int, crop: str = "centre_square") -> np.ndarray:
    """A camera frame as the policy saw it in training: size x size x 3 uint8 (centre square, area resize)."""
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an H x W x 3 uint8 RGB frame, got {rgb.shape} {rgb.dtype}")
    if crop == "centre_square":
        h, w = rgb.shape[:2]
        s = min(h, w)
        top, left = (h - s) // 2, (w - s) // 2
        rgb = rgb[top:top + s, left:left + s]
    if rgb.shape[:2] == (size, size):
        return np.ascontiguousarray(rgb)
    shrinking = rgb.shape[0] > size
    return cv2.resize(rgb, (size, size), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


class NetActor:
    """A trained net (jaco_prog.nets.Policy) as an actor, greedy or sampling."""

    def __init__(self, policy, greedy: bool = True):
        self.policy = policy
        self.greedy = greedy

    @property
    def state(self):
        return self.policy.state

    def reset(self) -> None:
        self.policy.reset()

    def act(self, obs: dict) -> np.ndarray:
        return self.policy.act(obs, greedy=self.greedy)


@dataclass
class PolicyOutput:
    """One tick of the loop."""
    stamp: float
    command: np.ndarray | None  # rad/s in `joint_names` order; None: publish no command this tick
    joint_names: list[str]
    reason: str  # "ok", or why there is no command ("image is 0.31 s old (timeout 0.25 s)", ...)
    actions: np.ndarray | None = None
    period: float | None = None  # s since the previous tick, on the graph clock
    period_wall: float | None = None  # s since the previous tick, wall clock
    inference: float | None = None  # s, wall clock: preprocessing + the actor's forward pass
    episode: int | None = None
    step: int = 0  # actions taken in this episode so far (including this one)

    @property
    def commanding(self) -> bool:
        return self.command is not None

    def to_diagnostic(self, name: str = "jaco_prog/policy") -> dict:
        """Fields of a diagnostic_msgs/DiagnosticStatus: level 0 when commanding, 1 (WARN) when not."""
        values = {"reason": self.reason, "commanding": str(self.commanding).lower(),
                  "episode": "" if self.episode is None else str(self.episode), "step": str(self.step)}
        for key in ("period", "period_wall", "inference"):
            value = getattr(self, key)
            values[f"{key}_ms"] = "" if value is None else f"{value * 1000:.3f}"
        return {"level": 0 if self.commanding else 1, "name": name, "message": self.reason, "values": values}


@dataclass
class LoopStats:
    window: int
    periods_wall: deque = field(default_factory=deque)
    inference: deque = field(default_factory=deque)

    def __post_init__(self):
        self.periods_wall = deque(maxlen=self.window)
        self.inference = deque(maxlen=self.window)

    def summary(self, nominal_period: float) -> dict:
        """p50/p99/max of the wall-clock period, its jitter |period - nominal| and the inference time (ms)."""
        def pct(values) -> dict:
            if not values:
                return {}
            a = np.asarray(values) * 1000
            return {"p50": float(np.percentile(a, 50)), "p99": float(np.percentile(a, 99)), "max": float(a.max()),
                    "n": len(a)}
        jitter = [abs(p - nominal_period) for p in self.periods_wall]
        return {"period_ms": pct(self.periods_wall), "jitter_ms": pct(jitter), "inference_ms": pct(self.inference)}


class PolicyLoop:
    def __init__(self, actor, joint_names: Sequence[str], action_velocities: Sequence[float],
                 params: PolicyParams | None = None, image_size: int | None = None,
                 wall_clock: Callable[[], float] = time.perf_counter):
        self.actor = actor
        self.params = params or PolicyParams()
        self.joint_names = list(joint_names)
        self.action_velocities = np.asarray(action_velocities, float)
        if self.action_velocities.shape != (len(self.joint_names),):
            raise ValueError("one action velocity per joint")
        self.image_size = image_size or self.params.image_size
        self.wall_clock = wall_clock
        self._index = {n: i for i, n in enumerate(self.joint_names)}
        self.stats = LoopStats(self.params.stats_window)
        self.active = False  # commanding only inside an episode ('start n' .. 'end n r')
        self.episode: int | None = None
        self.step = 0
        self._stop_pending = False
        self._image: np.ndarray | None = None
        self._image_stamp: float | None = None
        self._q: np.ndarray | None = None
        self._qd: np.ndarray | None = None
        self._state_stamp: float | None = None
        self._state_problem: str | None = None
        self._last_tick: float | None = None
        self._last_wall: float | None = None
        self.resets = 0

    # --- construction ------------------------------------------------------------------------------------
    @classmethod
    def from_checkpoint(cls, path, profile, params: PolicyParams | None = None, seed: int | None = 0,
                        **kwargs) -> "PolicyLoop":
        """A trained net for `profile` (jaco_prog.robot.profile.RobotProfile); the checkpoint must name the
        profile's joints in the same order (one clear error otherwise)."""
        from jaco_prog.nets.policy import Policy

        params = params or PolicyParams()
        policy = Policy.from_checkpoint(path, seed=seed)
        if policy.joint_names != profile.joint_names:
            raise UserError(f"checkpoint {path} drives joints {policy.joint_names} (profile "
                            f"{policy.spec.profile.get('name')!r}); this graph drives profile {profile.name!r} with "
                            f"{profile.joint_names}")
        size = policy.spec.pixels_shape[0]
        if tuple(policy.spec.pixels_shape) != (size, size, 3):
            raise UserError(f"checkpoint {path}: pixels_shape {policy.spec.pixels_shape} is not square RGB")
        if size != params.image_size:
            raise UserError(f"checkpoint {path} reads {size}x{size} images; runtime.yaml policy.image_size is "
                            f"{params.image_size}")
        return cls(NetActor(policy, params.greedy), profile.joint_names, profile.action_velocities, params,
                   **kwargs)

    # --- inputs ------------------------------------------------------------------------------------------
    def on_image(self, rgb: np.ndarray, stamp: float) -> None:
        """The latest camera frame (kept as is; cropped and resized when a tick uses it)."""
        self._image = rgb
        self._image_stamp = float(stamp)

    def on_joint_state(self, names: Sequence[str], positions: Sequence[float], velocities: Sequence[float] | None,
                       stamp: float) -> None:
        """The latest joint state, in any joint order; velocities may be empty (then finite differences)."""
        names = list(names)
        index = {n: i for i, n in enumerate(names)}
        missing = [n for n in self.joint_names if n not in index]
        if missing:
            self._state_problem = f"joint_states lacks joint(s) {missing}"
            return
        order = [index[n] for n in self.joint_names]
        q = np.asarray(positions, float)[order]
        if velocities is not None and len(velocities) == len(names):
            qd = np.asarray(velocities, float)[order]
        elif self._q is not None and self._state_stamp is not None and stamp > self._state_stamp:
            qd = (q - self._q) / (stamp - self._state_stamp)
        else:
            qd = np.zeros_like(q)
        self._q, self._qd, self._state_stamp = q, qd, float(stamp)
        self._state_problem = None

    def on_episode_event(self, text: str) -> None:
        """'start <n>': clear the LSTM state and command from the next tick; 'end <n> <return>': stop."""
        parts = text.split()
        if not parts:
            return
        if parts[0] == "start":
            self.reset()
            self.episode = int(parts[1]) if len(parts) > 1 else None
            self.active = True
            self._stop_pending = False
        elif parts[0] == "end":
            if self.active:
                self._stop_pending = True  # one zero command so the arm stops now, not at the watchdog
            self.active = False

    def reset(self) -> None:
        """Episode start: clears the actor's recurrent (LSTM) state."""
        self.actor.reset()
        self.step = 0
        self.resets += 1

    # --- the tick ----------------------------------------------------------------------------------------
    def _stale(self, now: float) -> str | None:
        p = self.params
        if self._image is None:
            return "no image received yet"
        age = now - self._image_stamp
        if age > p.image_timeout:
            return f"image is {age:.3f} s old (image_timeout {p.image_timeout} s)"
        if self._state_problem:
            return self._state_problem
        if self._q is None:
            return "no joint state received yet"
        age = now - self._state_stamp
        if age > p.joint_state_timeout:
            return f"joint state is {age:.3f} s old (joint_state_timeout {p.joint_state_timeout} s)"
        return None

    def _observation(self) -> dict:
        return {"pixels": policy_image(self._image, self.image_size, self.params.crop),
                "proprio": np.concatenate([self._q, self._qd]).astype(np.float32)}

    def observation(self, now: float) -> dict | None:
        """What the actor would act on at `now` (pixels image_size^2 x 3 uint8, proprio q then qdot), or None
        while an input is stale: an online learner's bootstrap frame at an episode's end."""
        return None if self._stale(now) else self._observation()

    def tick(self, now: float) -> PolicyOutput:
        wall = self.wall_clock()
        period = None if self._last_tick is None else now - self._last_tick
        period_wall = None if self._last_wall is None else wall - self._last_wall
        self._last_tick, self._last_wall = now, wall
        if period_wall is not None:
            self.stats.periods_wall.append(period_wall)
        out = PolicyOutput(now, None, self.joint_names, "", period=period, period_wall=period_wall,
                           episode=self.episode, step=self.step)
        if not self.active:
            if self._stop_pending:
                self._stop_pending = False
                out.command = np.zeros(len(self.joint_names))
                out.reason = "episode ended: stop"
            else:
                out.reason = "waiting for an episode to start"
            return out
        stale = self._stale(now)
        if stale:
            out.reason = stale
            return out
        t0 = time.perf_counter()
        obs = self._observation()
        actions = np.asarray(self.actor.act(obs))
        inference = time.perf_counter() - t0
        if actions.shape != (len(self.joint_names),):
            raise ValueError(f"the actor returned {actions.shape} actions for {len(self.joint_names)} joints")
        self.stats.inference.append(inference)
        self.step += 1
        out.actions = actions
        out.command = (actions.astype(float) - 1.0) * self.action_velocities
        out.reason = "ok"
        out.inference = inference
        out.step = self.step
        return out
