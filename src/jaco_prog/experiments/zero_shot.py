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

"""Zero-shot transfer: column 1 scored, without any training, on its own task and on every preset
(jaco_prog.evaluation.sim_score.score_checkpoint: greedy, held-out evaluation seeds).

Each condition's score is cached in <out>/scores/<condition>.json together with the checkpoint's SHA-256 and
the episode count, so a rerun only scores what is missing or stale.
"""
from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import multiprocessing as mp

from jaco_prog.experiments.studies import Condition, checkpoint_fingerprint

PLAN_FILE = "zero_shot_plan.json"


def _score(checkpoint: str, task: str, preset: str | None, episodes: int) -> dict:
    import torch
    torch.set_num_threads(1)
    from jaco_prog.evaluation.sim_score import score_checkpoint
    return score_checkpoint(checkpoint, task, preset, episodes).summary()


def score_path(out_dir: Path, condition: Condition) -> Path:
    return Path(out_dir) / "scores" / f"{condition.name}.json"


def run_zero_shot(checkpoint, conditions: list[Condition], episodes: int, out_dir, parallel: int = 2,
                  progress: bool = True) -> tuple[list[dict], dict]:
    out_dir = Path(out_dir)
    (out_dir / "scores").mkdir(parents=True, exist_ok=True)
    checkpoint = str(Path(checkpoint).resolve())
    plan = {"checkpoint": checkpoint, "fingerprint": checkpoint_fingerprint(checkpoint), "episodes": episodes,
            "conditions": [{"task": c.task, "preset": c.preset} for c in conditions]}
    (out_dir / PLAN_FILE).write_text(json.dumps(plan, indent=1))
    todo = [c for c in conditions if _cached(out_dir, c, plan) is None]
    if todo:
        if progress:
            print(f"scoring {len(todo)} of {len(conditions)} conditions, {episodes} episodes each", flush=True)
        with ProcessPoolExecutor(max_workers=max(1, min(parallel, len(todo))),
                                 mp_context=mp.get_context("spawn")) as pool:  # MuJoCo GL does not survive fork
            futures = {c.name: pool.submit(_score, checkpoint, c.task, c.preset, episodes) for c in todo}
            for c in todo:
                summary = futures[c.name].result()
                summary.update(fingerprint=plan["fingerprint"], label=c.label)
                score_path(out_dir, c).write_text(json.dumps(summary, indent=1))
                if progress:
                    print(f"  {c.label}: mean return {summary['mean_return']:.1f}", flush=True)
    return load_zero_shot(out_dir)


def _cached(out_dir: Path, condition: Condition, plan: dict) -> dict | None:
    path = score_path(out_dir, condition)
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    if data.get("fingerprint") != plan["fingerprint"] or data.get("episodes") != plan["episodes"] \
            or Path(data.get("checkpoint", "")).resolve() != Path(plan["checkpoint"]):
        return None
    return data


def load_zero_shot(out_dir) -> tuple[list[dict], dict]:
    """The scores of the last plan written to out_dir, in plan order (missing conditions left out)."""
    out_dir = Path(out_dir)
    path = out_dir / PLAN_FILE
    if not path.is_file():
        from jaco_prog.errors import UserError
        raise UserError(f"{out_dir} has no {PLAN_FILE}: nothing was scored there (run without --plot-only first)")
    plan = json.loads(path.read_text())
    scores = []
    for c in plan["conditions"]:
        condition = Condition(c["task"], c["preset"])
        path = score_path(out_dir, condition)
        if path.is_file():
            data = json.loads(path.read_text())
            data["label"] = condition.label
            scores.append(data)
    return scores, plan
