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

"""Paper Fig. 4 by imitation (bench/fig4_imitation.py): the four first-column architectures (wide and narrow,
feedforward and LSTM) trained by DAgger from the privileged scripted teacher after pretraining the conv layers
on target position, each with the same budget and seed, scored greedily on held-out episodes.

    from jaco_prog.experiments import fig4_imitation as fig4
    budget, episodes = fig4.scale(full=False)
    result = fig4.run("runs/results/architectures-imitation-smoke", budget, episodes)
    print(result.figure, *result.lines, sep="\\n")

Each column and seed trains into <out>/<column>-<arch>-s<seed> (a rerun resumes unfinished columns and skips
finished ones); greedy scores are cached in <out>/scores.json; <out>/fig4_imitation.{png,json} hold the figure
and the numbers over every seed <out> holds.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from jaco_prog.errors import UserError

COLUMNS = (("wide", "ff"), ("narrow", "ff"), ("wide", "lstm"), ("narrow", "lstm"))
SMOKE = dict(iterations=3, steps_per_iteration=1_500, envs=4, updates_per_iteration=10, batch_episodes=4,
             pretrain_frames=1_000, pretrain_updates=20, aux_coef=50.0, max_frames=20_000)
FULL = dict(iterations=10, steps_per_iteration=10_000, envs=16, updates_per_iteration=300, batch_episodes=16,
            pretrain_frames=50_000, pretrain_updates=2_000, aux_coef=50.0, max_frames=300_000)
SCALES = {"smoke": (SMOKE, 20), "full": (FULL, 100)}   # budget, held-out episodes scored


@dataclass
class Figure4:
    figure: Path
    numbers: dict
    lines: list[str] = field(default_factory=list)   # what bench/fig4_imitation.py prints after the figure's path


def scale(full: bool, iterations: int | None = None, episodes: int | None = None) -> tuple[dict, int]:
    """The smoke or full budget (with `iterations` DAgger iterations if given) and the held-out episodes."""
    budget, default_episodes = SCALES["full" if full else "smoke"]
    if iterations is not None:
        budget = dict(budget, iterations=iterations)
    return budget, episodes or default_episodes


def chosen_columns(text: str | None) -> list[str]:
    """Comma-separated column names ("wide-ff", ...; None: all of them); unknown ones are a UserError."""
    known = [f"{c}-{a}" for c, a in COLUMNS]
    chosen = known if text is None else [c.strip() for c in text.split(",") if c.strip()]
    unknown = sorted(set(chosen) - set(known))
    if unknown or not chosen:
        raise UserError(f"--columns: unknown {', '.join(unknown) or '(none given)'}; known: {', '.join(known)}")
    return chosen


def run_name(column: str, arch: str, seed: int) -> str:
    return f"{column}-{arch}-s{seed}"


def budget_steps(budget: dict) -> int:
    return budget["pretrain_frames"] + budget["iterations"] * budget["steps_per_iteration"]


def finished_iterations(run_dir: Path) -> int:
    """DAgger iterations the run's checkpoint holds (0 without one)."""
    return _counters(run_dir).get("iteration", 0)


def trained_env_steps(run_dir: Path) -> int:
    """Env steps the run's checkpoint has used, refills on resume included (0 without one)."""
    return _counters(run_dir).get("global_step", 0)


def _counters(run_dir: Path) -> dict:
    """The checkpoint's counters; without a checkpoint (a run kept as its logs, e.g. under docs/) the last
    row of iterations.csv, so a redraw can work from logs and cached scores."""
    from jaco_prog.learning.imitation import read_iterations
    from jaco_prog.nets.checkpoint import read_checkpoint

    checkpoint = run_dir / "checkpoint.pt"
    if checkpoint.is_file():
        return read_checkpoint(checkpoint)["counters"]
    rows = read_iterations(run_dir)
    return {"iteration": int(rows[-1]["iteration"]), "global_step": int(rows[-1]["env_steps"])} if rows else {}


