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

"""The graph's online learner against `jaco-prog train`, from the same column 1 on the real proxy (issue 25).

Per seed, two runs with the same hyper-parameters (one TrainConfig file, written here from the online
learner's configuration: runtime.yaml learner.train over config/train.yaml; progressive mode, a narrow column,
A2C on one stream) and the same step budget:
  graph  `jaco-prog run --sim --learn`: the ROS graph's components in one process (sim camera 320x240 ->
         colour tracker's reward -> 20 Hz policy loop -> safety layer -> sim), seeded, updates on the sim clock;
  gym    `jaco-prog train --algo a2c --envs 1`: the training env (64x64 render, the simulator's reward).
Figures, each against column 1 measured in the same run:
  - held-out score of each final net (greedy, 100 episodes from the evaluation seeds, `jaco-prog score`'s
    rule) against column 1's zero-shot score on the same seeds;
  - final training return (mean of the last 100 episodes, sampled as trained; the graph's by the tracker's
    reward, with the simulator's ground truth beside it) against column 1's sampled return on the same seeds.
The graph and gym runs "agree" when each method's mean lies within the other's seed range.
A finished run is read back (the bench can be stopped and started again; an unfinished run is resumed).

    .venv/bin/python bench/online_vs_gym.py --smoke                     # 2 x 1 runs of 200 steps: the plumbing
    nice .venv/bin/python bench/online_vs_gym.py --out runs/bench/online_vs_gym \
        --figure docs/figures/online_vs_gym.png                          # 2 x 3 seeds x 20 000 steps
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("MUJOCO_GL", "egl")

import numpy as np  # noqa: E402
import yaml  # noqa: E402

PRESET = "real_proxy"
FINAL_WINDOW = 100  # episodes in a final return, as jaco-prog train's summary and the sweeps count it
# fields the bench sets per run (the rest of the file is the shared hyper-parameters)
PER_RUN = ("run_dir", "seed", "total_steps", "task", "preset", "from_checkpoint", "progress")


def cli() -> list[str]:
    return [sys.executable, "-m", "jaco_prog.cli"]


def shared_config(out: Path, start: str) -> Path:
    """The online learner's TrainConfig without the per-run fields: both methods read it with --config."""
    from jaco_prog.learning.online import online_config
    from jaco_prog.runtime.params import load_runtime_params

    cfg = online_config(load_runtime_params().learner.train, overrides={"from_checkpoint": start,
                                                                         "run_dir": str(out)})
    data = {k: v for k, v in cfg.to_dict().items() if k not in PER_RUN}
    data["progress"] = False
    path = out / "hyperparameters.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def steps_done(run_dir: Path) -> int:
    from jaco_prog.nets.checkpoint import read_checkpoint

    path = run_dir / "checkpoint.pt"
    return int((read_checkpoint(path).get("counters") or {}).get("global_step", 0)) if path.is_file() else 0


def run_one(method: str, seed: int, out: Path, start: str, steps: int, config: Path) -> tuple[str, int, float]:
    run_dir = out / f"{method}-s{seed}"
    log = out / f"{method}-s{seed}.log"
    if steps_done(run_dir) >= steps:
        return method, seed, 0.0
    if method == "graph":
        cmd = [*cli(), "run", "--sim", "--learn", "--from", start, "--preset", PRESET, "--steps", str(steps),
               "--seed", str(seed), "--run-dir", str(run_dir), "--config", str(config)]
    elif run_dir.is_dir() and (run_dir / "checkpoint.pt").is_file():
        cmd = [*cli(), "train", "--run-dir", str(run_dir), "--resume", "--steps", str(steps), "--no-progress"]
    else:
        cmd = [*cli(), "train", "--config", str(config), "--mode", "progressive", "--from", start, "--preset",
               PRESET, "--steps", str(steps), "--seed", str(seed), "--run-dir", str(run_dir), "--no-progress"]
    t0 = time.monotonic()
    with open(log, "a") as f:
        f.write(" ".join(cmd) + "\n")
        f.flush()
        result = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise RuntimeError(f"{method} seed {seed} failed (exit {result.returncode}); see {log}")
    return method, seed, time.monotonic() - t0


def final_return(returns: list[float]) -> float:
    window = min(FINAL_WINDOW, len(returns))
    return float(np.mean(returns[-window:])) if window else float("nan")


