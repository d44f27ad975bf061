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

"""What the Ray engine and its Tune trainable say to each other: the metric a trial reports and how a trial's
last metrics become its TrialResult. Ray-free, so that jaco_prog.sweep.ray_engine (the driver side) and
jaco_prog.sweep.tune_parts (the trial side, which imports ray) both import it and neither imports the other.
"""
from __future__ import annotations

import math

from jaco_prog.sweep.results import TrialResult, episode_returns, final_return

METRIC = "return_mean"  # Tune's metric (mode max): the running mean return of the last final_window episodes


def from_metrics(payload: dict, metrics: dict, error=None) -> TrialResult:
    """The TrialResult of a Tune trial from its last reported metrics (`final` set: the trial's own result) or,
    for a trial that failed or was interrupted before it reported one, from its episodes.csv."""
    name, overrides = payload["name"], payload["trial_overrides"]
    if metrics.get("final"):
        value = metrics.get("final_return")
        value = None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
        return TrialResult(name, payload["run_dir"], metrics.get("status", "failed"), value,
                           int(metrics.get("episodes") or 0), metrics.get("error") or None, overrides)
    returns = episode_returns(payload["run_dir"])
    if error:
        lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
        return TrialResult(name, payload["run_dir"], "failed", final_return(returns, payload["final_window"]),
                           len(returns), f"Ray Tune: {lines[-1] if lines else error}"[:400], overrides)
    return TrialResult(name, payload["run_dir"], "skipped", final_return(returns, payload["final_window"]),
                       len(returns), "interrupted; run the sweep again to resume", overrides)
