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

"""The reaching task's ceiling (bench/task_ceiling.py): DAgger's teachers exact and aiming at a misplaced
target, the privileged oracle (the scripted reacher) at scaled-down start noise, and the lookahead planner,
beside a column-1 checkpoint on the same evaluation seeds `jaco-prog score` uses.

    from jaco_prog.experiments import task_ceiling
    settings = task_ceiling.Settings(*task_ceiling.episodes(full=False))
    result = task_ceiling.run(settings, "docs/figures/results", echo=print)
    print(f"figure: {result.figure}")

run writes <out>/task_ceiling.png (task_ceiling_<preset>.png on a preset). No ROS.
"""
from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from jaco_prog.errors import UserError

BAR = 30.0
TEACHERS = (("closed hand, 7 cm above (DAgger's teacher on the owner's task)", "close", 0.07),  # label, fingers, hover
            ("closed hand, 5 cm above (column 1 v4's from it. 240)", "close", 0.05),
            ("open hand, 8 cm above (column 1 v4's until it. 239)", "open", 0.08))
# episodes: (oracle per row and teacher cell, planner and column)
SCALES = {"default": (200, 100), "full": (1000, 400)}


def episodes(full: bool, oracle_episodes: int | None = None, planner_episodes: int | None = None) -> tuple[int, int]:
    """The oracle's and the planner's and column's episodes: the default or full scale's where not given."""
    default_oracle, default_planner = SCALES["full" if full else "default"]
    return oracle_episodes or default_oracle, planner_episodes or default_planner


def noise_scales(text: str) -> tuple[float, ...]:
    """Comma-separated start-noise scales; anything else is a UserError."""
    try:
        return tuple(float(s) for s in text.split(","))
    except ValueError:
        raise UserError(f"--noise-scales must be comma-separated numbers, got {text!r}") from None


@dataclass(frozen=True)
class Settings:
    """What one measurement runs; inconsistent settings are a UserError (naming the bench script's flags)."""
    oracle_episodes: int
    episodes: int                   # the lookahead planner's and the column's
    checkpoint: Path = Path("models/column1_reach_wide_lstm.pt")
    preset: str | None = None
    noise_scales: tuple[float, ...] = (1.0, 0.5, 0.0)
    localisation_error: float = 0.04   # m, s.d.; column 1's aux head is about 6 cm RMS off
    planner_candidates: int = 8
    planner_horizon: int = 3

    def __post_init__(self):
        from jaco_prog.sim.task_config import available_presets

        object.__setattr__(self, "checkpoint", Path(self.checkpoint))
        if self.oracle_episodes < self.episodes or self.episodes < 1:
            raise UserError(f"need 1 <= --episodes ({self.episodes}) <= --oracle-episodes ({self.oracle_episodes})")
        if self.planner_candidates < 1 or self.planner_horizon < 1:
            raise UserError("--planner-candidates and --planner-horizon must be at least 1")
        if not self.checkpoint.exists():
            raise UserError(f"checkpoint {self.checkpoint} does not exist")
        if self.localisation_error < 0:
            raise UserError("--localisation-error must be >= 0")
        if self.preset is not None and self.preset not in available_presets():
            raise UserError(f"unknown preset {self.preset!r}; known: {', '.join(available_presets())}")


