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

"""Column 1 (simulation, wide LSTM, pixels): DAgger warm start from the privileged scripted teacher vs A3C/A2C
from scratch, and DAgger after pretraining the conv layers on target position, return against env steps, in
the same run and with the same env-step budget.

Prints the figure path, each recipe's final return (the student's own episodes for DAgger, the last episodes
for RL), the ratio DAgger / RL and the ratio pretrained DAgger / DAgger. Writes <out>/column1.{png,json} and the
run directories (a rerun resumes them). The shipped column 1's model card (models/) has its exact stages.

    .venv/bin/python bench/column1.py                 # smoke: ~30 k steps each, a few minutes
    .venv/bin/python bench/column1.py --full          # the shipped recipe's budget (hours; resumable)
    .venv/bin/python bench/column1.py --plot-only --dagger-run runs/col1-dagger2 --rl-run runs/col1-wide-lstm-a2c \
        --finetune-run runs/col1-ft-a2c --pretrained-run runs/col1-pretrain
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

SMOKE = dict(iterations=3, steps_per_iteration=10_000, envs=8, updates_per_iteration=60, batch_episodes=8)
FULL = dict(iterations=150, steps_per_iteration=10_000, envs=16, updates_per_iteration=300, batch_episodes=16)
# encoder pretraining on target position first (the same DAgger after it, the target loss weighted up so
# DAgger keeps the localisation it starts with)
PRETRAIN_SMOKE = dict(pretrain_frames=10_000, pretrain_updates=1000, aux_coef=50.0)
PRETRAIN_FULL = dict(pretrain_frames=150_000, pretrain_updates=6000, aux_coef=50.0)


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/results/column1")
    parser.add_argument("--full", action="store_true", help="the shipped recipe's budget (hours)")
    parser.add_argument("--plot-only", action="store_true", help="redraw from existing runs, no training")
    parser.add_argument("--dagger-run", default=None, help="DAgger run directory (default <out>/dagger)")
    parser.add_argument("--rl-run", default=None, help="RL-from-scratch run directory (default <out>/a2c)")
    parser.add_argument("--finetune-run", default=None,
                        help="an RL run finetuned from the DAgger run (train --mode finetune --from DAGGER_RUN): "
                             "drawn after DAgger's last step")
    parser.add_argument("--pretrained-run", default=None,
                        help="DAgger run with encoder pretraining (default <out>/dagger-pretrained)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    dagger_dir = Path(args.dagger_run) if args.dagger_run else out / "dagger"
    rl_dir = Path(args.rl_run) if args.rl_run else out / "a2c"
    pretrained_dir = Path(args.pretrained_run) if args.pretrained_run else out / "dagger-pretrained"
    budget = FULL if args.full else SMOKE

    if not args.plot_only:
        from jaco_prog.learning.config import load_train_config
        from jaco_prog.learning.imitation import ImitationConfig, run_imitation, student_curve
        from jaco_prog.learning.train import train
        from jaco_prog.paths import config_path

        for run_dir, extra in ((dagger_dir, {}), (pretrained_dir, PRETRAIN_FULL if args.full else PRETRAIN_SMOKE)):
            done = (run_dir / "checkpoint.pt").is_file()
            run_imitation(ImitationConfig(**budget, **extra), run_dir, resume=done)
        dagger_steps = student_curve(dagger_dir)[0]
        steps = int(dagger_steps.max()) if dagger_steps.size else 30_000
        rl = load_train_config([config_path("train.yaml")], {
            "algo": "a2c", "envs": 8, "total_steps": steps, "asymmetric_critic": True, "aux_target": True,
            "run_dir": str(rl_dir), "progress": True})
        train(rl, resume=(rl_dir / "checkpoint.pt").is_file())

    for run in (dagger_dir, rl_dir, pretrained_dir):
        if not run.is_dir():
            print(f"error: {run} does not exist (train first, or pass --dagger-run/--rl-run/--pretrained-run)",
                  file=sys.stderr)
            return 2
    from jaco_prog.learning.imitation import student_curve

    dx, dy = student_curve(dagger_dir)
    px, py = student_curve(pretrained_dir)
    rx, ry = rl_curve(rl_dir)
    finetune = None
    if args.finetune_run:
        fx, fy = rl_curve(Path(args.finetune_run))
        finetune = (fx + dx.max(), fy)  # a finetune run counts its steps from 0; they follow DAgger's
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(dx, dy, "o-", color="C0", label="DAgger from the privileged teacher (student's own episodes)")
    ax.plot(px, py, "s-", color="C1", markersize=3,
            label="DAgger after pretraining the conv layers on target position (student's own episodes)")
    ax.plot(rx, ry, "-", color="C3", label="A2C from scratch, asymmetric critic + aux target (running mean)")
    if finetune is not None:
        ax.plot(*finetune, "-", color="C2",
                label="then A2C finetuning, asymmetric critic + aux target (running mean, sampled actions)")
    for at, what in config_changes(pretrained_dir):
        ax.axvline(at, color="C1", linestyle=":", linewidth=1)
        ax.annotate(what.replace(", ", "\n"), (at, 2), xytext=(-4, 0), textcoords="offset points", fontsize=6,
                    ha="right", color="C1")
    ax.axhline(30, color="grey", linestyle="--", linewidth=0.8, label="paper's bar (30)")
    ax.set_xlabel("env steps")
    ax.set_ylabel("episode return (of 50)")
    ax.set_title("Column 1: wide LSTM from 64x64 pixels, domain-randomised reach")
    ax.legend(fontsize=7, loc="upper left")
    ax.grid(alpha=0.3)
    out.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(out / "column1.png", dpi=120)
    plt.close(fig)
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
    print(f"figure: {out / 'column1.png'}")
    if finetune is not None:
        print(f"finetuned after DAgger: {numbers['finetune_final_return']:.2f} at "
              f"{numbers['finetune_steps']:,.0f} env steps in all")
    print(f"at {at:,.0f} env steps: DAgger {dagger_at:.2f}, RL from scratch {rl_at:.2f} "
          f"-> ratio {numbers['ratio_dagger_over_rl'] or float('nan'):.1f}x")
    if "pretrained_return" in numbers:
        lo, hi = numbers["pretrained_steps_compared"]
        print(f"mean over {lo:,.0f}-{hi:,.0f} env steps: DAgger after encoder pretraining "
              f"{numbers['pretrained_return']:.2f}, plain DAgger {numbers['plain_return_at_same_steps']:.2f} "
              f"-> ratio {numbers['ratio_pretrained_over_plain'] or float('nan'):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
