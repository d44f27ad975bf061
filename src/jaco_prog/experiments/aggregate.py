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

"""Numbers and curves of a study from its run directories (episodes.csv of each training run).

Per run: episode returns in step order, a running filter over episodes (a median, as paper Fig. 5 draws it, or
a mean), interpolated onto a common grid of env steps (NaN where the run has no episodes). Per method (the
seeds of one configuration): the median over runs with an inter-quartile band, and summary numbers:

- final return of a run: the mean return of its last `final_window` episodes; per method its median and
  inter-quartile range over runs;
- steps to threshold of a run: the first env step at which its filtered curve reaches `threshold` (the
  paper's "well-performing agent" scores 30 of 50), 0 ("at start") when the curve starts there; per method the
  median over runs, a run that never gets there counting as infinitely late, so the median is "not reached"
  when half the runs or more never reach it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from jaco_prog.learning.curves import STATISTICS, curve_on_grid, episode_returns

DEFAULT_THRESHOLD = 30.0
DEFAULT_FINAL_WINDOW = 100


@dataclass
class RunData:
    """One training run: its name (the trial's), episode returns against env steps, in step order."""
    name: str
    steps: np.ndarray
    returns: np.ndarray
    resumed_at: tuple[int, ...] = ()  # steps where it continued from a checkpoint (its environments restarted)

    @classmethod
    def load(cls, run_dir: str | Path, name: str | None = None) -> "RunData":
        from jaco_prog.learning.episode_log import read_resumes

        steps, returns = episode_returns(run_dir)
        return cls(name or Path(run_dir).name, steps, returns, tuple(read_resumes(run_dir)))

    @property
    def episodes(self) -> int:
        return len(self.returns)

    @property
    def last_step(self) -> float:
        return float(self.steps[-1]) if len(self.steps) else 0.0

    def final_return(self, window: int = DEFAULT_FINAL_WINDOW) -> float:
        """Mean return of the last `window` episodes (all of them when fewer); NaN without episodes."""
        return float(np.mean(self.returns[-window:])) if len(self.returns) else float("nan")

    def filtered(self, window: int, statistic: str = "median") -> np.ndarray:
        from jaco_prog.learning.curves import running_filter
        return running_filter(self.returns, window, STATISTICS[statistic])

    def steps_to_threshold(self, threshold: float, window: int, statistic: str = "median") -> float:
        """First env step at which the filtered curve is >= threshold; inf when it never is; 0 when it already
        is at the first episode (the column it starts from scores that much: nothing was learnt to get there,
        and the step of the first episode would read as a learning speed)."""
        if not len(self.returns):
            return math.inf
        hits = np.nonzero(self.filtered(window, statistic) >= threshold)[0]
        if not len(hits):
            return math.inf
        return 0.0 if hits[0] == 0 else float(self.steps[hits[0]])


def auto_window(runs: list[RunData], lo: int = 5, hi: int = 101) -> int:
    """A filter window for runs of this length: about a tenth of the shortest run's episodes, odd, clamped to
    [lo, hi] (101 episodes, about 5000 steps, for the paper's 60 000-step robot runs)."""
    counts = [r.episodes for r in runs if r.episodes] or [lo]
    window = int(np.clip(min(counts) // 10, lo, hi))
    return window if window % 2 else window + 1


def quartiles(values) -> tuple[float, float, float]:
    """(25th percentile, median, 75th percentile) with numpy's default linear interpolation between order
    statistics; NaN entries are dropped (NaN result if none is left). Infinite values ("never") count as
    larger than any finite one: a percentile that falls between a finite value and inf is inf."""
    ordered = np.sort(np.asarray([v for v in values if not math.isnan(v)], dtype=float))
    if not len(ordered):
        return (math.nan,) * 3
    return tuple(_rank_percentile(ordered, q) for q in (25, 50, 75))


def _rank_percentile(ordered: np.ndarray, q: float) -> float:
    position = (len(ordered) - 1) * q / 100
    lo, hi = int(math.floor(position)), int(math.ceil(position))
    a, b = float(ordered[lo]), float(ordered[hi])
    if lo == hi or a == b:
        return a
    if math.isinf(a) or math.isinf(b):
        return math.inf
    return a + (b - a) * (position - lo)


@dataclass
class MethodCurves:
    """The runs of one method (one configuration over seeds) on a common step grid."""
    label: str
    grid: np.ndarray
    runs: np.ndarray              # n_runs x len(grid), NaN outside each run's logged steps
    run_names: list[str] = field(default_factory=list)

    @property
    def median(self) -> np.ndarray:
        return _nan_stat(self.runs, 50)

    @property
    def q25(self) -> np.ndarray:
        return _nan_stat(self.runs, 25)

    @property
    def q75(self) -> np.ndarray:
        return _nan_stat(self.runs, 75)


def _nan_stat(runs: np.ndarray, q: float) -> np.ndarray:
    out = np.full(runs.shape[1] if runs.ndim == 2 else 0, np.nan)
    if runs.ndim != 2 or not len(runs):
        return out
    have = ~np.all(np.isnan(runs), axis=0)
    if have.any():
        out[have] = np.nanpercentile(runs[:, have], q, axis=0)
    return out


def common_grid(runs: list[RunData], points: int = 200, until: float | None = None) -> np.ndarray:
    """`points` env steps from 0 to `until` (default: the longest run's last logged step)."""
    end = until if until is not None else max([r.last_step for r in runs] or [1.0])
    return np.linspace(0.0, max(float(end), 1.0), points)


def method_curves(label: str, runs: list[RunData], grid: np.ndarray, window: int,
                  statistic: str = "median") -> MethodCurves:
    curves = np.array([curve_on_grid(r.steps, r.returns, grid, window, statistic) for r in runs]) if runs \
        else np.empty((0, len(grid)))
    return MethodCurves(label, grid, curves, [r.name for r in runs])


@dataclass
class MethodSummary:
    label: str
    n: int
    final: list[float]           # per run
    to_threshold: list[float]    # per run, inf = never
    threshold: float

    @property
    def final_quartiles(self) -> tuple[float, float, float]:
        return quartiles(self.final)

    @property
    def threshold_median(self) -> float:
        return quartiles(self.to_threshold)[1]

    @property
    def reached(self) -> int:
        return sum(1 for s in self.to_threshold if math.isfinite(s))

    def to_dict(self) -> dict:
        q25, q50, q75 = self.final_quartiles
        return {"label": self.label, "runs": self.n, "final_median": _json_float(q50),
                "final_q25": _json_float(q25), "final_q75": _json_float(q75),
                "final_per_run": [_json_float(v) for v in self.final], "threshold": self.threshold,
                "steps_to_threshold_median": _json_float(self.threshold_median),
                "steps_to_threshold_per_run": [_json_float(v) for v in self.to_threshold],
                "reached_threshold": self.reached}


def _json_float(value: float):
    """JSON has no inf/NaN: None for NaN, the string "not reached" for inf."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if math.isinf(value):
        return "not reached"
    return float(value)


def summarise(label: str, runs: list[RunData], threshold: float = DEFAULT_THRESHOLD, window: int = 101,
              final_window: int = DEFAULT_FINAL_WINDOW, statistic: str = "median") -> MethodSummary:
    return MethodSummary(label, len(runs), [r.final_return(final_window) for r in runs],
                         [r.steps_to_threshold(threshold, window, statistic) for r in runs], threshold)


# --------------------------------------------------------------------------------------------- formatting

def fmt_number(value: float, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if math.isinf(value):
        return "not reached"
    return f"{value:.{digits}f}"


def fmt_steps(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if math.isinf(value):
        return "not reached"
    if value == 0:
        return "at start"
    return f"{value / 1000:.1f}k" if value >= 1000 else f"{value:.0f}"


def fmt_iqr(q: tuple[float, float, float], digits: int = 2) -> str:
    q25, q50, q75 = q
    if math.isnan(q50):
        return "–"
    return f"{fmt_number(q50, digits)} [{fmt_number(q25, digits)}, {fmt_number(q75, digits)}]"


def ratio(a: float, b: float) -> float:
    """a / b; NaN when either is missing or b is 0 (a ratio against a zero baseline says nothing)."""
    if a is None or b is None or math.isnan(a) or math.isnan(b) or b == 0:
        return math.nan
    return a / b


def fmt_ratio(value: float) -> str:
    return "n/a (baseline 0 or missing)" if math.isnan(value) else f"{value:.2f}x"


def markdown_table(headers: list[str], rows: list[list]) -> str:
    """A GitHub-flavoured markdown table; cells are str()-ed, pipes escaped."""
    def cell(value) -> str:
        return str(value).replace("|", "\\|")
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |",
             "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def summary_row(summary: MethodSummary) -> list[str]:
    """Cells: method, runs, final return median [IQR], steps to threshold (median), runs reaching it."""
    return [summary.label, str(summary.n), fmt_iqr(summary.final_quartiles), fmt_steps(summary.threshold_median),
            f"{summary.reached}/{summary.n}"]


def summary_headers(threshold: float, final_window: int) -> list[str]:
    return ["method", "runs", f"final return (mean of last {final_window} episodes): median [IQR]",
            f"steps to {threshold:g} (median)", f"runs reaching {threshold:g}"]
