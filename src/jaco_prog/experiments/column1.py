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

"""Column 1's recipes side by side (bench/column1.py): DAgger warm start from the privileged scripted teacher,
A2C from scratch, and DAgger after pretraining the conv layers on target position, return against env steps
at the same env-step budget, with an optional A2C run finetuned after DAgger drawn after DAgger's last step.

    from jaco_prog.experiments import column1
    runs = column1.RecipeRuns.under("runs/results/column1")
    column1.train_recipes(runs, full=False)       # resumes what the run directories hold
    result = column1.compare(runs, "runs/results/column1")
    print(result.figure, *result.lines, sep="\\n")

compare writes <out>/column1.{png,json}; the model card of the shipped column 1 (models/) has its exact stages.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from jaco_prog.errors import UserError

SMOKE = dict(iterations=3, steps_per_iteration=10_000, envs=8, updates_per_iteration=60, batch_episodes=8)
FULL = dict(iterations=150, steps_per_iteration=10_000, envs=16, updates_per_iteration=300, batch_episodes=16)
# encoder pretraining on target position first (the same DAgger after it, the target loss weighted up so
# DAgger keeps the localisation it starts with)
PRETRAIN_SMOKE = dict(pretrain_frames=10_000, pretrain_updates=1000, aux_coef=50.0)
PRETRAIN_FULL = dict(pretrain_frames=150_000, pretrain_updates=6000, aux_coef=50.0)


@dataclass
class RecipeRuns:
    """The run directories compared: DAgger, RL from scratch, DAgger after encoder pretraining, and an RL run
    finetuned from the DAgger run (optional; drawn after DAgger's last step)."""
    dagger: Path
    rl: Path
    pretrained: Path
    finetune: Path | None = None

    @classmethod
    def under(cls, out, dagger=None, rl=None, pretrained=None, finetune=None) -> "RecipeRuns":
        """Each given run directory, the others at their default place in `out` (dagger, a2c,
        dagger-pretrained)."""
        out = Path(out)
        return cls(Path(dagger) if dagger else out / "dagger", Path(rl) if rl else out / "a2c",
                   Path(pretrained) if pretrained else out / "dagger-pretrained",
                   Path(finetune) if finetune else None)


@dataclass
class Comparison:
    figure: Path
    numbers: dict
    lines: list[str] = field(default_factory=list)   # what bench/column1.py prints after the figure's path


def config_changes(run_dir: Path) -> list[tuple[float, str]]:
    """(env steps, what changed) for each resume that changed the run's configuration (imitate keeps the
    earlier one as config.until-iteration-N.yaml)."""
    import yaml

    from jaco_prog.commands.imitate import LEGACY_TEACHER
    from jaco_prog.learning.imitation import read_iterations

    steps = {int(row["iteration"]): float(row["env_steps"]) for row in read_iterations(run_dir)}
    later = sorted(run_dir.glob("config.until-iteration-*.yaml"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    configs = [{**LEGACY_TEACHER, **yaml.safe_load(p.read_text())["imitation"]} for p in later]
    configs.append(yaml.safe_load((run_dir / "config.yaml").read_text())["imitation"])
    changes = []
    for path, before, after in zip(later, configs, configs[1:]):
        iteration = int(path.stem.rsplit("-", 1)[1])
        changed = [f"{k} {before.get(k)} -> {after[k]}" for k in after
                   if k not in ("iterations", "threads") and before.get(k) != after[k]]
        if changed and iteration in steps:
            changes.append((steps[iteration], ", ".join(changed)))
    return changes


def rl_curve(run_dir: Path, points: int = 60) -> tuple[np.ndarray, np.ndarray]:
    from jaco_prog.learning.curves import curve_on_grid, episode_returns

    x, returns = episode_returns(run_dir)
    grid = np.linspace(x.min(), x.max(), points)
    return grid, curve_on_grid(x, returns, grid, window=201, statistic="mean")


def train_recipes(runs: RecipeRuns, full: bool) -> None:
    """Train (or resume) the two DAgger runs at the smoke or full budget, then A2C from scratch for as many env
    steps as plain DAgger used."""
    from jaco_prog.learning.config import load_train_config
    from jaco_prog.learning.imitation import ImitationConfig, run_imitation, student_curve
    from jaco_prog.learning.train import train
    from jaco_prog.paths import config_path

    budget = FULL if full else SMOKE
    for run_dir, extra in ((runs.dagger, {}), (runs.pretrained, PRETRAIN_FULL if full else PRETRAIN_SMOKE)):
        done = (run_dir / "checkpoint.pt").is_file()
        run_imitation(ImitationConfig(**budget, **extra), run_dir, resume=done)
    dagger_steps = student_curve(runs.dagger)[0]
    steps = int(dagger_steps.max()) if dagger_steps.size else 30_000
    rl = load_train_config([config_path("train.yaml")], {
        "algo": "a2c", "envs": 8, "total_steps": steps, "asymmetric_critic": True, "aux_target": True,
        "run_dir": str(runs.rl), "progress": True})
    train(rl, resume=(runs.rl / "checkpoint.pt").is_file())


def _plot(path: Path, dagger, pretrained, rl, finetune, changes) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(*dagger, "o-", color="C0", label="DAgger from the privileged teacher (student's own episodes)")
    ax.plot(*pretrained, "s-", color="C1", markersize=3,
            label="DAgger after pretraining the conv layers on target position (student's own episodes)")
    ax.plot(*rl, "-", color="C3", label="A2C from scratch, asymmetric critic + aux target (running mean)")
    if finetune is not None:
        ax.plot(*finetune, "-", color="C2",
                label="then A2C finetuning, asymmetric critic + aux target (running mean, sampled actions)")
    for at, what in changes:
        ax.axvline(at, color="C1", linestyle=":", linewidth=1)
        ax.annotate(what.replace(", ", "\n"), (at, 2), xytext=(-4, 0), textcoords="offset points", fontsize=6,
                    ha="right", color="C1")
    ax.axhline(30, color="grey", linestyle="--", linewidth=0.8, label="paper's bar (30)")
    ax.set_xlabel("env steps")
    ax.set_ylabel("episode return (of 50)")
    ax.set_title("Column 1: wide LSTM from 64x64 pixels, domain-randomised reach")
    ax.legend(fontsize=7, loc="upper left")
    ax.grid(alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def compare(runs: RecipeRuns, out) -> Comparison:
    """The figure and the numbers: DAgger against RL from scratch at the smaller of their final step counts,
    and pretrained against plain DAgger at the same env steps (pretraining frames included). Writes
    <out>/column1.{png,json}; a missing run directory is a UserError."""
    from jaco_prog.learning.imitation import student_curve

    out = Path(out)
    for run in (runs.dagger, runs.rl, runs.pretrained):
        if not run.is_dir():
            raise UserError(f"{run} does not exist (train first, or pass --dagger-run/--rl-run/--pretrained-run)")
    dx, dy = student_curve(runs.dagger)
    px, py = student_curve(runs.pretrained)
    rx, ry = rl_curve(runs.rl)
    finetune = None
    if runs.finetune is not None:
        fx, fy = rl_curve(runs.finetune)
        finetune = (fx + dx.max(), fy)  # a finetune run counts its steps from 0; they follow DAgger's
    figure = _plot(out / "column1.png", (dx, dy), (px, py), (rx, ry), finetune, config_changes(runs.pretrained))
    # the same budget for both: compare at the smaller of the two final step counts
    at = min(dx.max(), np.nanmax(rx))
    dagger_at = float(np.interp(at, dx, dy))
    rl_at = float(np.interp(at, rx[~np.isnan(ry)], ry[~np.isnan(ry)]))
    numbers = {"steps_compared": float(at), "dagger_return": dagger_at, "rl_return": rl_at,
               "ratio_dagger_over_rl": dagger_at / rl_at if rl_at > 0 else None,
               "dagger_final_return": float(dy[-1]), "dagger_steps": float(dx.max()), "rl_steps": float(np.nanmax(rx))}
    # pretrained vs plain DAgger at the same env steps (pretraining frames included): the pretrained run's last
    # five iterations where plain DAgger has points too, against plain DAgger interpolated at those steps
    shared = px <= dx.max()
    if shared.any():
        last_x, last_y = px[shared][-5:], py[shared][-5:]
        plain = float(np.mean(np.interp(last_x, dx, dy)))
        numbers.update(pretrained_steps_compared=[float(last_x[0]), float(last_x[-1])],
                       pretrained_return=float(np.mean(last_y)), plain_return_at_same_steps=plain,
                       ratio_pretrained_over_plain=float(np.mean(last_y)) / plain if plain > 0 else None)
    if finetune is not None:
        numbers.update(finetune_final_return=float(finetune[1][~np.isnan(finetune[1])][-1]),
                       finetune_steps=float(np.nanmax(finetune[0])))
    (out / "column1.json").write_text(json.dumps(numbers, indent=2))
    lines = []
    if finetune is not None:
        lines.append(f"finetuned after DAgger: {numbers['finetune_final_return']:.2f} at "
                     f"{numbers['finetune_steps']:,.0f} env steps in all")
    lines.append(f"at {at:,.0f} env steps: DAgger {dagger_at:.2f}, RL from scratch {rl_at:.2f} "
                 f"-> ratio {numbers['ratio_dagger_over_rl'] or float('nan'):.1f}x")
    if "pretrained_return" in numbers:
        lo, hi = numbers["pretrained_steps_compared"]
        lines.append(f"mean over {lo:,.0f}-{hi:,.0f} env steps: DAgger after encoder pretraining "
                     f"{numbers['pretrained_return']:.2f}, plain DAgger {numbers['plain_return_at_same_steps']:.2f} "
                     f"-> ratio {numbers['ratio_pretrained_over_plain'] or float('nan'):.2f}x")
    return Comparison(figure, numbers, lines)
