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

"""`jaco-prog sweep`: hyper-parameter and seed sweeps of training runs, locally or on a Ray cluster."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jaco_prog.errors import UserError

DESCRIPTION = """\
Train many runs that differ in a few TrainConfig fields (a grid, random samples, seeds), in parallel, and
rank them by their final return (the mean return of the last --final-window episodes of each run).

Trials run in a local pool of processes (--parallel at a time), or on a Ray cluster as Ray Tune trials
(--ray-address; needs the optional extra: pip install 'jaco_prog[ray]'). Each trial trains exactly like
`jaco-prog train` (config/train.yaml, then --config FILEs, then the trial's fields) in OUT/<trial name>.
OUT/results.csv gets one row per trial, OUT/sweep.yaml what was asked, OUT/_logs/<trial>.log each trial's
output. Running the same command again resumes the sweep: finished trials are not re-run, interrupted ones
continue from their checkpoint (Ctrl-C makes the running trials checkpoint first). Nothing is overwritten:
a trial name that was asked with other values before is refused. Exit status 1 if a trial failed.

spec file (YAML; docs/sweeps.md, config/sweep.yaml):
  base:   {task: reach, algo: a3c, total_steps: 2000000}    fixed fields of every trial
  grid:   {column: [wide, narrow]}                         every combination
  random: {lr: {distribution: loguniform, low: 5.0e-5, high: 5.0e-3}}   loguniform | uniform | choice (values)
  samples: 8                                               random points (drawn once, sample_seed: 0)
  seeds: 0-2                                               every point x every seed

examples:
  jaco-prog sweep config/sweep.yaml --out runs/sweeps/paper-lr --dry-run      # list the trials
  jaco-prog sweep config/sweep.yaml --out runs/sweeps/paper-lr --parallel 2
  jaco-prog sweep --out runs/sweeps/toy --set task=toy --set algo=a2c --set gamma=0.5 --set total_steps=20000 \\
      --grid lr=1e-4,3e-4,1e-3 --seeds 0-2
  jaco-prog sweep --out runs/sweeps/ent --random entropy_coef=loguniform:1e-5:1e-2 --samples 6 \\
      --set mode=progressive --set from_checkpoint=runs/col1 --set preset=real_proxy
  ray start --head && jaco-prog sweep config/sweep.yaml --out /shared/sweeps/x --ray-address auto
  jaco-prog sweep config/sweep.yaml --out runs/sweeps/x --ray-address local    # Ray Tune on this machine
"""


def register(subparsers) -> None:
    parser = subparsers.add_parser("sweep", help="hyper-parameter / seed sweeps of training runs (local or Ray)",
                                   description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("spec", nargs="?", metavar="SPEC.yaml",
                        help="sweep spec (base/grid/random/samples/seeds); optional with the flags below "
                             "(default: none)")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="sweep folder: one run directory per trial, results.csv, sweep.yaml; the same DIR "
                             "again resumes the sweep")
    parser.add_argument("--parallel", type=int, default=None, metavar="N",
                        help="trials at a time (default: 2 locally; with Ray: as many as the cluster's CPUs fit)")
    parser.add_argument("--ray-address", default=None, metavar="ADDR",
                        help="run on Ray Tune: auto (the cluster `ray start --head` started), ray://HOST:10001 "
                             "(Ray Client), or local (start Ray in this process) (default: none, a local pool of "
                             "processes)")
    parser.add_argument("--config", action="append", default=[], metavar="FILE",
                        help="YAML file of TrainConfig fields over config/train.yaml for every trial (repeatable; "
                             "default: none)")
    parser.add_argument("--grid", action="append", default=[], metavar="FIELD=V1,V2",
                        help="grid axis, e.g. --grid lr=1e-4,3e-4 (repeatable; default: the spec's grid)")
    parser.add_argument("--random", action="append", default=[], metavar="FIELD=DIST:ARGS",
                        help="random axis: loguniform:LOW:HIGH, uniform:LOW:HIGH or choice:A,B (repeatable; default: "
                             "the spec's random section)")
    parser.add_argument("--samples", type=int, default=None, metavar="N",
                        help="random points to draw (default: the spec's samples; needed with --random)")
    parser.add_argument("--sample-seed", type=int, default=None, metavar="S",
                        help="seed of the random points (default: the spec's sample_seed, else 0)")
    parser.add_argument("--seeds", default=None, metavar="SEEDS",
                        help="training seeds, every point x every seed: 0-4 or 0,3,7 (default: the spec's seeds, else "
                             "config/train.yaml's seed only)")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="fixed field of every trial, e.g. --set total_steps=20000 (repeatable; default: the "
                             "spec's base)")
    parser.add_argument("--final-window", type=int, default=100, metavar="N",
                        help="episodes averaged for a trial's final return (default %(default)s)")
    parser.add_argument("--dry-run", action="store_true", help="print the trials and exit; nothing is written")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar / lines")
    parser.set_defaults(func=run)


def _split(text: str, flag: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise UserError(f"{flag} {text!r}: expected FIELD=VALUE")
    return name.strip(), value.strip()


def _random_flag(text: str) -> tuple[str, dict]:
    name, value = _split(text, "--random")
    kind, sep, rest = value.partition(":")
    if kind == "choice":
        return name, {"distribution": "choice", "values": [v.strip() for v in rest.split(",") if v.strip()]}
    parts = rest.split(":")
    if not sep or len(parts) != 2:
        raise UserError(f"--random {text!r}: expected FIELD=loguniform:LOW:HIGH, FIELD=uniform:LOW:HIGH or "
                        "FIELD=choice:A,B")
    return name, {"distribution": kind, "low": parts[0], "high": parts[1]}


def build_spec(args: argparse.Namespace) -> dict:
    """The spec file (if any) with the quick flags over it."""
    from jaco_prog.config import load_yaml

    spec = load_yaml(args.spec) if args.spec else {}
    for key in ("base", "grid", "random"):
        if spec.get(key) is not None and not isinstance(spec[key], dict):
            return spec  # let the spec check report it, with the file's name
        spec[key] = dict(spec.get(key) or {})
    for text in args.set:
        name, value = _split(text, "--set")
        spec["base"][name] = value
    for text in args.grid:
        name, value = _split(text, "--grid")
        spec["grid"][name] = [v.strip() for v in value.split(",") if v.strip()]
        spec["random"].pop(name, None)
    for text in args.random:
        name, dist = _random_flag(text)
        spec["random"][name] = dist
        spec["grid"].pop(name, None)
    if args.samples is not None:
        spec["samples"] = args.samples
    if args.sample_seed is not None:
        spec["sample_seed"] = args.sample_seed
    if args.seeds is not None:
        spec["seeds"] = args.seeds
    return {k: v for k, v in spec.items() if v not in ({}, None)}


def run(args: argparse.Namespace) -> int:
    from jaco_prog.sweep import SweepInterrupted, expand_spec, results_table, run_trials
    from jaco_prog.sweep.results import format_table, ranked

    if not args.spec and not (args.grid or args.random or args.seeds or args.set):
        raise UserError("give a SPEC.yaml or at least one of --grid, --random, --seeds, --set")
    parallel = args.parallel
    if parallel is not None and parallel < (0 if args.ray_address else 1):
        raise UserError("--parallel must be at least 1" + (" (0: no cap, with Ray)" if args.ray_address else ""))
    if parallel is None:
        parallel = 0 if args.ray_address else 2
    spec = build_spec(args)
    where = args.spec or "sweep flags"
    trials = expand_spec(spec, where)
    notes = _trial_configs(trials, args.config)
    if args.dry_run:
        return _dry_run(trials, args, notes, format_table)
    invalid = [(t, n) for t, n in zip(trials, notes) if n]
    if invalid:  # a mistake in the spec: say so before training anything
        raise UserError(f"{len(invalid)} of {len(trials)} trials have an invalid configuration, e.g. "
                        f"{invalid[0][0].name}: {invalid[0][1]} (see --dry-run)")
    try:
        results = run_trials(trials, args.out, parallel=parallel, ray_address=args.ray_address,
                             base_config=args.config, final_window=args.final_window, progress=args.progress,
                             spec=spec)
    except SweepInterrupted as stop:
        print(results_table(stop.results))
        print(f"\nsweep interrupted: running trials were checkpointed; run the same command again to resume "
              f"({args.out}/results.csv has where each trial stands)", file=sys.stderr)
        raise KeyboardInterrupt from None
    print(results_table(results))
    best = next((r for r in ranked(results) if r.final_return is not None), None)
    if best is not None:
        fields = ", ".join(f"{k}={v}" for k, v in best.overrides.items())
        print(f"\nbest: {best.name}  final return {best.final_return:.3f} over the last "
              f"{min(args.final_window, best.episodes)} episodes\n  {fields}\n  run directory: {best.run_dir} "
              f"(its full configuration: {best.run_dir}/config.yaml)")
    failed = [r for r in results if r.status == "failed"]
    print(f"\n{len(results)} trials: {sum(r.status == 'done' for r in results)} done, {len(failed)} failed; "
          f"results: {args.out}/results.csv")
    return 1 if failed else 0


def _trial_configs(trials, config_files) -> list[str]:
    """For each trial, '' or why its training configuration is invalid."""
    from jaco_prog.config import ConfigError
    from jaco_prog.learning.config import load_train_config
    from jaco_prog.paths import config_path
    from jaco_prog.sweep.engine import load_base_config

    base = load_base_config([Path(p) for p in config_files])
    notes = []
    for trial in trials:
        try:
            load_train_config([config_path("train.yaml")], {**base, **trial.overrides})
            notes.append("")
        except ConfigError as err:
            notes.append(str(err))
    return notes


def _dry_run(trials, args, notes, format_table) -> int:
    from jaco_prog.sweep.results import varied_keys

    keys = varied_keys(trials)
    fixed = {k: v for k, v in trials[0].overrides.items() if k not in keys}
    rows = [[t.name] + [str(t.overrides.get(k, "")) for k in keys] + [f"invalid: {n}" if n else ""]
            for t, n in zip(trials, notes)]
    print(format_table(rows, ["trial", *keys, "note"]))
    if fixed:
        print("every trial: " + ", ".join(f"{k}={v}" for k, v in fixed.items()))
    engine = f"Ray Tune at {args.ray_address}" if args.ray_address else f"local, {args.parallel or 2} at a time"
    print(f"\n{len(trials)} trials -> {args.out}/<trial> ({engine}); dry run: nothing was written")
    return 0
