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

"""`jaco-prog score CHECKPOINT`: a checkpoint's mean return and success rate in the simulated task."""
from __future__ import annotations

import argparse
from pathlib import Path

from jaco_prog.errors import UserError

DESCRIPTION = """\
Run a trained policy for N episodes of the simulated task, from held-out seeds, and print its mean return
(out of 50), success rate (episodes that scored at least once) and safety terminations. The policy acts
greedily (the most probable action per joint), as the policy node does; --sample draws from the softmax.

examples:
  jaco-prog score models/column1_reach_wide_lstm.pt                    # 100 episodes, training task (with DR)
  jaco-prog score runs/reach-scratch-wide-lstm-s0 --preset real_proxy --episodes 50
  jaco-prog score CKPT --json score.json
"""


def register(subparsers) -> None:
    parser = subparsers.add_parser("score", help="mean return / success of a checkpoint in simulation",
                                   description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", help="checkpoint file or run directory")
    parser.add_argument("--task", default="reach", help="reach | conveyor (default %(default)s)")
    parser.add_argument("--preset", default=None,
                        help="simulator variation (config/presets.yaml; default: none, the training task)")
    parser.add_argument("--episodes", type=int, default=100, help="episodes (default %(default)s)")
    parser.add_argument("--seed", type=int, default=None, help="first evaluation seed (default: held-out base)")
    parser.add_argument("--sample", action="store_true", help="sample actions instead of acting greedily")
    parser.add_argument("--json", default=None, metavar="FILE", help="also write the numbers as JSON (default: none)")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    parser.set_defaults(func=run)


def check_arguments(args: argparse.Namespace) -> None:
    """Everything that can be refused without torch (which takes seconds to import) or a simulator."""
    if args.episodes < 1:
        raise UserError(f"--episodes must be at least 1 (got {args.episodes})")
    if args.seed is not None and args.seed < 0:
        raise UserError(f"--seed must be 0 or more (got {args.seed})")
    if not Path(args.checkpoint).exists():
        raise UserError(f"checkpoint {args.checkpoint} does not exist")
    if args.json:
        out = Path(args.json)
        if out.is_dir():
            raise UserError(f"--json {args.json} is a directory; give a file name")
        if not out.parent.is_dir():
            raise UserError(f"--json {args.json}: directory {out.parent} does not exist")
    from jaco_prog.sim import TASKS
    from jaco_prog.sim.task_config import available_presets

    if args.task not in TASKS:
        raise UserError(f"--task {args.task!r} is not one of {', '.join(TASKS)}")
    if args.preset is not None and args.preset not in available_presets():
        raise UserError(f"--preset {args.preset!r} is not in config/presets.yaml (known: "
                        f"{', '.join(available_presets())})")


def check_checkpoint(args: argparse.Namespace) -> None:
    """The checkpoint is readable and drives this task's robot and observations (one line otherwise), before
    any episode runs."""
    from jaco_prog.learning.train import check_env_matches
    from jaco_prog.nets.checkpoint import load_net, resolve
    from jaco_prog.sim import make_env

    path = resolve(args.checkpoint)
    _, spec = load_net(path)
    env = make_env(task=args.task, preset=args.preset)
    try:
        check_env_matches(spec, env, str(path))
    finally:
        env.close()


def run(args: argparse.Namespace) -> int:
    check_arguments(args)
    from jaco_prog.evaluation.sim_score import EVAL_SEED_BASE, score_checkpoint, write_score

    check_checkpoint(args)
    score = score_checkpoint(args.checkpoint, args.task, args.preset, args.episodes,
                             EVAL_SEED_BASE if args.seed is None else args.seed, not args.sample, args.progress)
    print(score.line())
    if args.json:
        write_score(score, args.json)
        print(f"wrote {args.json}")
    return 0
