#!/usr/bin/env python3
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

"""Paper Fig. 4 at a budget that fits one machine: the four first-column architectures (wide and narrow,
feedforward and LSTM) trained the way the shipped column 1 is, by DAgger from the privileged scripted teacher
after pretraining the conv layers on target position, with the same budget and seed each, on the
domain-randomised reach task. From scratch with A2C (bench/fig4_architectures.py) nothing scores at budgets
this machine can afford; imitation separates the architectures within a few hundred thousand steps.

Prints the figure path, each run's greedy return over --episodes held-out episodes (the seeds of `jaco-prog
score`) and the ratios wide / narrow and LSTM / FF of the columns' means over the seeds --out holds (--seed N
trains seed N beside the others). Curves: the return of the episodes each student drove alone, per DAgger
iteration, one line per seed. Writes <out>/fig4_imitation.{png,json} and one run directory per column and
seed; a rerun resumes unfinished columns and skips finished ones. Compare columns trained without a break:
a resumed run first refills its data set (extra env steps), and the script warns when budgets differ.

    .venv/bin/python bench/fig4_imitation.py                  # smoke: a few minutes
    .venv/bin/python bench/fig4_imitation.py --full           # 50 k pretraining frames + 10 x 10 k steps each
    .venv/bin/python bench/fig4_imitation.py --full --iterations 30 --out DIR   # a longer budget (350 k steps)
    .venv/bin/python bench/fig4_imitation.py --full --columns wide-ff,narrow-ff  # some columns (e.g. one per core)
    .venv/bin/python bench/fig4_imitation.py --plot-only [--out DIR]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

COLUMNS = (("wide", "ff"), ("narrow", "ff"), ("wide", "lstm"), ("narrow", "lstm"))
SMOKE = dict(iterations=3, steps_per_iteration=1_500, envs=4, updates_per_iteration=10, batch_episodes=4,
             pretrain_frames=1_000, pretrain_updates=20, aux_coef=50.0, max_frames=20_000)
FULL = dict(iterations=10, steps_per_iteration=10_000, envs=16, updates_per_iteration=300, batch_episodes=16,
            pretrain_frames=50_000, pretrain_updates=2_000, aux_coef=50.0, max_frames=300_000)
SCALES = {"smoke": (SMOKE, 20), "full": (FULL, 100)}   # budget, held-out episodes scored


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
    row of iterations.csv, so --plot-only can redraw from logs and cached scores."""
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
    """For each column ("wide-ff", ...) the seeds whose DAgger run --out holds (an iterations.csv)."""
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=None,
                        help="output directory (default runs/results/architectures-imitation[-smoke])")
    parser.add_argument("--full", action="store_true", help="the full budget instead of the smoke scale")
    parser.add_argument("--plot-only", action="store_true", help="train nothing: redraw from what --out holds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--episodes", type=int, default=None,
                        help="held-out episodes scored per column (default 20 smoke, 100 full)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads of each DAgger run")
    parser.add_argument("--iterations", type=int, default=None,
                        help="DAgger iterations per column (default: 10 with --full, 3 without); more resumes a "
                             "finished run, which first refills its data set with max_frames / 2 frames")
    parser.add_argument("--columns", default=None,
                        help="train only these comma-separated columns (wide-ff, narrow-ff, wide-lstm, "
                             "narrow-lstm); the figure still shows every column --out holds")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    budget, episodes = SCALES["full" if args.full else "smoke"]
    episodes = args.episodes or episodes
    if episodes < 1 or args.threads < 1 or (args.iterations is not None and args.iterations < 1):
        parser.error("--episodes, --threads and --iterations must be at least 1")
    if args.iterations is not None:
        budget = dict(budget, iterations=args.iterations)
    known = [f"{c}-{a}" for c, a in COLUMNS]
    chosen = known if args.columns is None else [c.strip() for c in args.columns.split(",") if c.strip()]
    unknown = sorted(set(chosen) - set(known))
    if unknown or not chosen:
        parser.error(f"--columns: unknown {', '.join(unknown) or '(none given)'}; known: {', '.join(known)}")
    out = args.out or Path("runs/results/architectures-imitation" + ("" if args.full else "-smoke"))
    out.mkdir(parents=True, exist_ok=True)

    if not args.plot_only:
        for column, arch in COLUMNS:
            if f"{column}-{arch}" not in chosen:
                continue
            train_column(out / run_name(column, arch, args.seed), column, arch, args.seed, budget, args.threads,
                         progress=not args.no_progress)
    present = seeds_present(out)
    names = [run_name(*key.split("-"), seed) for key, seeds in present.items() for seed in seeds]
    if not names:
        print(f"error: {out} holds no DAgger runs (train first, without --plot-only)", file=sys.stderr)
        return 2
    if args.plot_only and args.iterations is None:  # the budget the runs were trained to, for the title
        budget = dict(budget, iterations=max(finished_iterations(out / n) for n in names))
    cache_path = out / "scores.json"
    cache = json.loads(cache_path.read_text()) if cache_path.is_file() else {}
    from jaco_prog.learning.imitation import student_curve

    curves = {n: student_curve(out / n) for n in names}
    scores = {n: greedy_score(out / n, episodes, cache) for n in names}
    cache_path.write_text(json.dumps(cache, indent=2))
    summary = {key: column_summary(scores, seeds, *key.split("-")) for key, seeds in present.items()}
    all_seeds = sorted({seed for seeds in present.values() for seed in seeds})
    figure = plot(out, curves, summary, budget, all_seeds)

    numbers = {"budget": budget, "env_steps_per_column": budget_steps(budget), "seeds": all_seeds,
               "episodes": episodes, "scores": scores, "columns": summary, "ratios": {}}
    print(f"figure: {figure}")
    steps = {n: trained_env_steps(out / n) for n in names}
    numbers["env_steps_trained"] = steps
    if max(steps.values()) > 1.05 * min(steps.values()):  # a resumed column refilled its data set: more steps
        print("warning: the runs trained unequal budgets, so their scores do not compare: "
              + ", ".join(f"{n} {v:,}" for n, v in steps.items()) + " env steps")
    for name in names:
        s, own = scores[name], curves[name][1]
        last = f"{own[-1]:.1f}" if len(own) else "none yet"   # the first iterations are mostly teacher-driven
        print(f"{name:<16} greedy {s['mean']:5.1f} ± {s['se']:.1f}  success {s['success']:.0%}  "
              f"(own episodes, last iteration: {last})")
    pairs = [(f"wide / narrow ({arch})", f"wide-{arch}", f"narrow-{arch}") for arch in ("ff", "lstm")]
    pairs += [(f"LSTM / FF ({column})", f"{column}-lstm", f"{column}-ff") for column in ("wide", "narrow")]
    for label, a, b in pairs:
        if a in summary and b in summary:
            value = ratio(summary[a]["mean"], summary[b]["mean"])
            numbers["ratios"][label] = value
            ahead = [seed for seed in summary[a]["seeds"] if seed in summary[b]["seeds"]
                     and summary[a]["per_seed"][str(seed)] > summary[b]["per_seed"][str(seed)]]
            shared = len(set(summary[a]["seeds"]) & set(summary[b]["seeds"]))
            print(f"{label}: {summary[a]['mean']:.2f} / {summary[b]['mean']:.2f} = "
                  + (f"{value:.2f}x" if value is not None else "n/a (baseline 0)")
                  + f" (seeds' means; ahead in {len(ahead)} of {shared} seeds)")
    (out / "fig4_imitation.json").write_text(json.dumps(numbers, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
