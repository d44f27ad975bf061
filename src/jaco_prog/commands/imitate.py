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

"""`jaco-prog imitate`: DAgger warm start of a first column from the privileged scripted teacher."""
from __future__ import annotations

import argparse
from dataclasses import fields

from jaco_prog.errors import UserError

DESCRIPTION = """\
Warm-start a first (simulation) column from pixels by imitating the scripted reacher, which reads the
privileged target position and palm Jacobian (DAgger: the student increasingly drives, the teacher labels
every state it visits). Then continue with A3C from the result:

  jaco-prog imitate --run-dir runs/col1-dagger --iterations 12
  jaco-prog train --mode finetune --from runs/col1-dagger --run-dir runs/col1-a3c --lr 1.0e-4 --steps 3000000
  jaco-prog score runs/col1-a3c --episodes 100

The run directory gets checkpoint.pt (after every iteration, the same format as training runs),
iterations.csv and config.yaml. --resume continues an interrupted run with its next iteration (the data set
is collected afresh: frames are not checkpointed, so its first iteration refills half the data-set cap
before training); a resumed run may change --iterations, --max-frames, --threads and the teacher
(--teacher-hover, --teacher-fingers: the refilled data set is labelled by the new one). Env steps taken here
count towards the column's budget.

--pretrain-frames N first trains the conv layers and the auxiliary head on the target's position alone (the
simulator labels it for free) from N teacher-driven frames, and writes the held-out error to pretrain.yaml.
"""


def register(subparsers) -> None:
    from jaco_prog.config import add_flags
    from jaco_prog.train_settings import ImitationConfig

    parser = subparsers.add_parser("imitate", help="DAgger warm start of column 1 from the scripted teacher",
                                   description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run-dir", required=True, help="output directory (never overwritten)")
    add_flags(parser, ImitationConfig)
    parser.add_argument("--resume", action="store_true", help="continue the run in --run-dir")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    parser.set_defaults(func=run)


# They change neither the net nor what its past iterations meant; the teacher may change because a resumed
# run relabels its whole data set anyway (it starts empty).
RESUMABLE = ("iterations", "max_frames", "threads", "teacher_hover", "teacher_fingers")
# Runs saved before a field existed were taught with these values, not today's defaults.
LEGACY_TEACHER = {"teacher_hover": 0.08, "teacher_fingers": "open", "label_temperature": 0.0,
                  "bootstrap_truncation": False, "teacher_deadband": 0.05, "teacher_arrival": 0.02,
                  "teacher_lead": 0.0}


def run(args: argparse.Namespace) -> int:
    from jaco_prog.config import flag_names, flag_values
    from jaco_prog.learning.imitation import ImitationConfig, run_imitation
    from jaco_prog.nets.checkpoint import read_checkpoint

    known = {f.name for f in fields(ImitationConfig)}
    values = flag_values(args, ImitationConfig)
    if args.resume:
        saved = dict(read_checkpoint(args.run_dir).get("imitation") or {})
        if not saved:
            raise UserError(f"{args.run_dir} is not an imitation run")
        for name, value in LEGACY_TEACHER.items():
            saved.setdefault(name, value)
        flag = flag_names(ImitationConfig)
        for name, value in values.items():
            if name in RESUMABLE:
                saved[name] = value
            elif name in saved and saved[name] != value:
                raise UserError(f"{flag[name]} cannot change when resuming (the run has {saved[name]!r}); "
                                f"only {', '.join(flag[n] for n in RESUMABLE)} can")
        values = {k: v for k, v in saved.items() if k in known}
    cfg = ImitationConfig(**values)
    cfg.validate()
    run_dir = run_imitation(cfg, args.run_dir, resume=args.resume, progress=args.progress)
    print(f"run directory: {run_dir}")
    return 0
