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

"""Figures of the studies (matplotlib, Agg: files only). Each states its budget and seeds in the title or the
caption line under the axes.

- curves_figure: learning curves, one subplot per panel (transfer: per preset, Fig. 5; architectures: ff |
  lstm, Fig. 4; conveyor, Fig. 7): per method the median over runs (solid) with the inter-quartile band, and
  each run's filtered curve thin and dotted.
- sensitivity_figure: per preset, the final scores of all runs sorted from best to worst, progressive vs
  finetune (Fig. 6), and below it each run's final score against its learning rate.
- zero_shot_figure: mean return +- standard error of column 1 per condition, with success rates.
"""
from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np

from jaco_prog.experiments.aggregate import MethodCurves, fmt_number, quartiles

METHOD_COLOURS = {
    "progressive": "C0", "progressive-wide": "C9", "finetune": "C1", "finetune-low-value": "C5",
    "progressive-low-value": "C6", "scratch-narrow": "C2", "scratch-wide": "C3",
    "2nd column": "C1", "3rd column": "C0", "column 2": "C4", "wide": "C0", "narrow": "C1",
}


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def colour(method: str, index: int) -> str:
    return METHOD_COLOURS.get(method, f"C{index % 10}")


def _finish(fig, out: str | Path, title: str, caption: str | None) -> Path:
    """Title and caption wrapped to the figure's width, room kept for them, saved as PNG."""
    width, height = fig.get_size_inches()
    title_lines = textwrap.wrap(title, max(40, int(width * 11)))
    caption_lines = textwrap.wrap(caption or "", max(60, int(width * 17)))
    fig.suptitle("\n".join(title_lines), fontsize=11)
    bottom = (0.15 * len(caption_lines) + 0.08) / height
    top = 1 - (0.2 * len(title_lines) + 0.05) / height
    fig.tight_layout(rect=(0, bottom, 1, top))
    if caption_lines:
        fig.text(0.01, 0.01, "\n".join(caption_lines), fontsize=7.5, va="bottom", ha="left", color="0.25")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    _pyplot().close(fig)
    return out


def _grid_shape(n: int, max_cols: int = 3) -> tuple[int, int]:
    cols = min(n, max_cols)
    return math.ceil(n / cols), cols


