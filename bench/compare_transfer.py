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

"""Runs of several transfer studies in one Fig. 5-style figure and table. Each compared arm is one method of a
study's out dir (bench/fig5_transfer.py), drawn under a label of its own, so the same method trained with
different --set values (a tuned learning rate, say) can be compared with another. Nothing is trained and the
source runs are left as they are: <out> gets links to them and a study.json that names the arms.

    .venv/bin/python bench/compare_transfer.py --out runs/results/transfer-real-proxy-tuned --filter mean \\
        "finetune lr 1e-4=runs/results/transfer-real-proxy-tuned-finetune:finetune-low-value" \\
        "progressive lr 1.5e-3=runs/results/transfer-real-proxy-tuned-progressive:progressive-low-value"

Rerunning with the same --out rebuilds the comparison; an out dir that holds a study's own runs is refused.
Arms whose studies gave their method different tuning budgets (learning rates tried, seeds) are refused: at
"its best learning rate" the arm tuned more would win by it. --allow-unequal-budget draws them anyway, with a
warning; the figure's JSON records each arm's budget either way.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from jaco_prog.errors import UserError
from jaco_prog.experiments import cli
from jaco_prog.experiments import report as rep
from jaco_prog.experiments.studies import STUDY_FILE, Study, load_study, tuning_budget, unequal_budgets


def parse_arm(text: str) -> tuple[str, Path, str]:
    """LABEL=OUT_DIR:METHOD -> (label, out dir, method)."""
    match = re.fullmatch(r"([^=]+)=(.+):([^:]+)", text)
    if not match:
        raise UserError(f"arm {text!r} is not LABEL=OUT_DIR:METHOD (e.g. 'finetune lr 1e-4=runs/results/x:finetune')")
    label, out, method = (part.strip() for part in match.groups())
    return label, Path(out), method


def _slug(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9.+-]+", "_", label).strip("_")


def compare_study(arms: list[tuple[str, Path, str]], out: Path, presets: list[str] | None = None,
                  allow_unequal_budget: bool = False) -> Study:
    """The comparison as a transfer study whose methods are the arms' labels; links each arm's runs into `out`.
    `presets`: only those panels (an arm's study may cover more presets than the comparison is about). Arms of
    unequal tuning budgets on a panel are refused unless `allow_unequal_budget` (then one warning each)."""
    if len({label for label, _, _ in arms}) < len(arms):
        raise UserError("two arms have the same label")
    if (out / STUDY_FILE).is_file() and "compared" not in load_study(out).params:
        raise UserError(f"{out} holds a study's own runs; give --out a directory of its own")
    trials, labels, panels, params, targets = [], {}, [], None, {}
    for label, source, method in arms:
        study = load_study(source)
        if study.name != "transfer":
            raise UserError(f"{source} holds a {study.name} study, not a transfer study")
        names = [t for t in study.trials if study.labels[t.name]["method"] == method]
        if not names:
            raise UserError(f"{source} has no runs of method {method!r} (it has {', '.join(study.methods)})")
        if presets:
            names = [t for t in names if study.labels[t.name]["panel"] in presets]
            if not names:
                raise UserError(f"{source} has no runs of {method!r} on {', '.join(presets)} "
                                f"(it has {', '.join(study.panels)})")
        params = params or dict(study.params, extra={}, compared={})
        params["steps"] = max(params["steps"], study.params["steps"])
        params["compared"][label] = f"{source}:{method}"
        for trial in names:
            lab = dict(study.labels[trial.name], method=label)
            lr = f"-lr{lab['lr']:g}" if lab.get("lr") is not None else ""   # an arm of a learning-rate sweep
            name = f"{lab['panel']}-{_slug(label)}{lr}-s{lab['seed']}"
            targets[name] = (source / trial.name).resolve()
            trials.append(type(trial)(name=name, overrides=dict(trial.overrides)))
            labels[name] = lab
            if lab["panel"] not in panels:
                panels.append(lab["panel"])
    params["presets"] = panels
    swept = sorted({lab["lr"] for lab in labels.values() if lab.get("lr") is not None})
    params["lrs"] = swept or None
    params.pop("output_lr_scales", None)   # an arm is one method, its label says what it was trained with
    compared = Study("transfer", [trials], labels, params, panels, [label for label, _, _ in arms])
    problems = unequal_budgets(tuning_budget(compared))
    if problems and not allow_unequal_budget:
        raise UserError(f"the arms were tuned with unequal budgets ({problems[0]}); compare arms with as many "
                        f"learning rates and seeds each, or pass --allow-unequal-budget")
    for problem in problems:
        print(f"warning: unequal tuning budgets, {problem}", file=sys.stderr)
    out.mkdir(parents=True, exist_ok=True)
    for stale in (p for p in out.iterdir() if p.is_symlink() and targets.get(p.name) != p.resolve()):
        stale.unlink()      # links of an earlier comparison; the runs they pointed to stay where they are
    for name, target in targets.items():
        if not (out / name).exists():
            (out / name).symlink_to(target, target_is_directory=True)
    (out / STUDY_FILE).unlink(missing_ok=True)     # a comparison is rebuilt whole, never resumed
    return compared


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("arms", nargs="+", metavar="LABEL=OUT_DIR:METHOD",
                        help="a method of a transfer study's out dir, drawn under LABEL")
    parser.add_argument("--out", type=Path, required=True, help="where the comparison's figure and table go")
    parser.add_argument("--presets", default=None,
                        help="comma-separated presets to draw (default: every preset an arm has runs on)")
    parser.add_argument("--allow-unequal-budget", action="store_true",
                        help="draw arms whose methods were tuned over different numbers of learning rates or seeds "
                             "(warned, and recorded in the JSON)")
    cli.add_report_arguments(parser)
    args = parser.parse_args(argv)
    presets = [p.strip() for p in args.presets.split(",") if p.strip()] if args.presets else None
    started = time.monotonic()
    try:
        study = compare_study([parse_arm(a) for a in args.arms], args.out, presets, args.allow_unequal_budget)
        study.save(args.out)
        report = rep.transfer_report(study, args.out, cli.options(args))
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return cli.finish(report, started, None)


if __name__ == "__main__":
    sys.exit(main())
