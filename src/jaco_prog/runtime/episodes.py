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

"""EpisodeManager: 50-step episodes of the graph, driven by the policy timer (part of policy_node).

    manager = EpisodeManager(params.episodes, emit=publish_event, reset_world=reset_sim, ask_operator=prompt)
    every policy tick:  manager.tick(now, latest_reward)   # emits 'start n' / 'end n return' as it goes
                        then PolicyLoop.tick(now)           # the loop follows the events it was given

Phases: preparing (ask the operator, reset the world) -> settling (settle_ticks ticks, so the policy sees
fresh frames of the new episode) -> running (steps ticks: the policy acts on each; from the second on, the
latest reward is credited to the previous action; on the tick after the last action the final reward is
credited and 'end n return' is emitted) -> preparing the next one at once.

Real robot: before episodes 0, move_target_every, 2 * move_target_every, ... `ask_operator(n)` is called once;
it returns True when the operator is done already (a blocking prompt), or False, and then the manager waits
until `target_moved()` is called (a service or a key press in the node). Sim: `reset_world(n)` resets the
simulation (new arm start and target) before every episode.
"""
from __future__ import annotations

import math
from typing import Callable

from jaco_prog.runtime.params import EpisodeParams

PREPARING, WAITING_FOR_OPERATOR, SETTLING, RUNNING, DONE = "preparing", "waiting_for_operator", "settling", \
    "running", "done"


VIOLATION_KEY = "violation"


def episode_ending_status(status: dict) -> str | None:
    """Why a driver or sim diagnostic status (the components' to_diagnostic() dicts) ends the running
    episode, or None. A simulated safety violation ends it (paper section 4: self-intersection, table
    contact, joint limit), and so does any ERROR-level status (a latched e-stop, a driver fault): the arm has
    stopped, so the episode's remaining steps would teach the policy nothing."""
    values = status.get("values") or {}
    if values.get(VIOLATION_KEY):
        return f"violation: {values[VIOLATION_KEY]}"
    if int(status.get("level", 0)) >= 2:
        reason = values.get("reason")
        return f"{status.get('message', 'error')}: {reason}" if reason else str(status.get("message", "error"))
    return None


def parse_event(text: str) -> tuple[str, int, float | None]:
    """'start 3' -> ('start', 3, None); 'end 3 12' -> ('end', 3, 12.0); 'end 3' (an end with no return to
    report) -> ('end', 3, None). Anything else, a non-finite return included, is a ValueError."""
    parts = str(text).split()
    kind = parts[0] if parts else ""
    malformed = f"not an episode event ('start <n>' or 'end <n> <return>'): {text!r:.80}"
    if not ((kind == "start" and len(parts) == 2) or (kind == "end" and len(parts) in (2, 3))):
        raise ValueError(malformed)
    try:
        n = int(parts[1])
        ret = float(parts[2]) if len(parts) == 3 else None
    except ValueError:
        raise ValueError(malformed) from None
    if ret is not None and not math.isfinite(ret):
        raise ValueError(f"episode event with a non-finite return: {text!r:.80}")
    return kind, n, ret


class EpisodeManager:
    def __init__(self, params: EpisodeParams | None = None, emit: Callable[[str, float], None] | None = None,
                 reset_world: Callable[[int], None] | None = None,
                 ask_operator: Callable[[int], bool] | None = None, max_episodes: int | None = None):
        self.params = params or EpisodeParams()
        self.emit = emit or (lambda text, now: None)
        self.reset_world = reset_world
        self.ask_operator = ask_operator
        self.max_episodes = max_episodes
        self.phase = PREPARING
        self.episode = 0  # the episode being prepared or run
        self.step = 0  # actions taken in the running episode
        self.episode_return = 0.0
        self.returns: list[float] = []  # completed episodes
        self.end_reasons: list[str] = []
        self._settle_left = 0
        self._operator_done = False

    @property
    def running(self) -> bool:
        return self.phase == RUNNING

    @property
    def done(self) -> bool:
        return self.phase == DONE

    def target_moved(self) -> None:
        """The operator has moved the target (real robot): the waiting episode may start."""
        self._operator_done = True

    def tick(self, now: float, reward: float | None = None) -> bool:
        """One policy tick. `reward`: the latest reward received (credited to the previous action).
        Returns True when the policy acts on this tick."""
        if self.phase == RUNNING:
            if self.step > 0:
                self.episode_return += float(reward or 0.0)
            if self.step >= self.params.steps:
                self._end(now, "steps")
                return False
            self.step += 1
            return True
        if self.phase == PREPARING:
            self._prepare()  # resets the world now (or waits for the operator): no start on this tick
            return False
        if self.phase == WAITING_FOR_OPERATOR:
            if self._operator_done:
                self._reset()
            return False
        if self.phase == SETTLING:
            if self._settle_left > 0:
                self._settle_left -= 1
                return False
            self.phase, self.step, self.episode_return = RUNNING, 1, 0.0
            self.emit(f"start {self.episode}", now)
            return True
        return False

    def abort(self, now: float, reason: str) -> None:
        """End the running episode early (a sim safety violation, an e-stop)."""
        if self.phase == RUNNING:
            self._end(now, reason)

    def _end(self, now: float, reason: str) -> None:
        self.emit(f"end {self.episode} {self.episode_return:g}", now)
        self.returns.append(self.episode_return)
        self.end_reasons.append(reason)
        self.episode += 1
        if self.max_episodes is not None and self.episode >= self.max_episodes:
            self.phase = DONE
            return
        self._prepare()

    def _prepare(self) -> None:
        self.phase = PREPARING
        self._operator_done = False
        every = self.params.move_target_every
        if self.ask_operator is not None and self.episode % every == 0:
            self.phase = WAITING_FOR_OPERATOR
            self._operator_done = bool(self.ask_operator(self.episode))
            if not self._operator_done:
                return
        self._reset()

    def _reset(self) -> None:
        if self.reset_world is not None:
            self.reset_world(self.episode)
        self.phase = SETTLING
        self._settle_left = self.params.settle_ticks
