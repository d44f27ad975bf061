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

"""OnlineSession: an OnlineLearner bound to the graph's episodes and policy loop, ROS-free.

The policy node and the in-process runner run the same three calls per policy tick:

    session.tick(now)          # instead of manager.tick(now, reward): credits the reward, or holds the episodes
    out = loop.tick(now)       # the learner acts through the loop (it is the loop's actor); publish the command
    session.finish_tick(now)   # episode ends reach the learner: after the command went out

and feed it what they receive: on_reward(reward, now) with each reward message (its arrival time on the graph
clock: std_msgs/Float32 has no stamp) and on_driver_status(statuses) with each driver diagnostic.

Which ends are what: the step limit ('steps') is a truncation; anything else that ends an episode (a safety
violation, an e-stop, a driver fault: EpisodeManager.abort) is a terminal step. Learning pauses, which holds
the episodes (the manager is not ticked between episodes, so none starts):
- while the driver reports a latched e-stop (the running episode ends there, terminal), until it is reset;
- while the reward is missing or older than learner.reward_timeout (the tracker stopped, or never started):
  a running episode is ended and forgotten (discard_episode: its steps have no reward to learn from). A pause
  longer than learner.reward_report_after is reported once, as an error (the tracker takes a few seconds to
  start, so a short wait at launch is not one).
Once the learner's step budget is spent, episodes run on with its final weights and nothing pauses them.
"""
from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Callable

OPERATOR_CSV = "operator.csv"  # in the run directory: every operator prompt and confirmation (real robot)


class OnlineSession:
    def __init__(self, learner, manager, loop, params, log: Callable[[str, str], None] | None = None):
        self.learner, self.manager, self.loop = learner, manager, loop
        self.reward_timeout = params.reward_timeout
        self.report_after = params.reward_report_after
        self.log = log or (lambda level, text: None)  # level: info | warn | error
        self._ended = len(manager.end_reasons)
        self._reward = 0.0
        self._reward_stamp: float | None = None
        self._estop: str | None = None
        self.pause_reason: str | None = None
        self._pause_kind: str | None = None
        self._paused_since: float | None = None
        self._reported = False
        self._finished_reported = False

    # --- inputs ------------------------------------------------------------------------------------------
    def on_reward(self, reward: float, now: float) -> None:
        self._reward, self._reward_stamp = float(reward), float(now)

    def on_driver_status(self, statuses: list[dict]) -> None:
        """The driver's (or sim's) diagnostic statuses: a latched e-stop pauses learning until it is reset."""
        for status in statuses:
            values = status.get("values") or {}
            state = values.get("status")
            if state == "estop":
                self._estop = values.get("reason") or status.get("message") or "e-stop"
            elif state is not None:
                self._estop = None

    # --- the tick ----------------------------------------------------------------------------------------
    def _why_paused(self, now: float) -> tuple[str, str] | None:
        if self._estop is not None:
            return "estop", f"e-stop latched ({self._estop}): learning paused until the driver is reset"
        if self._reward_stamp is None:
            return "reward", "no reward received (the tracker's reward topic): is tracker_node running?"
        age = now - self._reward_stamp
        if age > self.reward_timeout:
            return "reward", (f"the latest reward is {age:.2f} s old (learner.reward_timeout "
                              f"{self.reward_timeout:g} s): is tracker_node running?")
        return None

    def tick(self, now: float) -> None:
        """Before the loop's tick: credit the latest reward to the latest action and tick the episode manager,
        or, while learning is paused, end a running episode and hold the next one."""
        manager, learner = self.manager, self.learner
        pause = None if learner.done else self._why_paused(now)
        if manager.running:
            if pause is None:
                if manager.step > 0:
                    learner.credit(self._reward)
                manager.tick(now, self._reward)
            elif pause[0] == "estop":
                manager.abort(now, f"e-stop: {self._estop}")  # a terminal step, learnt as one
            else:
                manager.abort(now, f"reward missing: {pause[1]}")
                learner.discard_episode()
                self._ended = len(manager.end_reasons)  # this end is not the learner's
        elif pause is None:
            manager.tick(now, self._reward)
        self._set_pause(pause, now)
        if learner.done and not self._finished_reported:
            self._finished_reported = True
            self.log("info", f"learning finished: {learner.cfg.total_steps} steps; episodes go on with the "
                             f"learnt weights (checkpoint in {learner.run.run_dir})")

    def finish_tick(self, now: float) -> None:
        """After the loop's tick (the command is out): episodes that ended reach the learner; a truncated one
        with the observation it ended on (the frame of this tick), for its bootstrap value."""
        manager = self.manager
        while self._ended < len(manager.end_reasons):
            reason = manager.end_reasons[self._ended]
            self._ended += 1
            truncated = reason == "steps"
            final = self.loop.observation(now) if truncated else None
            self.learner.end_episode(final, terminated=not truncated)

    def _set_pause(self, pause: tuple[str, str] | None, now: float) -> None:
        if pause is None:
            if self.pause_reason is not None:
                self.log("info", f"learning resumed after {now - self._paused_since:.1f} s ({self._pause_kind})")
            self.pause_reason = self._pause_kind = self._paused_since = None
            self._reported = False
            return
        kind, text = pause
        if self._pause_kind != kind:
            self._paused_since, self._reported = now, False
        self._pause_kind, self.pause_reason = kind, text
        if self._reported:
            return
        if kind == "estop":
            self.log("warn", text)
            self._reported = True
        elif now - self._paused_since >= self.report_after:
            self.log("error", f"learning paused for {now - self._paused_since:.1f} s: {text}")
            self._reported = True

    # --- reporting ---------------------------------------------------------------------------------------
    @property
    def paused(self) -> bool:
        return self.pause_reason is not None

    def diagnostic(self, name: str = "jaco_prog/learner") -> dict:
        """Fields of a diagnostic_msgs/DiagnosticStatus: level 0 learning (or finished), 1 paused."""
        status = self.learner.status()
        message = self.pause_reason or ("finished" if status["done"] else "learning")
        values = {key: "" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))
                  for key, value in status.items()}
        values["paused"] = str(self.paused).lower()
        return {"level": 1 if self.paused else 0, "name": name, "message": message, "values": values}

    def operator_event(self, episode: int, text: str) -> None:
        """Log an operator step (a prompt to move the target, its confirmation) in the run directory."""
        path = Path(self.learner.run.run_dir) / OPERATOR_CSV
        new_file = not path.is_file() or path.stat().st_size == 0
        with open(path, "a", newline="") as f:
            writer = csv.writer(f)
            if new_file:
                writer.writerow(["wall_time", "global_step", "episode", "event"])
            writer.writerow([f"{time.time():.3f}", self.learner.global_step, episode, text])
