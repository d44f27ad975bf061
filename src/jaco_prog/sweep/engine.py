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

"""Run a sweep's trials: locally in a pool of trial processes, or on a Ray cluster through Ray Tune.

    results = run_trials([Trial("a", {"task": "toy", "algo": "a2c", "lr": 1e-3}), ...], "runs/sweeps/x")

Each trial trains with `train(cfg)`, cfg = load_train_config([config/train.yaml, *base_config], overrides),
in OUT/<trial name>. A trial whose checkpoint already reached total_steps is read back, not re-run; an
interrupted one is resumed; a failing one is reported (status failed, one line) and the others go on.
OUT/sweep.yaml records what was asked (a trial name can never change its overrides), OUT/results.csv one row
per trial, OUT/_logs/<name>.log each trial's output.

Local engine: at most `parallel` trial processes at a time, each a fresh `python -m jaco_prog.sweep.child`
(not a pool worker: a trial may start its own A3C worker processes, and one that crashes cannot take the
pool down), one torch thread unless the trial's `threads` says otherwise. Ctrl-C (or SIGTERM) sends the
running trials SIGTERM; train() checkpoints, and the same command resumes the sweep.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import yaml

from jaco_prog.config import ConfigError
from jaco_prog.errors import UserError
from jaco_prog.sweep.results import RESULTS_CSV, TrialResult, checkpoint_step, read_back, reached, write_results_csv
from jaco_prog.sweep.space import Trial, check_trials

SWEEP_YAML = "sweep.yaml"
LOGS = "_logs"
POLL_SECONDS = 0.2
STOP_GRACE_SECONDS = 90.0


class Prepared:
    """A trial resolved against the base config: what its child process gets."""

    def __init__(self, trial: Trial, run_dir: Path, payload: dict, cpus: int, resume_step: int | None):
        self.trial, self.run_dir, self.payload, self.cpus, self.resume_step = (trial, run_dir, payload, cpus,
                                                                               resume_step)

    @property
    def name(self) -> str:
        return self.trial.name


def _plain(value):
    """JSON/YAML-safe copy (Path -> str, tuples -> lists, numpy scalars -> Python numbers)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if value is None or type(value) in (bool, int, float, str):
        return value
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    for kind in (bool, int, float, str):  # subclasses (numpy.float64 is a float)
        if isinstance(value, kind):
            return kind(value)
    return value


def _base_paths(base_config) -> list[Path]:
    if base_config is None:
        return []
    if isinstance(base_config, (str, Path)):
        return [Path(base_config)]
    return [Path(p) for p in base_config]


def load_base_config(paths: list[Path]) -> dict:
    """The TrainConfig fields the files set (later files win); errors name the file and field."""
    from jaco_prog.config import load_yaml
    from jaco_prog.learning.config import TrainConfig, load_train_config
    from jaco_prog.paths import config_path

    load_train_config([config_path("train.yaml"), *paths])  # every check, with the file's name
    data: dict = {}
    for path in paths:
        raw = load_yaml(path)
        config = TrainConfig.from_dict(raw, str(path))
        data.update({k: getattr(config, k) for k in raw})
    if "run_dir" in data:
        raise ConfigError(f"{paths[0]}: run_dir", "each trial's run directory is OUT/<trial name>, set by the sweep")
    return _plain(data)


# Fields whose default may change under a running sweep without changing what a trial learns (bookkeeping).
DEFAULTS_NOT_COMPARED = ("run_dir", "progress", "threads", "checkpoint_every", "log_every")


def _as_yaml(value):
    """What YAML keeps of a value (tuples become lists...), so records compare with what was read back."""
    return yaml.safe_load(yaml.safe_dump(_plain(value)))


def training_defaults() -> dict:
    """What a trial trains with where neither the base config nor its overrides say otherwise: TrainConfig's
    defaults with config/train.yaml applied."""
    from jaco_prog.learning.config import load_train_config
    from jaco_prog.paths import config_path

    values = load_train_config([config_path("train.yaml")]).to_dict()
    return _as_yaml({k: v for k, v in values.items() if k not in DEFAULTS_NOT_COMPARED})


