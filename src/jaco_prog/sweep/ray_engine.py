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

"""The Ray engine: one Ray Tune trial per sweep trial (`tune.Tuner` over a function trainable).

Ray is an optional extra (`pip install 'jaco_prog[ray]'`) and imported only here, only when asked for.
Each Tune trial (jaco_prog.sweep.tune_parts.SweepTrainable) asks for the CPUs its training uses (A3C:
`workers`, A2C: `threads`) and runs the sweep trial in a child process exactly like the local engine
(jaco_prog.sweep.child), with absolute paths: Tune moves a trial's working directory into its own storage, our
run directories stay OUT/<trial name>. While it trains, the trainable reports the running mean return of the
last `final_window` episodes of episodes.csv (`return_mean`, Tune's metric, mode max); its last report
carries the trial's result.

On a cluster, OUT must be on a filesystem every node sees at the same path (NFS, ...), and every node needs
this package installed (the same virtualenv or image): trials read config/train.yaml on their node.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

from jaco_prog.errors import UserError
from jaco_prog.sweep.results import TrialResult
from jaco_prog.sweep.tune_metrics import METRIC, from_metrics

INSTALL_HINT = ("Ray Tune is not installed; install the optional extra with `pip install 'jaco_prog[ray]'` "
                "(or `pip install -r requirements-ray.txt`)")


def import_ray():
    try:
        import ray
        from ray import tune
    except ImportError as err:
        raise UserError(f"{INSTALL_HINT} ({err})") from None
    return ray, tune


def trial_resources(config: dict):
    """Tune resources of one trial: the CPUs its training process(es) use."""
    from ray import tune

    return tune.PlacementGroupFactory([{"CPU": float(config["trial"]["cpus"])}])


def tune_trial_name(trial) -> str:
    return trial.config["trial"]["name"]


def connect(address: str) -> bool:
    """Join (or, for "local", start) Ray; True when this call started it (then `disconnect` shuts it down)."""
    ray, _ = import_ray()
    if ray.is_initialized():
        return False
    try:
        if address == "local":  # a new Ray instance for this process (even if `ray start` runs one here)
            ray.init(address="local", include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
        elif address.startswith("ray://"):  # Ray Client: the Tuner itself runs on the head node
            ray.init(address=address)
        else:
            ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    except ConnectionError as err:
        raise UserError(f"cannot connect to Ray at {address!r} ({err}); start one with `ray start --head`, "
                        "or use --ray-address local") from None
    return True


def disconnect(started_here: bool) -> None:
    if started_here:
        import ray

        ray.shutdown()


def run_ray(pending: list, out_dir: Path, address: str, parallel: int, reporter) -> dict[str, TrialResult]:
    """Run `pending` trials as Ray Tune trials (Ray connected by `connect`)."""
    ray, tune = import_ray()
    client = address.startswith("ray://")
    callbacks: list = []
    try:
        payloads = [item.payload for item in pending]
        if address == "local":  # Tune would wait forever for CPUs this machine does not have
            have = float(ray.cluster_resources().get("CPU", 0))
            greedy = max(pending, key=lambda item: item.cpus)
            if greedy.cpus > have:
                raise UserError(f"trial {greedy.name} needs {greedy.cpus} CPUs (A3C: workers, A2C: threads); the "
                                f"local Ray instance has {have:g}")
        if not client:  # Ray Client pickles callbacks to the head node: Tune's own progress output there
            from jaco_prog.sweep.tune_parts import SweepProgress, register

            key = register(reporter)
            callbacks.append(SweepProgress(key))
        from jaco_prog.sweep.tune_parts import SweepTrainable

        trainable = tune.with_resources(SweepTrainable, trial_resources)
        tuner = tune.Tuner(
            trainable,
            param_space={"trial": tune.grid_search(payloads)},
            tune_config=tune.TuneConfig(metric=METRIC, mode="max", max_concurrent_trials=parallel or None,
                                        trial_name_creator=tune_trial_name, trial_dirname_creator=tune_trial_name),
            run_config=tune.RunConfig(
                name=f"tune-{time.strftime('%Y%m%d-%H%M%S')}",
                storage_path=str((Path(out_dir) / "_ray").absolute()),
                failure_config=tune.FailureConfig(max_failures=0),
                checkpoint_config=tune.CheckpointConfig(checkpoint_at_end=False),  # run dirs hold the state
                callbacks=callbacks,
                verbose=1 if client and reporter.enabled else 0),
        )
        grid = tuner.fit()
        results = {}
        for result in grid:
            payload = result.config["trial"]
            results[payload["name"]] = from_metrics(payload, result.metrics or {}, result.error)
            if client:
                reporter.finished(results[payload["name"]])
        for payload in payloads:  # a trial Tune never started (interrupted before it)
            results.setdefault(payload["name"], TrialResult(payload["name"], payload["run_dir"], "skipped",
                                                            error="not started (interrupted)",
                                                            overrides=payload["trial_overrides"]))
        return results
    finally:
        if callbacks:
            from jaco_prog.sweep.tune_parts import unregister

            unregister(key)
