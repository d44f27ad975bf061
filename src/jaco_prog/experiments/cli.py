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

"""What the bench scripts (bench/fig*.py, bench/zero_shot.py) share: flags, scales, running a study's stages
through jaco_prog.sweep.run_trials (so a rerun skips finished trials and resumes interrupted ones; each resume
is logged in <out>/resumes.csv), and the report."""
from __future__ import annotations

import argparse
import csv
import fnmatch
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from jaco_prog.experiments import report as rep
from jaco_prog.experiments.studies import RESUMES_LOG, SCALES, Study, load_study
from jaco_prog.learning.episode_log import read_resume_records


def default_checkpoint() -> str:
    """The shipped column 1: config/runtime.yaml policy.default_checkpoint (its one home), in the share dir."""
    from jaco_prog.runtime.params import load_runtime_params  # read when a parser is built, not on import

    return str(load_runtime_params().policy.default_checkpoint_path())


def __getattr__(name: str):
    if name == "DEFAULT_CHECKPOINT":  # bench scripts' name for default_checkpoint()
        return default_checkpoint()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def parser(description: str, study: str, checkpoint: bool = True, presets: bool = True,
           seeds: bool = True, statistic: str | None = "median") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    if checkpoint:
        p.add_argument("--checkpoint", default=default_checkpoint(),
                       help="column-1 checkpoint (file or run dir; default %(default)s)")
    p.add_argument("--out", default=None,
                   help=f"output directory (default runs/results/{study} with --full, "
                        f"runs/results/{study}-smoke otherwise)")
    p.add_argument("--full", action="store_true", help="paper-scale budget instead of the smoke scale")
    p.add_argument("--plot-only", action="store_true",
                   help="train nothing: redraw the figure and tables from what --out holds (with --presets: "
                        "only those)")
    p.add_argument("--steps", type=int, default=None, help="env steps per run (overrides the scale)")
    if seeds:
        p.add_argument("--seeds", type=int, default=None, help="seeds per configuration (overrides the scale)")
    if presets:
        p.add_argument("--presets", default=None,
                       help="comma-separated presets (overrides the scale), e.g. real_proxy,colour_large")
    p.add_argument("--parallel", type=int, default=2, help="trials at a time (default %(default)s)")
    p.add_argument("--ray-address", default=None, help="run trials on a Ray cluster (e.g. auto)")
    p.add_argument("--only", default=None, metavar="PATTERNS",
                   help="train only the trials whose names match these comma-separated shell patterns (e.g. "
                        "'colour_large-*-h01?'); the plan and the report still cover the whole study, so a study can "
                        "be split across machines and its run directories copied into one --out")
    p.add_argument("--envs", type=int, default=None,
                   help="A2C envs per run (default: the scale's; one for the robot-side studies, as one robot "
                        "gives one stream of experience)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="any TrainConfig field for every trial (repeatable), e.g. --set n_steps=10")
    add_report_arguments(p, statistic)
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress output")
    return p


def add_report_arguments(p: argparse.ArgumentParser, statistic: str | None = "median") -> None:
    """The flags that shape a report (what `options` reads), for every script that draws one."""
    p.add_argument("--threshold", type=float, default=30.0,
                   help="return for 'steps to threshold' (default %(default)s of 50, the paper's good agent)")
    p.add_argument("--final-window", type=int, default=100,
                   help="final return = mean of a run's last N episodes (default %(default)s)")
    p.add_argument("--window", type=int, default=None,
                   help="running-filter window in episodes (default: a tenth of the shortest run, 5..101)")
    if statistic:
        p.add_argument("--filter", default=statistic, choices=("median", "mean"),
                       help="running statistic over each run's episodes (default %(default)s; the paper's Fig. 5 "
                            "draws a median, which stays 0 while most episodes score nothing)")


def scale(args, study: str) -> dict:
    """The study's smoke or full budget with the command line's overrides."""
    chosen = dict(SCALES[study]["full" if args.full else "smoke"])
    for key in ("steps", "seeds", "envs"):
        if getattr(args, key, None) is not None:
            chosen[key] = getattr(args, key)
    if getattr(args, "presets", None):
        chosen["presets"] = tuple(p.strip() for p in args.presets.split(",") if p.strip())
    return chosen


def out_dir(args, study: str) -> Path:
    if args.out:
        return Path(args.out)
    return Path("runs/results") / (study if args.full else f"{study}-smoke")


def require_checkpoint(path: str) -> None:
    """Exit 2 with one line when the column-1 checkpoint is missing."""
    if not Path(path).exists():
        print(f"error: column-1 checkpoint {path} does not exist; train column 1 (docs/training.md) or pass "
              f"--checkpoint FILE_OR_RUN_DIR", file=sys.stderr)
        raise SystemExit(2)


def extra_overrides(sets: list[str]) -> dict:
    """--set KEY=VALUE pairs as typed TrainConfig overrides."""
    from jaco_prog.sweep.space import coerce

    extra = {}
    for item in sets:
        if "=" not in item:
            raise SystemExit(f"error: --set needs KEY=VALUE (got {item!r})")
        key, value = item.split("=", 1)
        extra[key.strip()] = coerce(key.strip(), value, "--set")
    return extra


def float_list(text: str | None, flag: str) -> list[float] | None:
    """Comma-separated positive numbers (a sweep's values), None when the flag was not given."""
    if text is None:
        return None
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise SystemExit(f"error: {flag} needs comma-separated numbers (got {text!r})") from None
    if not values or any(v <= 0 for v in values):
        raise SystemExit(f"error: {flag} needs positive numbers (got {text!r})")
    return values


def options(args) -> rep.Options:
    return rep.Options(threshold=args.threshold, final_window=args.final_window, window=args.window,
                       statistic=getattr(args, "filter", "median"))


def selected(names, only: str | None) -> list[str]:
    """The names that match one of the comma-separated shell patterns in `only` (all names when it is None)."""
    if only is None:
        return list(names)
    patterns = [p.strip() for p in only.split(",") if p.strip()]
    return [n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns)]