def ground_truth_returns(run_dir: Path, last_step: int) -> list[float]:
    """The graph's episodes by the simulator's reward, for the episodes the learner counted."""
    path = run_dir / "graph_episodes.csv"
    if not path.is_file():
        return []
    rows = [r for r in csv.DictReader(open(path)) if int(r["learner_step"]) <= last_step]
    return [float(r["ground_truth_return"]) for r in rows]


def score(checkpoint: str, episodes: int, greedy: bool, cache: Path) -> float:
    """Mean held-out return (jaco-prog score's seeds), kept in `cache` beside the run: a finished run's net does
    not change, so a rerun of the bench reads it back."""
    from jaco_prog.evaluation.sim_score import score_checkpoint

    if cache.is_file():
        return float(json.loads(cache.read_text())["mean_return"])
    result = score_checkpoint(checkpoint, preset=PRESET, episodes=episodes, greedy=greedy)
    cache.write_text(json.dumps({"checkpoint": checkpoint, "greedy": greedy, "episodes": episodes,
                                 "mean_return": result.mean_return, "stderr": result.stderr}) + "\n")
    return result.mean_return


def describe(values: list[float]) -> str:
    a = np.asarray(values)
    return f"{a.mean():.2f} ± {a.std(ddof=1) if len(a) > 1 else 0.0:.2f} (seeds {', '.join(f'{v:.2f}' for v in a)})"


def within(a: list[float], b: list[float]) -> bool:
    """Each method's mean lies inside the other's seed range."""
    return min(b) <= float(np.mean(a)) <= max(b) and min(a) <= float(np.mean(b)) <= max(a)


