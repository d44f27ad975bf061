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

"""The Ray Tune side of the Ray engine: the trainable and the progress callback (imports ray; loaded only by
jaco_prog.sweep.ray_engine when a sweep runs on Ray; what both sides share is in
jaco_prog.sweep.tune_metrics).

SweepTrainable is a class trainable rather than a function: Tune runs a function trainable in a thread and,
when it stops a trial (Ctrl-C on the sweep, a scheduler), lets the actor exit at once, and a Ray worker that
exits kills its child processes with SIGKILL. A class trainable's `cleanup()` runs in the actor before it
exits: it sends the trial process SIGTERM and waits for train() to write its checkpoint. `step()` returns
every REPORT_SECONDS so that a stop request (queued behind the running step) is served within Tune's grace
period; if Tune kills the actor anyway, the orphaned trial process notices and checkpoints by itself.
"""
from __future__ import annotations

import itertools
import math
import time

from ray import tune

from jaco_prog.sweep.child import ChildTrial
from jaco_prog.sweep.results import EpisodeTail
from jaco_prog.sweep.tune_metrics import METRIC, from_metrics

REPORT_SECONDS = 2.0
POLL_SECONDS = 0.2
STOP_GRACE_SECONDS = 60.0


class SweepTrainable(tune.Trainable):
    """One sweep trial: a child process training it, its returns reported as they come, then its result."""

    def setup(self, config: dict) -> None:
        self.payload = config["trial"]
        self.tail = EpisodeTail(self.payload["run_dir"], self.payload["final_window"])
        self.child = ChildTrial(self.payload, self.payload["log"])

    def step(self) -> dict:
        deadline = time.monotonic() + REPORT_SECONDS
        while self.child.running and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
        if self.child.running:
            value = self.tail.mean()
            return {METRIC: math.nan if value is None else value, "episodes": self.tail.count, "final": False}
        result = self.child.result()
        value = math.nan if result.final_return is None else result.final_return
        # a failed training is not raised (Tune would print its traceback once more): `status` says it, the
        # traceback is in OUT/_logs/<name>.log
        return {METRIC: value, "final_return": value, "episodes": result.episodes, "status": result.status,
                "error": result.error or "", "final": True, "done": True}

    def save_checkpoint(self, checkpoint_dir: str) -> None:
        """Nothing for Tune to keep: the run's own checkpoint.pt is the state. (A trial Tune pauses is stopped,
        which checkpoints it; restored, its new child process resumes the run directory.)"""
        return None

    def load_checkpoint(self, checkpoint) -> None:
        return None

    def cleanup(self) -> None:
        child = getattr(self, "child", None)
        if child is None or not child.running:
            return
        child.terminate()  # train() checkpoints after its current rollout
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while child.running and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
        child.kill()


_REPORTERS: dict = {}  # the Tuner pickles its callbacks (tuner.pkl): they name their reporter, not hold it
_KEYS = itertools.count()


def register(reporter) -> str:
    key = f"reporter-{next(_KEYS)}"
    _REPORTERS[key] = reporter
    return key


def unregister(key: str) -> None:
    _REPORTERS.pop(key, None)


class SweepProgress(tune.Callback):
    """Drives the sweep's progress bar and per-trial lines from Tune's trial events."""

    def __init__(self, key: str):
        self.key = key

    def _report(self, trial, error=None) -> None:
        reporter = _REPORTERS.get(self.key)
        if reporter is not None:  # None in a copy unpickled elsewhere
            reporter.finished(from_metrics(trial.config["trial"], trial.last_result or {}, error))

    def on_trial_complete(self, iteration, trials, trial, **info):
        self._report(trial)

    def on_trial_error(self, iteration, trials, trial, **info):
        self._report(trial, "the trial actor failed (see the Tune output)")