@dataclass
class Ceiling:
    figure: Path
    oracle: dict          # start-noise scale -> controller_episodes of DAgger's teacher
    teachers: dict        # label -> (exact returns, misplaced-target returns)
    planner: dict         # controller_episodes of the lookahead planner
    column: np.ndarray    # the checkpoint's returns
    lines: list[str] = field(default_factory=list)   # what bench/task_ceiling.py prints before the figure's path


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
         error: float, preset: str | None = None) -> Path:
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
    ax.text(BAR + 0.5, 1.3 * tallest, f"bar: {BAR:.0f}", fontsize=9)
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
    bx.set_xticks(range(len(teachers)), [textwrap.fill(label, 24) for label in teachers], fontsize=8)
    bx.set_ylabel("mean return (of 50)")
    bx.set_ylim(0, 50)
    bx.set_title("DAgger's teachers: how forgiving is their aim?")
    bx.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    out.mkdir(parents=True, exist_ok=True)
    path = out / figure_name(preset)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def run(settings: Settings, out, echo: Callable[[str], None] | None = None) -> Ceiling:
    """Measure every controller and the checkpoint, draw <out>/figure_name(preset). Each line of the report
    goes to `echo` as soon as it is measured (the full run takes minutes) and into the result's lines."""
    from jaco_prog.evaluation.sim_score import EVAL_SEED_BASE, score_checkpoint
    from jaco_prog.sim.reference_controllers import controller_episodes

    s, lines = settings, []

    def say(line: str) -> None:
        lines.append(line)
        if echo is not None:
            echo(line)

    runs = {}

    def oracle_run(scale: float = 1.0, fingers: str | None = None, hover: float | None = None) -> dict:
        """The oracle's episodes, each (start noise, teacher) measured once: DAgger's own teacher is both a
        row of the teacher table and the task-as-configured row."""
        teacher = teacher_config(fingers, hover)
        key = (scale, teacher.teacher_fingers, teacher.teacher_hover)
        if key not in runs:
            with reach_env(scale, s.preset) as env:
                runs[key] = controller_episodes(env, teacher.make_teacher(env), s.oracle_episodes, EVAL_SEED_BASE)
        return runs[key]

    say(f"DAgger's teachers, exact and aiming at a target misplaced by {100 * s.localisation_error:.0f} cm "
        f"(s.d.), {s.oracle_episodes} episodes per cell")
    teachers = {}
    for label, fingers, hover in TEACHERS:
        exact = oracle_run(1.0, fingers, hover)
        with reach_env(preset=s.preset) as env:
            misplaced = controller_episodes(
                env, misplaced_target_oracle(env, fingers, hover, s.localisation_error, seed=0), s.oracle_episodes,
                EVAL_SEED_BASE)
        teachers[label] = (exact["returns"], misplaced["returns"])
        say(f"  {label:<34} exact {mean_se(exact['returns'])}   misplaced {mean_se(misplaced['returns'])}")

    say(f"privileged oracle (the scripted reacher), {s.oracle_episodes} episodes per row")
    say(f"{'start noise':>11}  {'return':>12}  {'success':>7}  {'first reward':>12}  {'start distance':>14}")
    oracle = {}
    for scale in sorted(set(s.noise_scales) | {1.0}, reverse=True):
        r = oracle[scale] = oracle_run(scale)
        say(f"{scale:>10.2f}x  {mean_se(r['returns']):>12}  {np.mean(r['returns'] > 0):>7.0%}  "
            f"{'step ' + format(np.mean(r['first_steps']), '.1f'):>12}  {r['start_distance']:>12.2f} m")
    with reach_env(preset=s.preset) as env:
        planner = controller_episodes(env, lookahead_planner(env, s.planner_candidates, s.planner_horizon),
                                      s.episodes, EVAL_SEED_BASE)
    column = np.asarray(score_checkpoint(s.checkpoint, preset=s.preset, episodes=s.episodes,
                                         seed=EVAL_SEED_BASE).returns)
    base = oracle[1.0]["returns"][:s.episodes]
    where = "the task as configured" if s.preset is None else f"preset {s.preset}"
    say("")
    say(f"{where}, the same {s.episodes} episodes:")
    say(f"  privileged oracle   {mean_se(base)}")
    say(f"  lookahead planner   {mean_se(planner['returns'])}  ({s.planner_candidates} candidates, "
        f"{s.planner_horizon} steps ahead; first reward at step {np.mean(planner['first_steps']):.1f})")
    say(f"  {s.checkpoint.name}  {mean_se(column)}")
    say(f"ratio column / oracle: {column.mean() / base.mean():.2f}; planner / oracle: "
        f"{planner['returns'].mean() / base.mean():.2f}; bar ({BAR:.0f}) / oracle: {BAR / base.mean():.2f}")
    figure = plot(Path(out), oracle[1.0], planner, column, s.checkpoint, teachers, s.localisation_error, s.preset)
    return Ceiling(figure, oracle, teachers, planner, column, lines)