def _changed_defaults(old: dict, new: dict, set_by_all: set[str]) -> dict:
    """Default fields that differ between two records, except those every trial sets itself. A field the old
    record lacks was added to TrainConfig since: the old trials ran as it would have been then."""
    from jaco_prog.learning.config import VALUES_BEFORE_FIELD_EXISTED

    changed = {}
    for key in sorted(set(new) - set_by_all):  # `new` leaves out DEFAULTS_NOT_COMPARED already
        before = old.get(key, VALUES_BEFORE_FIELD_EXISTED.get(key, new[key]))
        if before != new[key]:
            changed[key] = (before, new[key])
    return changed


def _set_by_all(base: dict, trials: list[dict]) -> set[str]:
    """Fields the base config or every trial gives a value (None means 'the default' to load_train_config)."""
    given = {k for k, v in base.items() if v is not None}
    per_trial = [{k for k, v in t["overrides"].items() if v is not None} for t in trials]
    return given | (set.intersection(*per_trial) if per_trial else set())


def record_sweep(out_dir: Path, trials: list[Trial], base: dict, base_paths: list[Path], final_window: int,
                 spec: dict | None) -> None:
    """Write OUT/sweep.yaml, or check the existing one: a trial may never change its overrides under the same
    name, nor the base config or a training default that some trial relies on change (config/train.yaml
    edited, or a code default; that would mix two sweeps in one folder). New trials are added. A sweep.yaml
    written before defaults were recorded is not checked for them."""
    path = out_dir / SWEEP_YAML
    asked = _as_yaml([{"name": t.name, "overrides": t.overrides} for t in trials])
    base = _as_yaml(base)
    defaults = training_defaults()
    if path.is_file():
        old = yaml.safe_load(path.read_text()) or {}
        old_base = (old.get("base_config") or {}).get("values") or {}
        if old_base != base:
            raise UserError(f"{path} was written with another base config ({old_base} vs {base}); use another "
                            "--out (nothing is overwritten)")
        if "training_defaults" in old:  # a sweep.yaml from before they were recorded is not checked
            set_by_all = _set_by_all(base, list(old.get("trials") or []) + asked)
            changed = _changed_defaults(old["training_defaults"] or {}, defaults, set_by_all)
            if changed:
                shown = ", ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in list(changed.items())[:4])
                more = f" and {len(changed) - 4} more" if len(changed) > 4 else ""
                raise UserError(f"{path}: TrainConfig defaults changed since this sweep began ({shown}{more}; "
                                "config/train.yaml or the code), so its finished trials and new ones would not be "
                                "comparable; use another --out (nothing is overwritten)")
        known = {t["name"]: t["overrides"] for t in old.get("trials") or []}
        for trial in asked:
            if trial["name"] in known and known[trial["name"]] != trial["overrides"]:
                raise UserError(f"{path}: trial {trial['name']} was {known[trial['name']]} and is now asked with "
                                f"{trial['overrides']}; use another --out (nothing is overwritten)")
        added = [t for t in asked if t["name"] not in known]
        if not added:
            return
        record = old
        record["trials"] = list(old.get("trials") or []) + added
    else:
        record = {"created": time.strftime("%Y-%m-%d %H:%M:%S"),
                  "base_config": {"files": [str(p) for p in base_paths], "values": base},
                  "training_defaults": defaults,
                  "final_window": final_window, "spec": _plain(spec) if spec else None, "trials": asked}
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{SWEEP_YAML}.tmp")
    tmp.write_text("# jaco-prog sweep: what was asked. Running the same sweep again resumes it.\n"
                   + yaml.safe_dump(record, sort_keys=False))
    os.replace(tmp, path)


def _move_aside(run_dir: Path) -> Path:
    for i in range(1, 1000):
        target = run_dir.with_name(f"{run_dir.name}.stale-{i}")
        if not target.exists():
            run_dir.rename(target)
            return target
    raise UserError(f"cannot move {run_dir} aside")