def curves_figure(panels: dict[str, list[MethodCurves]], out: str | Path, title: str, caption: str | None = None,
                  threshold: float | None = None, ylim: tuple[float, float] | None = (0, 50),
                  xlabel: str = "env steps") -> Path:
    """`panels`: panel title -> curves of each method on it."""
    plt = _pyplot()
    rows, cols = _grid_shape(max(len(panels), 1))
    fig, axes = plt.subplots(rows, cols, figsize=(max(8.0, 4.6 * cols), 3.4 * rows + 1.3), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax, (panel, methods) in zip(axes.flat, panels.items()):
        for i, curves in enumerate(methods):
            c = colour(curves.label, i)
            for run in curves.runs:
                ax.plot(curves.grid, run, linestyle=":", linewidth=0.7, alpha=0.55, color=c)
            if len(curves.runs):
                ax.fill_between(curves.grid, curves.q25, curves.q75, color=c, alpha=0.18, linewidth=0)
                ax.plot(curves.grid, curves.median, color=c, linewidth=2.0,
                        label=f"{curves.label} (n={len(curves.runs)})")
            else:
                ax.plot([], [], color=c, label=f"{curves.label} (no runs)")
        if threshold is not None:
            ax.axhline(threshold, color="0.5", linewidth=0.8, linestyle="--")
        if ylim:  # the paper's 0..50 scale, unless every curve stays low (early or failed runs): then zoom in
            highest = max([0.0] + [float(np.nanmax(m.runs)) for m in methods
                                   if len(m.runs) and np.isfinite(m.runs).any()])
            top = max(ylim[1], highest) if highest >= 0.4 * ylim[1] else max(1.0, 1.2 * highest)
            ax.set_ylim(ylim[0], top)
        ax.set_title(panel)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("episode return")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small", loc="upper left")
    return _finish(fig, out, title, caption)


def sensitivity_figure(scores: dict[str, dict[str, list[dict]]], out: str | Path, title: str,
                       caption: str | None = None, threshold: float | None = None) -> Path:
    """`scores`: preset -> method -> runs as {"final": score, "lr": ..., "entropy_coef": ...}. Top row: each
    method's final scores sorted best first against the run's rank as a fraction of its runs (Fig. 6); bottom
    row: final score against learning rate (log)."""
    plt = _pyplot()
    n = max(len(scores), 1)
    fig, axes = plt.subplots(2, n, figsize=(max(8.0, 4.2 * n), 7.8), squeeze=False)
    for col, (preset, methods) in enumerate(scores.items()):
        top, bottom = axes[0, col], axes[1, col]
        for i, (method, runs) in enumerate(methods.items()):
            c = colour(method, i)
            finals = np.array([r["final"] for r in runs if r["final"] is not None and not math.isnan(r["final"])])
            if len(finals):
                ordered = np.sort(finals)[::-1]
                rank = (np.arange(len(ordered)) + 0.5) / len(ordered)
                top.plot(rank, ordered, marker="o", markersize=3, color=c,
                         label=f"{method}: median {fmt_number(quartiles(finals)[1], 2)} (n={len(finals)})")
            else:
                top.plot([], [], color=c, label=f"{method} (no runs)")
            lrs = [r.get("lr") for r in runs if r["final"] is not None and not math.isnan(r["final"])]
            if len(finals) and all(lr is not None for lr in lrs):
                bottom.scatter(lrs, finals, s=14, color=c, alpha=0.8, label=method)
        highest = max([0.0] + [r["final"] for runs in methods.values() for r in runs
                               if r["final"] is not None and not math.isnan(r["final"])])
        for ax in (top, bottom):
            if threshold is not None and highest >= 0.4 * threshold:  # else zoom onto the (low) scores
                ax.axhline(threshold, color="0.5", linewidth=0.8, linestyle="--")
            ax.grid(alpha=0.3)
            ax.set_ylabel("final return")
        top.set_title(preset)
        top.set_xlabel("runs, best to worst (fraction)")
        top.set_xlim(0, 1)
        top.legend(fontsize="small")
        bottom.set_xscale("log")
        bottom.xaxis.set_minor_formatter(plt.NullFormatter())  # 2x10^-4, 3x10^-4 ... overlap at this width
        bottom.set_xlabel("learning rate")
    return _finish(fig, out, title, caption)


def zero_shot_figure(rows: list[dict], out: str | Path, title: str, caption: str | None = None) -> Path:
    """`rows`: {"label", "mean_return", "stderr", "success_rate"} per condition, in display order."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(8.0, 1.3 * len(rows) + 2), 5.0))
    x = np.arange(len(rows))
    means = [r["mean_return"] for r in rows]
    errs = [0.0 if r["stderr"] is None or math.isnan(r["stderr"]) else r["stderr"] for r in rows]
    bars = ax.bar(x, means, yerr=errs, capsize=4, color=["C2"] + ["C0"] * (len(rows) - 1))
    for bar, r, err in zip(bars, rows, errs):
        ax.annotate(f"success {100 * r['success_rate']:.0f} %",
                    (bar.get_x() + bar.get_width() / 2, bar.get_height() + err),
                    xytext=(0, 4), textcoords="offset points", ha="center", fontsize=8)
    ax.set_ylim(0, max([50.0] + [m + e for m, e in zip(means, errs)]) * 1.05)
    ax.set_xticks(x, [r["label"] for r in rows], rotation=20, ha="right")
    ax.set_ylabel("mean return (of 50) ± s.e.")
    ax.grid(alpha=0.3, axis="y")
    return _finish(fig, out, title, caption)
