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
    parser.add_argument("--preset", default=None, help="simulator variation (config/presets.yaml)")
    parser.add_argument("--episodes", type=int, default=100, help="episodes (default %(default)s)")
    parser.add_argument("--seed", type=int, default=None, help="first evaluation seed (default: held-out base)")
    parser.add_argument("--sample", action="store_true", help="sample actions instead of acting greedily")
    parser.add_argument("--json", default=None, metavar="FILE", help="also write the numbers as JSON")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from jaco_prog.evaluation.sim_score import EVAL_SEED_BASE, score_checkpoint, write_score

    if args.episodes < 1:
        raise UserError("--episodes must be at least 1")
    if not Path(args.checkpoint).exists():
        raise UserError(f"checkpoint {args.checkpoint} does not exist")
    score = score_checkpoint(args.checkpoint, args.task, args.preset, args.episodes,
                             EVAL_SEED_BASE if args.seed is None else args.seed, not args.sample, args.progress)
    print(score.line())
    if args.json:
        write_score(score, args.json)
        print(f"wrote {args.json}")
    return 0