def prepare(trial: Trial, out_dir: Path, base: dict, final_window: int, say) -> Prepared | TrialResult:
    """The trial's payload, or its result when there is nothing to run (finished, or a bad configuration)."""
    from jaco_prog.learning.config import load_train_config
    from jaco_prog.paths import config_path

    run_dir = out_dir / trial.name
    overrides = {**base, **_plain(trial.overrides)}
    if overrides.get("from_checkpoint"):  # Ray Tune and the trial processes run elsewhere: no relative paths
        overrides["from_checkpoint"] = str(Path(overrides["from_checkpoint"]).expanduser().absolute())
    overrides["run_dir"] = str(run_dir.absolute())
    overrides.setdefault("progress", False)  # trial output goes to a log file
    trial_overrides = _plain(trial.overrides)
    try:
        cfg = load_train_config([config_path("train.yaml")], overrides)
        step = checkpoint_step(run_dir)
    except (ConfigError, UserError) as err:
        return TrialResult(trial.name, str(run_dir), "failed", error=str(err), overrides=trial_overrides)
    if reached(step, cfg.total_steps):
        return read_back(trial.name, run_dir, trial_overrides, final_window)
    if step is None and run_dir.exists() and any(run_dir.iterdir()):
        moved = _move_aside(run_dir)
        say(f"{trial.name}: {run_dir} holds no checkpoint (a trial that failed before its first one); "
            f"moved it to {moved.name} and starting afresh")
    payload = {"name": trial.name, "run_dir": overrides["run_dir"], "overrides": overrides,
               "trial_overrides": trial_overrides, "final_window": final_window, "threads": cfg.threads,
               "total_steps": cfg.total_steps, "log": str((out_dir / LOGS / f"{trial.name}.log").absolute())}
    cpus = cfg.workers if cfg.algo == "a3c" else cfg.threads
    payload["cpus"] = cpus
    return Prepared(trial, run_dir, payload, cpus, step)


def summary_line(result: TrialResult, seconds: float | None = None) -> str:
    ret = "" if result.final_return is None else f"final return {result.final_return:.3f} "
    took = f" in {seconds:.0f} s" if seconds is not None else ""
    detail = f": {result.error}" if result.error else ""
    return f"{result.status:7s} {result.name}  {ret}({result.episodes} episodes){took}{detail}"


