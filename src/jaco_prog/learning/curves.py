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

"""Learning curves as in paper Fig. 5: a median-filtered solid curve over the raw episode returns (dotted).

Both kinds of run plot: a training run (`jaco-prog train`, episodes.csv: one return per episode) and a DAgger
run (`jaco-prog imitate`, iterations.csv: per iteration, the mean return of the episodes the student drove
alone, the number a DAgger run's progress is judged by; iterations the teacher drove throughout have none).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jaco_prog.learning.episode_log import EPISODES_CSV, read_episodes


def running_filter(values: np.ndarray, window: int, statistic=np.median) -> np.ndarray:
    """Centred running statistic; the window shrinks at the ends so the output has the input's length."""
    values = np.asarray(values, dtype=float)
    half = max(window, 1) // 2
    return np.array([statistic(values[max(0, i - half):i + half + 1]) for i in range(len(values))])


def median_filter(values: np.ndarray, window: int) -> np.ndarray:
    return running_filter(values, window, np.median)


# The paper's median suits returns well above zero; early in training, when most episodes score 0, the
# median is 0 throughout and the mean is what shows a rise.
STATISTICS = {"median": np.median, "mean": np.mean}


def episode_returns(run_dir: str | Path, x_axis: str = "global_step") -> tuple[np.ndarray, np.ndarray]:
    """A run's episode returns against env steps (or episode number), in step order: A3C workers log slightly
    out of step order."""
    episodes = read_episodes(run_dir)
    returns = np.array(episodes["return"], dtype=float)
    x = (np.array(episodes["global_step"], dtype=float) if x_axis == "global_step"
         else np.arange(1, len(returns) + 1.0))
    order = np.argsort(x, kind="stable")
    return x[order], returns[order]


def curve_on_grid(x: np.ndarray, returns: np.ndarray, grid: np.ndarray, window: int,
                  statistic: str = "median") -> np.ndarray:
    """The running-filtered returns (as plotted) interpolated linearly onto `grid`; NaN outside the run's
    logged steps (before its first episode ended, after its last), so runs of different lengths can be
    compared point by point without extrapolating."""
    grid = np.asarray(grid, dtype=float)
    if len(returns) == 0:
        return np.full(grid.shape, np.nan)
    filtered = running_filter(returns, window, STATISTICS[statistic])
    # several episodes can end at the same step (lockstep envs): average them so x is strictly increasing
    xs, inverse = np.unique(np.asarray(x, dtype=float), return_inverse=True)
    ys = np.bincount(inverse, weights=filtered) / np.bincount(inverse)
    return np.interp(grid, xs, ys, left=np.nan, right=np.nan)


@dataclass
class RunCurve:
    x: np.ndarray  # env steps (or episodes so far)
    returns: np.ndarray
    kind: str  # "episodes": one return per episode (train) | "iterations": one mean per DAgger iteration


def run_curve(run_dir: str | Path, x_axis: str = "global_step") -> RunCurve:
    """The learning curve of a training run (episodes.csv) or a DAgger run (iterations.csv)."""
    run_dir = Path(run_dir)
    if (run_dir / EPISODES_CSV).is_file():
        return RunCurve(*episode_returns(run_dir, x_axis), "episodes")
    from jaco_prog.learning.imitation import ITERATIONS_CSV, read_iterations, student_curve

    if not (run_dir / ITERATIONS_CSV).is_file():
        raise FileNotFoundError(f"{run_dir}: neither {EPISODES_CSV} (a `jaco-prog train` run) nor {ITERATIONS_CSV} "
                                "(a `jaco-prog imitate` run): not a run directory")
    steps, returns = student_curve(run_dir)
    if x_axis == "global_step":
        return RunCurve(steps, returns, "iterations")
    rows = read_iterations(run_dir)  # episodes so far, at each iteration the student drove alone in
    so_far = np.cumsum([int(row["episodes"]) for row in rows])
    x = np.array([n for n, row in zip(so_far, rows) if int(row["student_episodes"]) > 0], dtype=float)
    return RunCurve(x, returns, "iterations")


def plot_runs(run_dirs: list[str | Path], out: str | Path, window: int = 101, x_axis: str = "global_step",
              title: str | None = None, statistic: str = "median") -> Path:
    curves = [run_curve(run_dir, x_axis) for run_dir in run_dirs]  # every run read before anything is drawn
    import matplotlib
    matplotlib.use("Agg")  # files only; no display needed
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for i, (run_dir, curve) in enumerate(zip(run_dirs, curves)):
        colour = f"C{i % 10}"
        if curve.kind == "iterations":  # each point already a mean over an iteration's episodes: not filtered
            ax.plot(curve.x, curve.returns, marker="o", markersize=2.5, linewidth=1.4, color=colour,
                    label=f"{Path(run_dir).name} (DAgger: student-driven episodes, mean per iteration)")
            continue
        ax.plot(curve.x, curve.returns, linestyle=":", linewidth=0.6, alpha=0.5, color=colour)
        ax.plot(curve.x, running_filter(curve.returns, window, STATISTICS[statistic]), linewidth=1.8, color=colour,
                label=Path(run_dir).name)
    ax.set_xlabel("env steps" if x_axis == "global_step" else "episodes")
    ax.set_ylabel("episode return")
    ax.set_title(title or f"learning curves ({statistic} filter, window {window})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
