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

"""How much can any policy score on the reaching task? The ceiling behind issue 7's bar of 30 of 50.

The reward is +1 per step with the palm within 10 cm of the target, over 50 steps, so every step spent
travelling from the random start is a point lost, and the joints' action velocities set how fast the palm
can travel. Two controllers that never have to see give a practical ceiling for a pixel policy:

    privileged oracle    the scripted reacher (sim/scripted_policy.py), which reads the target position and
                         the palm Jacobian; DAgger's teacher, so also the ceiling of what column 1 imitates
    lookahead planner    at every step, simulates the most promising joint-action combinations (ranked by the
                         Jacobian) a few steps ahead on a copy of the physics, and takes the one that ends
                         nearest the goal without a safety violation

Both are measured on the evaluation seeds `jaco-prog score` uses, beside the shipped column 1 on the same
episodes; the oracle also with the random start's joint noise scaled down (the paper does not give its start
distribution). The figure shows the return distributions against the bar.

DAgger's teachers (closed hand aiming 7 cm above the target, the earlier column's 5 cm and open hand 8 cm) are also
measured aiming at a misplaced target, a stand-in for a student that locates the target a few cm off: open
fingers stick 7 cm past the palm, so the open-handed teacher must hover near the top of the 10 cm reward
sphere and any error takes the palm out of it or the fingers into the table.

    .venv/bin/python bench/task_ceiling.py                  # ~3 min: oracle 200, planner and column 100 episodes
    .venv/bin/python bench/task_ceiling.py --full           # oracle 1000, planner and column 400
    .venv/bin/python bench/task_ceiling.py --preset real_proxy    # the ceiling where transfer is scored
"""
from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("MUJOCO_GL", "egl")
BAR = 30.0
TEACHERS = (("closed hand, 7 cm above (DAgger's teacher on the owner's task)", "close", 0.07),  # label, fingers, hover
            ("closed hand, 5 cm above (column 1 v4's from it. 240)", "close", 0.05),
            ("open hand, 8 cm above (column 1 v4's until it. 239)", "open", 0.08))


def reach_env(noise_scale: float = 1.0, preset: str | None = None):
    from jaco_prog.sim import make_env
    from jaco_prog.sim.task_config import load_task_config

    noise = [deg * noise_scale for deg in load_task_config(preset).task.start_noise_deg]
    return make_env(preset=preset, overrides={"task": {"start_noise_deg": noise}}, own_renderer=False)


def teacher_config(fingers: str | None = None, hover: float | None = None):
    """DAgger's configuration with the teacher's finger command and hover replaced where given."""
    from jaco_prog.learning.imitation import ImitationConfig

    given = {k: v for k, v in (("teacher_fingers", fingers), ("teacher_hover", hover)) if v is not None}
    return ImitationConfig(**given)


def scripted_oracle(env, fingers: str | None = None, hover: float | None = None):
    """DAgger's teacher: ImitationConfig's hover and finger command unless given."""
    return teacher_config(fingers, hover).make_teacher(env)


def misplaced_target_oracle(env, fingers: str, hover: float, error: float, seed: int):
    """The teacher aiming at a target misplaced by `error` m (s.d.; sim.reference_controllers)."""
    from jaco_prog.sim.reference_controllers import MisplacedTargetReacher

    return MisplacedTargetReacher(env, error, seed, hover=hover, fingers=fingers)


def lookahead_planner(env, candidates: int, horizon: int):
    """The lookahead planner steering for DAgger's teacher's goal."""
    from jaco_prog.sim.reference_controllers import LookaheadPlanner

    return LookaheadPlanner(env, scripted_oracle(env), candidates, horizon)


def mean_se(values: np.ndarray) -> str:
    return f"{values.mean():5.1f} ± {values.std() / math.sqrt(len(values)):.1f}"


def figure_name(preset: str | None) -> str:
    return "task_ceiling.png" if preset is None else f"task_ceiling_{preset}.png"


