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

"""`jaco-prog train`: train a column with A3C or A2C (scratch, progressive, finetune)."""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from jaco_prog.errors import UserError

DESCRIPTION = """\
Train a progressive-net column in simulation with A3C (asynchronous worker processes) or A2C (one process).

modes:
  scratch      a first column from random weights (also the narrow/wide from-scratch baselines)
  progressive  load the net in --from, freeze all its columns and add a new column with lateral connections;
               the new column's output layer starts as a copy of the previous one, so the initial policy is
               the previous column's (paper section 2.2)
  finetune     load the net in --from and keep training its last column on this task (the baseline the paper
               compares progressive nets against)

examples:
  jaco-prog train --task reach --column wide --arch lstm --algo a3c --workers 2 --steps 5000000
  jaco-prog train --mode progressive --from runs/reach-scratch-wide-lstm-s0 --preset real_proxy --column narrow
  jaco-prog train --mode progressive --from RUN2 --task conveyor --inputs proprio --arch ff --column narrow
  jaco-prog train --run-dir runs/reach-scratch-wide-lstm-s0 --resume --steps 10000000
  jaco-prog train --task toy --algo a2c --gamma 0.5 --lr 1e-3 --steps 20000   # checks the learner, no MuJoCo

The toy check takes about 15 s; its final return (mean of the last 100 episodes, out of 10) rises from the
random policy's 3.3 to about 7. It needs --gamma 0.5: the toy task is a bandit (an action only earns its
own step's reward), so the default discount only adds later rewards' noise to every return and nothing is
learnt (3.3 -> 3.3); --lr 1e-3 makes the most of its 125 updates.

Defaults come from config/train.yaml (then --config FILE, then flags). The run directory gets checkpoint.pt
(written atomically every --checkpoint-every steps, at the end and on Ctrl-C/SIGTERM), config.yaml,
episodes.csv and tensorboard/ (`tensorboard --logdir runs`). An existing run directory is never
overwritten: pass --resume to continue it, which restores weights, optimiser state and step counters; a
resumed run keeps its checkpointed configuration, only --steps may change.
"""

# flags that map one-to-one onto TrainConfig fields: (flag, field, type, help)
FLAGS = [
    ("--mode", "mode", str, "scratch | progressive | finetune"),
    ("--from", "from_checkpoint", str, "checkpoint file or run directory to start from (progressive, finetune)"),
    ("--column", "column", str, "size of the new column: wide | narrow (config column_sizes)"),
    ("--arch", "arch", str, "core of the new column: lstm | ff"),
    ("--inputs", "inputs", str, "inputs of the new column: pixels | pixels+proprio | proprio"),
    ("--task", "task", str, "reach | conveyor | toy"),
    ("--preset", "preset", str, "simulator variation: real_proxy, colour_small, colour_large, perspective_small, "
                                "perspective_large"),
    ("--algo", "algo", str, "a3c | a2c"),
    ("--workers", "workers", int, "A3C worker processes (one torch thread each)"),
    ("--envs", "envs", int, "A2C environments stepped in lockstep"),
    ("--envs-per-worker", "envs_per_worker", int, "A3C environments per worker process, stepped in lockstep"),
    ("--steps", "total_steps", int, "total env steps (over all workers)"),
    ("--n-steps", "n_steps", int, "rollout length for n-step returns"),
    ("--lr", "lr", float, "learning rate"),
    ("--entropy-coef", "entropy_coef", float, "entropy regularisation weight"),
    ("--gamma", "gamma", float, "discount"),
    ("--max-grad-norm", "max_grad_norm", float, "gradient clipping (global norm)"),
    ("--value-warmup-steps", "value_warmup_steps", int, "first env steps update only the value, the policy held "
                                                       "(a transfer's baseline fitted to the new domain first)"),
    ("--value-warmup-lr", "value_warmup_lr", float, "learning rate during the value warm-up (0: --lr)"),
    ("--optimizer", "optimizer", str, "rmsprop | adam (statistics shared between A3C workers)"),
    ("--seed", "seed", int, "random seed"),
    ("--run-dir", "run_dir", str, "output directory"),
    ("--checkpoint-every", "checkpoint_every", int, "env steps between checkpoints"),
]


def yaml_defaults() -> dict:
    """config/train.yaml's values, for the help texts ({} if it cannot be read: the help says where to look)."""
    from jaco_prog.config import load_yaml
    from jaco_prog.paths import config_path

    try:
        return dict(load_yaml(config_path("train.yaml")) or {})
    except Exception:  # noqa: BLE001 - a broken train.yaml is reported when training starts, not by --help
        return {}


