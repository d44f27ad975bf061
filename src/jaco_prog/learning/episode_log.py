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

"""episodes.csv, one row per finished episode: its columns and the one reader that plots, sweeps, exports and
tests share. Stdlib only, so a sweep's parent process can read trial results without importing torch."""
from __future__ import annotations

import csv
import os
from pathlib import Path

EPISODES_CSV = "episodes.csv"
EPISODE_FIELDS = ["global_step", "wall_time", "worker", "episode", "return", "length", "success", "terminated"]


def read_episodes(run_dir: str | Path, missing_ok: bool = False) -> dict[str, list[float]]:
    """episodes.csv as columns of floats, in file order. A row that does not parse (the half-written last row
    of a run still training) is skipped. Without the file: FileNotFoundError, or empty columns if missing_ok."""
    path = Path(run_dir) / EPISODES_CSV
    columns: dict[str, list[float]] = {name: [] for name in EPISODE_FIELDS}
    if not path.is_file():
        if missing_ok:
            return columns
        raise FileNotFoundError(f"{run_dir}: no {EPISODES_CSV} (is this a training run directory?)")
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            try:
                values = [float(row[name]) for name in EPISODE_FIELDS]
            except (KeyError, TypeError, ValueError):
                continue
            for name, value in zip(EPISODE_FIELDS, values):
                columns[name].append(value)
    return columns


def flush_to_disk(f) -> None:
    """Everything written to the open file `f` is on the disk: Python's buffer flushed, the OS's synced. Runs
    before every checkpoint, so that after a kill -9 (or a power cut) episodes.csv holds every episode the
    checkpoint counts; a resume drops the rows logged after the checkpoint's step, so none is counted twice."""
    f.flush()
    os.fsync(f.fileno())


RESUMES_CSV = "resumes.csv"  # one row per resume: weights, optimiser and RNG continue, the environments restart


def record_resume(run_dir: str | Path, global_step: int, wall_time: float) -> None:
    """Note that a run continued from its checkpoint at `global_step`. Its environments started new episodes
    there, so from that step on it is a different sample than an uninterrupted run of the same seed."""
    path = Path(run_dir) / RESUMES_CSV
    new_file = not path.is_file() or path.stat().st_size == 0
    with open(path, "a", newline="") as f:
        writer = csv.writer(f)
        if new_file:
            writer.writerow(["global_step", "wall_time"])
        writer.writerow([int(global_step), f"{wall_time:.3f}"])


def read_resume_records(run_dir: str | Path) -> list[tuple[int, float]]:
    """(global step, wall time) of each resume of the run in `run_dir` ([] for an uninterrupted run; wall time
    0.0 where a row has none)."""
    path = Path(run_dir) / RESUMES_CSV
    if not path.is_file():
        return []
    with open(path, newline="") as f:
        return [(int(float(row["global_step"])), float(row.get("wall_time") or 0.0)) for row in csv.DictReader(f)
                if row.get("global_step")]


def read_resumes(run_dir: str | Path) -> list[int]:
    """The global steps at which the run in `run_dir` was resumed ([] for an uninterrupted run)."""
    return [step for step, _ in read_resume_records(run_dir)]