def train_column(run_dir: Path, column: str, arch: str, seed: int, budget: dict, threads: int,
                 progress: bool) -> None:
    from jaco_prog.learning.imitation import ImitationConfig, run_imitation

    cfg = ImitationConfig(column=column, arch=arch, seed=seed, threads=threads, **budget)
    if finished_iterations(run_dir) >= cfg.iterations:
        print(f"{run_dir.name}: {cfg.iterations} iterations done, not re-run", flush=True)
        return
    run_imitation(cfg, run_dir, resume=(run_dir / "checkpoint.pt").is_file(), progress=progress)


def greedy_score(run_dir: Path, episodes: int, cache: dict) -> dict:
    """Mean greedy return ± s.e. and success over held-out episodes; cached per (run, iteration, episodes)."""
    from jaco_prog.evaluation.sim_score import EVAL_SEED_BASE, score_checkpoint

    key = f"{run_dir.name}@{finished_iterations(run_dir)}x{episodes}"
    if key not in cache:
        returns = np.asarray(score_checkpoint(run_dir / "checkpoint.pt", episodes=episodes,
                                              seed=EVAL_SEED_BASE).returns)
        cache[key] = {"mean": float(returns.mean()), "se": float(returns.std() / np.sqrt(len(returns))),
                      "success": float(np.mean(returns > 0)), "episodes": episodes}
    return cache[key]


def plot(out: Path, curves: dict, summary: dict, budget: dict, seeds: list[int]) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, arch in zip(axes, ("ff", "lstm")):
        for column, colour in (("wide", "tab:blue"), ("narrow", "tab:orange")):
            key = f"{column}-{arch}"
            if key not in summary:
                continue
            c = summary[key]
            for i, seed in enumerate(c["seeds"]):
                x, y = curves[run_name(column, arch, seed)]
                label = (f"{column}: greedy {c['mean']:.1f} ± {c['se']:.1f} ({c['episodes']} held-out episodes x "
                         f"{len(c['seeds'])} seed{'s' if len(c['seeds']) > 1 else ''})") if i == 0 else None
                ax.plot(x, y, marker="o", ms=3, color=colour, alpha=1.0 if i == 0 else 0.55,
                        ls=("-", "--", ":", "-.")[i % 4], label=label)
        ax.axhline(30, color="grey", ls="--", lw=0.8)
        ax.set_title(f"{arch.upper()} columns")
        ax.set_xlabel("env steps (pretraining frames included)")
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:  # a panel may have no runs yet (--columns)
            ax.legend(fontsize=8, loc="upper left")
    axes[0].set_ylabel("return of the student's own episodes (of 50)")
    fig.suptitle(f"Fig. 4 by imitation: DAgger from the privileged teacher, {budget_steps(budget):,} env steps per "
                 f"column ({budget['pretrain_frames']:,} pretraining frames + {budget['iterations']} x "
                 f"{budget['steps_per_iteration']:,}),\nseed{'s' if len(seeds) > 1 else ''} "
                 f"{', '.join(map(str, seeds))} (one line style each); dashed: the paper's bar (30)", fontsize=9)
    fig.tight_layout()
    path = out / "fig4_imitation.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def seeds_present(out: Path) -> dict[str, list[int]]:
    """For each column ("wide-ff", ...) the seeds whose DAgger run `out` holds (an iterations.csv)."""
    found = {}
    for column, arch in COLUMNS:
        seeds = sorted(int(p.parent.name.rsplit("-s", 1)[1]) for p in out.glob(f"{column}-{arch}-s*/iterations.csv")
                       if p.parent.name.rsplit("-s", 1)[1].isdigit())
        if seeds:
            found[f"{column}-{arch}"] = seeds
    return found


def column_summary(scores: dict, seeds: list[int], column: str, arch: str) -> dict:
    """A column's greedy return over its seeds: the mean of the seeds' means, s.e. from the seeds' s.e."""
    runs = [scores[run_name(column, arch, seed)] for seed in seeds]
    return {"mean": float(np.mean([r["mean"] for r in runs])),
            "se": float(np.sqrt(sum(r["se"] ** 2 for r in runs)) / len(runs)),
            "success": float(np.mean([r["success"] for r in runs])), "episodes": runs[0]["episodes"],
            "seeds": list(seeds), "per_seed": {str(seed): r["mean"] for seed, r in zip(seeds, runs)}}


