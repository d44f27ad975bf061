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


def register(subparsers) -> None:
    from jaco_prog.config import add_flags
    from jaco_prog.train_settings import TrainConfig

    parser = subparsers.add_parser("train", help="train a column with A3C/A2C (scratch, progressive, finetune)",
                                   description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_flags(parser, TrainConfig)
    parser.add_argument("--config", action="append", default=[], metavar="FILE",
                        help="YAML file of TrainConfig fields over config/train.yaml (repeatable; default: none)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --run-dir from its checkpoint")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from jaco_prog.config import flag_names, flag_values
    from jaco_prog.config_check import check_agreement
    from jaco_prog.learning.config import TrainConfig, load_train_config
    from jaco_prog.learning.train import load_run_config, train

    check_agreement()
    overrides = flag_values(args, TrainConfig)
    if args.resume:
        if not args.run_dir:
            raise UserError("--resume needs --run-dir")
        flags = flag_names(TrainConfig)
        changed = sorted(flags[k] for k in overrides if k not in ("run_dir", "total_steps", "progress"))
        if changed or args.config:
            dropped = ", ".join(changed) or "--config"
            raise UserError(f"a resumed run keeps its checkpointed configuration; drop {dropped} "
                            "(only --steps may change)")
        cfg = load_run_config(args.run_dir, args.total_steps)
        if args.progress is not None:
            cfg.progress = args.progress
    else:
        cfg = load_train_config(args.config, overrides)
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