def _finished(study: Study, out: Path, name: str) -> bool:
    """Whether trial `name` of the study has trained its whole budget in `out`, resolved as the sweep does."""
    from jaco_prog.learning.config import load_train_config
    from jaco_prog.paths import config_path
    from jaco_prog.sweep.results import finished

    cfg = load_train_config([config_path("train.yaml")], study.trials_by_name[name].overrides)
    return finished(Path(out) / name, cfg.total_steps)


def log_resumes(out: Path, names, before: dict[str, int]) -> int:
    """Append to <out>/resumes.csv one row (time, trial, step it resumed from) per resume the trials' run
    directories recorded since `before` (their counts of resumes then); returns how many were added."""
    rows = []
    for name in names:
        for step, wall in read_resume_records(out / name)[before.get(name, 0):]:
            when = datetime.fromtimestamp(wall, timezone.utc).isoformat(timespec="seconds") if wall else ""
            rows.append([when, name, step])
    if rows:
        path = out / RESUMES_LOG
        new_file = not path.is_file() or path.stat().st_size == 0
        with open(path, "a", newline="") as f:
            writer = csv.writer(f)
            if new_file:
                writer.writerow(["time", "trial", "step"])
            writer.writerows(rows)
    return len(rows)


def run_study(study: Study, out: Path, parallel: int = 2, ray_address: str | None = None,
              final_window: int = 100, progress: bool = True, only: str | None = None) -> list:
    """Save the plan, then run each stage through run_trials; a later-stage trial whose dependency failed is
    skipped with a message (its checkpoint would be missing). `only`: train just the trials whose names match
    (see `selected`); the saved plan is still the whole study. Every trial resumed from its checkpoint (an
    interrupted run trained again) gets a row in <out>/resumes.csv, also when the study is interrupted."""
    from jaco_prog.errors import UserError
    from jaco_prog.sweep import run_trials

    chosen = set(selected([t.name for t in study.trials], only))
    if not chosen:
        example = f" (e.g. {study.trials[0].name})" if study.trials else ""
        raise UserError(f"--only {only!r} matches none of the study's {len(study.trials)} trials{example}")
    study.save(out)
    results, failed = [], set()
    for i, stage in enumerate(study.stages):
        runnable = []
        for trial in (t for t in stage if t.name in chosen):
            dependency = study.labels[trial.name].get("depends_on")
            if dependency in failed:
                print(f"skipping {trial.name}: its stage-{i} dependency {dependency} failed", file=sys.stderr)
                failed.add(trial.name)
            elif dependency and dependency not in chosen and not _finished(study, out, dependency):
                print(f"skipping {trial.name}: its dependency {dependency} is not among the --only trials and has "
                      f"not finished in {out}", file=sys.stderr)
                failed.add(trial.name)
            else:
                runnable.append(trial)
        if len(study.stages) > 1 and progress and runnable:
            print(f"stage {i + 1}/{len(study.stages)}: {len(runnable)} trials", flush=True)
        before = {t.name: len(read_resume_records(Path(out) / t.name)) for t in runnable}
        try:
            stage_results = run_trials(runnable, out, parallel=parallel, ray_address=ray_address,
                                       final_window=final_window, progress=progress) if runnable else []
        finally:
            log_resumes(Path(out), [t.name for t in runnable], before)
        for result in stage_results:
            if result.status == "failed":
                failed.add(result.name)
                print(f"trial {result.name} failed: {result.error}", file=sys.stderr)
        results += stage_results
    return results


def finish(report: rep.Report, started: float, results: list | None) -> int:
    report.print()
    elapsed = time.monotonic() - started
    failed = [r.name for r in results or [] if r.status == "failed"]
    print(f"wall time {elapsed:.0f} s" + (f"; {len(failed)} trial(s) failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def main_for(study_name: str, args, build) -> int:
    """Build (unless --plot-only), run, report. `build(args, out)` returns the Study."""
    from jaco_prog.config import ConfigError
    from jaco_prog.errors import UserError

    started = time.monotonic()
    out = out_dir(args, study_name)
    try:
        results = None
        if args.plot_only:
            if getattr(args, "only", None) is not None:
                raise UserError("--only chooses trials to train; with --plot-only nothing is trained")
            study = load_study(out)
            if getattr(args, "presets", None):
                study = study.only_panels(scale(args, study_name)["presets"])
        else:
            if getattr(args, "checkpoint", None) is not None:
                require_checkpoint(args.checkpoint)
            study = build(args, out)
            results = run_study(study, out, args.parallel, args.ray_address, args.final_window, args.progress,
                                getattr(args, "only", None))
        report = rep.REPORTS[study_name](study, out, options(args))
    except (UserError, ConfigError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # jaco_prog.sweep.SweepInterrupted included: running trials have checkpointed
        print(f"interrupted; the same command resumes the study ({out})", file=sys.stderr)
        return 130
    return finish(report, started, results)