def ratio(a: float, b: float) -> float | None:
    return a / b if b > 0 else None


def run(out, budget: dict, episodes: int, *, columns: list[str] | None = None, seed: int = 0, threads: int = 2,
        progress: bool = True, train: bool = True, budget_from_runs: bool = False) -> Figure4:
    """Train `columns` (default all; names as chosen_columns gives them) at `seed` unless not `train`, then
    score, draw and tabulate every column and seed `out` holds. `budget_from_runs`: the figure's budget has
    the iterations the runs were trained to (a redraw that was not told them). A UserError when `out` holds
    no DAgger run."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    chosen = chosen_columns(None) if columns is None else columns
    if train:
        for column, arch in COLUMNS:
            if f"{column}-{arch}" in chosen:
                train_column(out / run_name(column, arch, seed), column, arch, seed, budget, threads, progress)
    present = seeds_present(out)
    names = [run_name(*key.split("-"), seed) for key, seeds in present.items() for seed in seeds]
    if not names:
        raise UserError(f"{out} holds no DAgger runs (train first, without --plot-only)")
    if budget_from_runs:
        budget = dict(budget, iterations=max(finished_iterations(out / n) for n in names))
    cache_path = out / "scores.json"
    cache = json.loads(cache_path.read_text()) if cache_path.is_file() else {}
    from jaco_prog.learning.imitation import student_curve

    curves = {n: student_curve(out / n) for n in names}
    scores = {n: greedy_score(out / n, episodes, cache) for n in names}
    cache_path.write_text(json.dumps(cache, indent=2))
    summary = {key: column_summary(scores, seeds, *key.split("-")) for key, seeds in present.items()}
    all_seeds = sorted({s for seeds in present.values() for s in seeds})
    figure = plot(out, curves, summary, budget, all_seeds)

    numbers = {"budget": budget, "env_steps_per_column": budget_steps(budget), "seeds": all_seeds,
               "episodes": episodes, "scores": scores, "columns": summary, "ratios": {}}
    lines = []
    steps = {n: trained_env_steps(out / n) for n in names}
    numbers["env_steps_trained"] = steps
    if max(steps.values()) > 1.05 * min(steps.values()):  # a resumed column refilled its data set: more steps
        lines.append("warning: the runs trained unequal budgets, so their scores do not compare: "
                     + ", ".join(f"{n} {v:,}" for n, v in steps.items()) + " env steps")
    for name in names:
        s, own = scores[name], curves[name][1]
        last = f"{own[-1]:.1f}" if len(own) else "none yet"   # the first iterations are mostly teacher-driven
        lines.append(f"{name:<16} greedy {s['mean']:5.1f} ± {s['se']:.1f}  success {s['success']:.0%}  "
                     f"(own episodes, last iteration: {last})")
    pairs = [(f"wide / narrow ({arch})", f"wide-{arch}", f"narrow-{arch}") for arch in ("ff", "lstm")]
    pairs += [(f"LSTM / FF ({column})", f"{column}-lstm", f"{column}-ff") for column in ("wide", "narrow")]
    for label, a, b in pairs:
        if a in summary and b in summary:
            value = ratio(summary[a]["mean"], summary[b]["mean"])
            numbers["ratios"][label] = value
            ahead = [s for s in summary[a]["seeds"] if s in summary[b]["seeds"]
                     and summary[a]["per_seed"][str(s)] > summary[b]["per_seed"][str(s)]]
            shared = len(set(summary[a]["seeds"]) & set(summary[b]["seeds"]))
            lines.append(f"{label}: {summary[a]['mean']:.2f} / {summary[b]['mean']:.2f} = "
                         + (f"{value:.2f}x" if value is not None else "n/a (baseline 0)")
                         + f" (seeds' means; ahead in {len(ahead)} of {shared} seeds)")
    (out / "fig4_imitation.json").write_text(json.dumps(numbers, indent=2))
    return Figure4(figure, numbers, lines)