def plot(out: Path, oracle: dict, planner: dict, column: np.ndarray, checkpoint: Path, teachers: dict,
         error: float, preset: str | None = None) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bins = np.arange(0, 52, 2)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12.5, 4.2), gridspec_kw={"width_ratios": [1.6, 1]})
    tallest = 0.0
    for label, returns, colour in (("privileged oracle", oracle["returns"], "tab:blue"),
                                   ("lookahead planner", planner["returns"], "tab:green"),
                                   (checkpoint.name, column, "tab:orange")):
        density, _, _ = ax.hist(returns, bins, density=True, histtype="step", lw=1.8, color=colour,
                                label=f"{label}: mean {returns.mean():.1f} ({len(returns)} episodes)")
        tallest = max(tallest, float(np.max(density)))
    # autoscaling clips a step histogram's end bins, and the legend needs room above the tallest bin
    ax.set_ylim(0, 1.4 * tallest)
    ax.axvline(BAR, color="k", ls="--", lw=1)
    ax.text(BAR + 0.5, 1.3 * tallest, "bar: 30", fontsize=9)
    ax.set_xlabel("episode return (of 50)")
    ax.set_ylabel("share of episodes per return")
    ax.set_title(("Reach task as configured" if preset is None else f"Reach task, preset {preset}")
                 + ": returns on the evaluation seeds")
    ax.legend(fontsize=8, loc="upper left")
    width = 0.38
    for i, (label, (exact, misplaced)) in enumerate(teachers.items()):
        for j, (returns, name) in enumerate(((exact, "exact target"), (misplaced, f"misplaced {100 * error:.0f} cm"))):
            bar = bx.bar(i + (j - 0.5) * width, returns.mean(), width, yerr=returns.std() / math.sqrt(len(returns)),
                         color=("tab:blue", "tab:gray")[j], label=name if i == 0 else None)
            bx.bar_label(bar, fmt="%.1f", fontsize=8)
    bx.axhline(BAR, color="k", ls="--", lw=1)
    bx.set_xticks(range(len(teachers)), [label.replace(", ", ",\n", 1) for label in teachers], fontsize=8)
    bx.set_ylabel("mean return (of 50)")
    bx.set_ylim(0, 50)
    bx.set_title("DAgger's teachers: how forgiving is their aim?")
    bx.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / figure_name(preset), dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    from jaco_prog.evaluation.sim_score import EVAL_SEED_BASE, score_checkpoint
    from jaco_prog.sim.reference_controllers import controller_episodes

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="oracle 1000, planner and column 400 episodes")
    parser.add_argument("--oracle-episodes", type=int, help="default 200 (1000 with --full)")
    parser.add_argument("--episodes", type=int, help="planner and column episodes: default 100 (400 with --full)")
    parser.add_argument("--checkpoint", type=Path, default=Path("models/column1_reach_wide_lstm.pt"))
    parser.add_argument("--preset", help="measure everything on this preset of config/presets.yaml (e.g. "
                                         "real_proxy, where transfer is scored) instead of the training task")
    parser.add_argument("--noise-scales", default="1,0.5,0",
                        help="start-noise scales to measure the oracle at (1 = the task as configured)")
    parser.add_argument("--localisation-error", type=float, default=0.04,
                        help="s.d. (m) of the misplaced-target draw the teachers are also measured with (column "
                             "1's aux head is about 6 cm RMS off)")
    parser.add_argument("--planner-candidates", type=int, default=8, help="combinations simulated per step")
    parser.add_argument("--planner-horizon", type=int, default=3, help="steps each is simulated ahead")
    parser.add_argument("--out", type=Path, default=Path("docs/figures/results"))
    args = parser.parse_args(argv)
    n_oracle = args.oracle_episodes or (1000 if args.full else 200)
    n = args.episodes or (400 if args.full else 100)
    try:
        scales = [float(s) for s in args.noise_scales.split(",")]
    except ValueError:
        parser.error(f"--noise-scales must be comma-separated numbers, got {args.noise_scales!r}")
    if n_oracle < n or n < 1:
        parser.error(f"need 1 <= --episodes ({n}) <= --oracle-episodes ({n_oracle})")
    if args.planner_candidates < 1 or args.planner_horizon < 1:
        parser.error("--planner-candidates and --planner-horizon must be at least 1")
    if not args.checkpoint.exists():
        parser.error(f"checkpoint {args.checkpoint} does not exist")
    if args.localisation_error < 0:
        parser.error("--localisation-error must be >= 0")
    from jaco_prog.sim.task_config import available_presets
    if args.preset is not None and args.preset not in available_presets():
        parser.error(f"unknown preset {args.preset!r}; known: {', '.join(available_presets())}")

    runs = {}

    def oracle_run(scale: float = 1.0, fingers: str | None = None, hover: float | None = None) -> dict:
        """The oracle's episodes, each (start noise, teacher) measured once: DAgger's own teacher is both a
        row of the teacher table and the task-as-configured row."""
        teacher = teacher_config(fingers, hover)
        key = (scale, teacher.teacher_fingers, teacher.teacher_hover)
        if key not in runs:
            with reach_env(scale, args.preset) as env:
                runs[key] = controller_episodes(env, teacher.make_teacher(env), n_oracle, EVAL_SEED_BASE)
        return runs[key]

    print(f"DAgger's teachers, exact and aiming at a target misplaced by {100 * args.localisation_error:.0f} cm "
          f"(s.d.), {n_oracle} episodes per cell")
    teachers = {}
    for label, fingers, hover in TEACHERS:
        exact = oracle_run(1.0, fingers, hover)
        with reach_env(preset=args.preset) as env:
            misplaced = controller_episodes(
                env, misplaced_target_oracle(env, fingers, hover, args.localisation_error, seed=0), n_oracle,
                EVAL_SEED_BASE)
        teachers[label] = (exact["returns"], misplaced["returns"])
        print(f"  {label:<34} exact {mean_se(exact['returns'])}   misplaced {mean_se(misplaced['returns'])}",
              flush=True)

    print(f"privileged oracle (the scripted reacher), {n_oracle} episodes per row")
    print(f"{'start noise':>11}  {'return':>12}  {'success':>7}  {'first reward':>12}  {'start distance':>14}")
    oracle = {}
    for scale in sorted(set(scales) | {1.0}, reverse=True):
        r = oracle[scale] = oracle_run(scale)
        print(f"{scale:>10.2f}x  {mean_se(r['returns']):>12}  {np.mean(r['returns'] > 0):>7.0%}  "
              f"{'step ' + format(np.mean(r['first_steps']), '.1f'):>12}  {r['start_distance']:>12.2f} m",
              flush=True)
    with reach_env(preset=args.preset) as env:
        planner = controller_episodes(env, lookahead_planner(env, args.planner_candidates, args.planner_horizon),
                                      n, EVAL_SEED_BASE)
    column = np.asarray(score_checkpoint(args.checkpoint, preset=args.preset, episodes=n,
                                         seed=EVAL_SEED_BASE).returns)
    base = oracle[1.0]["returns"][:n]
    where = "the task as configured" if args.preset is None else f"preset {args.preset}"
    print(f"\n{where}, the same {n} episodes:")
    print(f"  privileged oracle   {mean_se(base)}")
    print(f"  lookahead planner   {mean_se(planner['returns'])}  ({args.planner_candidates} candidates, "
          f"{args.planner_horizon} steps ahead; first reward at step "
          f"{np.mean(planner['first_steps']):.1f})")
    print(f"  {args.checkpoint.name}  {mean_se(column)}")
    print(f"ratio column / oracle: {column.mean() / base.mean():.2f}; planner / oracle: "
          f"{planner['returns'].mean() / base.mean():.2f}; bar (30) / oracle: {BAR / base.mean():.2f}")
    plot(args.out, oracle[1.0], planner, column, args.checkpoint, teachers, args.localisation_error, args.preset)
    print(f"figure: {args.out / figure_name(args.preset)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