def plot(results: dict, baselines: dict, path: Path, window: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from jaco_prog.learning.episode_log import read_episodes

    fig, (curves, finals) = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [2.2, 1]})
    colours = {"graph": "tab:blue", "gym": "tab:orange"}
    labels = {"graph": "graph learner (jaco-prog run --sim --learn)", "gym": "jaco-prog train --algo a2c --envs 1"}
    for method in ("graph", "gym"):
        for i, run_dir in enumerate(results[method]["run_dirs"]):
            rows = read_episodes(run_dir)
            steps, returns = np.asarray(rows["global_step"]), np.asarray(rows["return"])
            if len(returns) >= window:
                mean = np.convolve(returns, np.ones(window) / window, mode="valid")
                curves.plot(steps[window - 1:], mean, color=colours[method], alpha=0.85,
                            label=labels[method] if i == 0 else None)
    curves.axhline(baselines["sampled"], color="grey", ls="--", label="column 1 zero-shot, sampled")
    curves.axhline(baselines["greedy"], color="black", ls=":", label="column 1 zero-shot, greedy")
    curves.set_xlabel("steps")
    curves.set_ylabel(f"episode return (running mean of {window})")
    curves.set_title("training return (sampled actions)")
    curves.legend(fontsize=8, loc="upper left")
    for x, method in enumerate(("graph", "gym")):
        for key, marker, shift in (("final", "o", -0.12), ("score", "s", 0.12)):
            values = results[method][key]
            finals.scatter([x + shift] * len(values), values, color=colours[method], marker=marker,
                           label={"final": "final return (last 100, sampled)",
                                  "score": "held-out score (greedy)"}[key] if x == 0 else None)
    finals.axhline(baselines["greedy"], color="black", ls=":")
    finals.axhline(baselines["sampled"], color="grey", ls="--")
    finals.set_xticks([0, 1], ["graph", "gym"])
    finals.set_xlim(-0.6, 1.6)
    finals.set_title("per seed, end of training")
    finals.legend(fontsize=8)
    fig.suptitle(f"progressive column on {PRESET} from the shipped column 1: the graph's online learner vs the "
                 f"env path, {results['steps']:,} steps, {len(results['graph']['final'])} seeds each", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="200 steps, 1 seed, 5 score episodes")
    parser.add_argument("--steps", type=int, default=20_000, help="steps per run (default %(default)s)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per method (default %(default)s)")
    parser.add_argument("--score-episodes", type=int, default=100, help="held-out episodes per score")
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (default %(default)s: 2 cores)")
    parser.add_argument("--checkpoint", default=None, help="column 1 (default: the shipped one)")
    parser.add_argument("--out", default="runs/bench/online_vs_gym", help="output folder")
    parser.add_argument("--figure", default=None, help="PNG path (default OUT/online_vs_gym.png)")
    parser.add_argument("--window", type=int, default=50, help="running-mean window of the curves (episodes)")
    args = parser.parse_args()
    if args.smoke:
        args.steps, args.seeds, args.score_episodes, args.window = 200, 1, 5, 2
    from jaco_prog.runtime.params import load_runtime_params

    start = args.checkpoint or str(load_runtime_params().policy.default_checkpoint_path())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    config = shared_config(out, start)
    print(f"column 1: {start}; preset {PRESET}; {args.steps:,} steps x {args.seeds} seeds per method; "
          f"hyper-parameters: {config}", flush=True)
    t0 = time.monotonic()
    jobs = [(m, s) for s in range(args.seeds) for m in ("graph", "gym")]
    with ThreadPoolExecutor(args.jobs) as pool:
        for method, seed, wall in pool.map(lambda job: run_one(*job, out, start, args.steps, config), jobs):
            print(f"  {method} seed {seed}: {'read back' if wall == 0 else f'{wall / 60:.1f} min'}", flush=True)
    from jaco_prog.learning.episode_log import read_episodes

    baselines = {kind: score(start, args.score_episodes, greedy=kind == "greedy",
                             cache=out / f"column1-score-{kind}-{args.score_episodes}.json")
                 for kind in ("greedy", "sampled")}
    results = {"steps": args.steps, "preset": PRESET, "column1": start, "baselines": baselines}
    for method in ("graph", "gym"):
        run_dirs = [out / f"{method}-s{s}" for s in range(args.seeds)]
        finals, firsts, scores, truths = [], [], [], []
        for run_dir in run_dirs:
            returns = read_episodes(run_dir)["return"]
            finals.append(final_return(returns))
            firsts.append(float(np.mean(returns[:FINAL_WINDOW])))
            scores.append(score(str(run_dir), args.score_episodes, greedy=True,
                                cache=run_dir / f"score-greedy-{args.score_episodes}.json"))
            if method == "graph":
                truths.append(final_return(ground_truth_returns(run_dir, steps_done(run_dir))))
        results[method] = {"run_dirs": [str(d) for d in run_dirs], "final": finals, "first": firsts,
                           "score": scores, **({"final_ground_truth": truths} if truths else {})}
    figure = Path(args.figure) if args.figure else out / "online_vs_gym.png"
    plot(results, baselines, figure, args.window)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    g, e = results["graph"], results["gym"]
    print(f"column 1 zero-shot on {PRESET} ({args.score_episodes} held-out episodes): greedy "
          f"{baselines['greedy']:.2f}, sampled {baselines['sampled']:.2f}")
    print(f"final return (last {FINAL_WINDOW} training episodes, sampled):")
    print(f"  graph {describe(g['final'])}   [simulator's reward: {describe(g['final_ground_truth'])}]")
    print(f"  gym   {describe(e['final'])}")
    print(f"  agree within their seed spread: {within(g['final'], e['final'])}; graph / gym "
          f"{np.mean(g['final']) / np.mean(e['final']):.2f}x; vs sampled zero-shot: graph "
          f"{np.mean(g['final']) / baselines['sampled']:.2f}x, gym {np.mean(e['final']) / baselines['sampled']:.2f}x")
    print(f"held-out score of the final nets (greedy, {args.score_episodes} episodes):")
    print(f"  graph {describe(g['score'])}")
    print(f"  gym   {describe(e['score'])}")
    print(f"  agree within their seed spread: {within(g['score'], e['score'])}; vs greedy zero-shot: graph "
          f"{np.mean(g['score']) / baselines['greedy']:.2f}x, gym {np.mean(e['score']) / baselines['greedy']:.2f}x; "
          f"seeds above it: graph {sum(v > baselines['greedy'] for v in g['score'])}/{len(g['score'])}, "
          f"gym {sum(v > baselines['greedy'] for v in e['score'])}/{len(e['score'])}")
    print(f"figure: {figure}; numbers: {out / 'results.json'}; {(time.monotonic() - t0) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