class _Reporter:
    """tqdm bar over trials + one line per finished trial (stderr), or nothing."""

    def __init__(self, total: int, initial: int, enabled: bool):
        from tqdm import tqdm

        self.enabled = enabled
        self.bar = tqdm(total=total, initial=initial, disable=not enabled, unit="trial", desc="sweep",
                        dynamic_ncols=True, file=sys.stderr)
        self._lock = threading.Lock()

    def say(self, line: str) -> None:
        if self.enabled:
            with self._lock:
                self.bar.write(line, file=sys.stderr)

    def finished(self, result: TrialResult, seconds: float | None = None) -> None:
        with self._lock:
            if self.enabled:
                self.bar.write(summary_line(result, seconds), file=sys.stderr)
            self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C/SIGTERM stopped the sweep; `results` says where each trial stands (results.csv is written)."""

    def __init__(self, results: list[TrialResult]):
        super().__init__("sweep interrupted")
        self.results = results


def run_trials(trials: list[Trial], out_dir, parallel: int = 2, ray_address: str | None = None,
               base_config=None, final_window: int = 100, progress: bool = True,
               spec: dict | None = None) -> list[TrialResult]:
    """Train every trial in OUT/<trial name>; results in the order of `trials`, also in OUT/results.csv.

    parallel: trials at a time (local engine; with Ray a cap on concurrent trials, 0 = no cap).
    ray_address: None runs locally; "local" starts Ray in this process; "auto" or "ray://host:port" joins a
    cluster (Ray Tune). base_config: YAML file(s) of TrainConfig fields between config/train.yaml and each
    trial's overrides. On Ctrl-C/SIGTERM the running trials checkpoint, results.csv is written and
    SweepInterrupted (a KeyboardInterrupt) is raised; running the same sweep again resumes it.
    """
    trials = list(trials)
    check_trials(trials)
    if not trials:
        raise UserError("the sweep has no trials")
    if isinstance(parallel, bool) or not isinstance(parallel, int) or parallel < 0 or \
            (parallel == 0 and not ray_address):
        raise UserError(f"parallel must be a positive number of trials (got {parallel!r})")
    if isinstance(final_window, bool) or not isinstance(final_window, int) or final_window < 1:
        raise UserError(f"final_window must be a positive number of episodes (got {final_window!r})")
    out_dir = Path(out_dir)
    base_paths = _base_paths(base_config)
    base = load_base_config(base_paths)
    if not ray_address:
        return _run(trials, out_dir, parallel, None, base, base_paths, final_window, progress, spec)
    from jaco_prog.sweep.ray_engine import connect, disconnect

    started_here = connect(ray_address)  # fails now (not installed, no cluster), before anything is written
    try:
        return _run(trials, out_dir, parallel, ray_address, base, base_paths, final_window, progress, spec)
    finally:
        disconnect(started_here)


def _run(trials, out_dir, parallel, ray_address, base, base_paths, final_window, progress, spec):
    record_sweep(out_dir, trials, base, base_paths, final_window, spec)

    results: dict[str, TrialResult] = {}
    pending: list[Prepared] = []
    early_lines = []
    for trial in trials:
        item = prepare(trial, out_dir, base, final_window, early_lines.append)
        if isinstance(item, TrialResult):
            results[trial.name] = item
        else:
            pending.append(item)
    reporter = _Reporter(len(trials), len(results), progress)
    for line in early_lines:
        reporter.say(line)
    for result in results.values():
        if result.status == "done":
            reporter.say(f"{'done':7s} {result.name}  already finished, not re-run")
        else:
            reporter.say(summary_line(result))

    interrupted = False
    try:
        if pending and ray_address:
            from jaco_prog.sweep.ray_engine import run_ray
            results.update(run_ray(pending, out_dir, ray_address, parallel, reporter))
        elif pending:
            results.update(run_local(pending, out_dir, parallel, reporter))
    except SweepInterrupted as stop:
        interrupted = True
        results.update({r.name: r for r in stop.results})
    finally:
        reporter.close()
    ordered = []
    for trial in trials:
        result = results.get(trial.name) or TrialResult(trial.name, str(out_dir / trial.name), "skipped",
                                                        error="not started (interrupted)")
        result.run_dir = str(out_dir / trial.name)
        result.overrides = _plain(trial.overrides)
        ordered.append(result)
    write_results_csv(out_dir / RESULTS_CSV, ordered)
    if interrupted or (ray_address and any(r.status == "skipped" for r in ordered)):
        raise SweepInterrupted(ordered)
    return ordered


class _StopRequest:
    """SIGTERM to the sweep acts like Ctrl-C (main thread only; restored afterwards)."""

    def __enter__(self):
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            def raise_interrupt(signum, _frame):
                raise KeyboardInterrupt
            self.previous = signal.signal(signal.SIGTERM, raise_interrupt)
        return self

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)
        return False


def run_local(pending: list[Prepared], out_dir: Path, parallel: int, reporter: _Reporter) -> dict[str, TrialResult]:
    from jaco_prog.sweep.child import ChildTrial

    queue = list(pending)
    running: list[ChildTrial] = []
    results: dict[str, TrialResult] = {}

    def collect(child: ChildTrial) -> None:
        result = child.result()
        results[result.name] = result
        reporter.finished(result, time.monotonic() - child.started)

    with _StopRequest():
        try:
            while queue or running:
                while queue and len(running) < parallel:
                    item = queue.pop(0)
                    if item.resume_step is not None:
                        reporter.say(f"resume  {item.name} from step {item.resume_step}")
                    running.append(ChildTrial(item.payload, item.payload["log"]))
                time.sleep(POLL_SECONDS)
                for child in [c for c in running if not c.running]:
                    running.remove(child)
                    collect(child)
        except KeyboardInterrupt:
            reporter.say(f"stopping {len(running)} running trial(s): they checkpoint; run the same sweep again to "
                         "resume it")
            _stop(running)
            for child in running:
                collect(child)
            for item in queue:
                results[item.name] = TrialResult(item.name, str(item.run_dir), "skipped",
                                                 error="not started (interrupted)")
            raise SweepInterrupted(list(results.values())) from None
    return results


def _stop(children: list) -> None:
    """SIGTERM, wait for the checkpoints (a second Ctrl-C kills), then SIGKILL what is left."""
    for child in children:
        child.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    try:
        while any(c.running for c in children) and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        pass
    for child in children:
        child.kill()