def _shown(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def default_text(defaults: dict, field: str, none: str | None = None) -> str:
    """'(default X)': the value config/train.yaml gives `field` (`none` says what an unset one means)."""
    if field not in defaults:
        return "(default: config/train.yaml)"
    value = defaults[field]
    if value is None and none:
        return f"(default: {none})"
    return f"(default {_shown(value)} from config/train.yaml)"


# what an unset (null) field of config/train.yaml means, for the help
UNSET = {"from_checkpoint": "none", "preset": "none, the task's own randomisation",
         "run_dir": "runs/<task>[-preset]-<mode>-<column>-<arch>-s<seed>", "value_warmup_lr": "--lr"}


def register(subparsers) -> None:
    parser = subparsers.add_parser("train", help="train a column with A3C/A2C (scratch, progressive, finetune)",
                                   description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = yaml_defaults()
    for flag, dest, kind, help_text in FLAGS:
        parser.add_argument(flag, dest=dest, type=kind, default=None,
                            help=f"{help_text} {default_text(defaults, dest, UNSET.get(dest))}")
    parser.add_argument("--asymmetric-critic", dest="asymmetric_critic", action="store_const", const=True,
                        default=None, help="value from privileged sim state (Zhu et al.); simulation only "
                                           + default_text(defaults, "asymmetric_critic"))
    parser.add_argument("--aux-target", dest="aux_target", action="store_const", const=True, default=None,
                        help="auxiliary head predicting the target position from the conv features "
                             + default_text(defaults, "aux_target"))
    parser.add_argument("--no-progress", dest="progress", action="store_const", const=False, default=None,
                        help="no progress bar (default: a bar on a terminal, none when the output is a file)")
    parser.add_argument("--config", action="append", default=[], metavar="FILE",
                        help="YAML file of TrainConfig fields over config/train.yaml (repeatable; default: none)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --run-dir from its checkpoint")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from jaco_prog.learning.config import load_train_config
    from jaco_prog.learning.train import load_run_config, train
    from jaco_prog.paths import config_path

    overrides = {dest: getattr(args, dest) for _, dest, _, _ in FLAGS}
    overrides.update(asymmetric_critic=args.asymmetric_critic, aux_target=args.aux_target, progress=args.progress)
    if args.resume:
        if not args.run_dir:
            raise UserError("--resume needs --run-dir")
        changed = sorted(f"--{k.replace('_', '-')}" for k, v in overrides.items()
                         if v is not None and k not in ("run_dir", "total_steps", "progress"))
        if changed or args.config:
            dropped = ", ".join(changed) or "--config"
            raise UserError(f"a resumed run keeps its checkpointed configuration; drop {dropped} "
                            "(only --steps may change)")
        cfg = load_run_config(args.run_dir, args.total_steps)
        if args.progress is not None:
            cfg.progress = args.progress
    else:
        cfg = load_train_config([config_path("train.yaml"), *args.config], overrides)
    start_step = _checkpoint_step(cfg.run_dir) if args.resume else 0
    started = time.monotonic()
    run_dir = train(cfg, resume=args.resume)
    print(summary(run_dir, cfg.total_steps, start_step, time.monotonic() - started))
    return 0


def _checkpoint_step(run_dir) -> int:
    from jaco_prog.nets.checkpoint import CHECKPOINT_NAME, read_checkpoint

    return int((read_checkpoint(Path(run_dir) / CHECKPOINT_NAME).get("counters") or {}).get("global_step", 0))


FINAL_WINDOW = 100  # episodes in a run's final return, as a sweep ranks its trials


def summary(run_dir: Path, total_steps: int, start_step: int, wall_s: float) -> str:
    """What a finished (or stopped) run did, where it is and what to run next."""
    from jaco_prog.learning.episode_log import read_episodes

    step = _checkpoint_step(run_dir)
    returns = read_episodes(run_dir, missing_ok=True)["return"]
    session = step - start_step
    rate = f", {session / wall_s:,.0f} steps/s" if wall_s > 0 and session > 0 else ""
    done = f"{step:,} env steps" + (f" ({session:,} in this session)" if start_step else "")
    if step < total_steps:
        head = f"stopped at {done} of {total_steps:,} after {_duration(wall_s)}{rate}"
    else:
        head = f"trained {done} in {_duration(wall_s)}{rate}"
    if returns:
        window = min(FINAL_WINDOW, len(returns))
        final = sum(returns[-window:]) / window
        first = sum(returns[:window]) / window
        head += (f"; final return {final:.2f} (mean of the last {window} of {len(returns):,} episodes; "
                 f"the first {window}: {first:.2f})")
    else:
        head += "; no episode has finished yet"
    lines = [head, f"run directory: {run_dir} (checkpoint.pt, config.yaml, episodes.csv, tensorboard/)",
             f"plot it:  jaco-prog plot {run_dir} -o {Path(run_dir) / 'curves.png'}"]
    if step < total_steps:
        lines.append(f"continue: jaco-prog train --run-dir {run_dir} --resume")
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.2f} h"
