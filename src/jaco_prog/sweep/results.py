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

"""What a trial left behind: its final return (episodes.csv), its progress (checkpoint.pt), results.csv."""
from __future__ import annotations

import csv
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from jaco_prog.learning.episode_log import read_episodes, read_resumes

STATUSES = ("done", "failed", "skipped")  # skipped: not run to the end (interrupted, or not started)
RESULTS_CSV = "results.csv"
RESULT_FIELDS = ["name", "status", "final_return", "episodes", "resumed_at", "run_dir"]


@dataclass
class TrialResult:
    name: str
    run_dir: str
    status: str                      # done | failed | skipped
    final_return: float | None = None  # mean return of the last `final_window` episodes (episodes.csv)
    episodes: int = 0
    error: str | None = None         # one line, for failed and skipped trials
    overrides: dict = field(default_factory=dict)
    resumed_at: list[int] = field(default_factory=list)  # steps where it continued from a checkpoint


def episode_returns(run_dir: str | Path) -> list[float]:
    """The return column of RUN/episodes.csv ([] when there is none yet)."""
    return read_episodes(run_dir, missing_ok=True)["return"]


class EpisodeTail:
    """Follows a growing RUN/episodes.csv, reading only what was appended since the last call (a training run
    of millions of steps logs hundreds of thousands of episodes). A resumed run truncates the file: then it
    starts over."""

    def __init__(self, run_dir: str | Path, window: int):
        self.path = Path(run_dir) / "episodes.csv"
        self.window = max(1, int(window))
        self._offset, self._column = 0, None
        self.count, self._recent = 0, []

    def _update(self) -> None:
        try:
            size = self.path.stat().st_size
        except OSError:
            return
        if size < self._offset:
            self._offset, self._column, self.count, self._recent = 0, None, 0, []
        with open(self.path, "rb") as f:
            f.seek(self._offset)
            data = f.read(size - self._offset)
        end = data.rfind(b"\n") + 1  # only whole lines; a half-written one waits for the next call
        self._offset += end
        for line in data[:end].decode("utf-8", "replace").splitlines():
            cells = line.split(",")
            if self._column is None:
                self._column = cells.index("return") if "return" in cells else -1
                continue
            try:
                value = float(cells[self._column])
            except (IndexError, ValueError):
                continue
            self.count += 1
            self._recent = (self._recent + [value])[-self.window:]

    def mean(self) -> float | None:
        self._update()
        return sum(self._recent) / len(self._recent) if self._recent else None


def final_return(returns: list[float], window: int) -> float | None:
    if not returns:
        return None
    tail = returns[-max(1, int(window)):]
    return sum(tail) / len(tail)


def checkpoint_step(run_dir: str | Path) -> int | None:
    """global_step of RUN/checkpoint.pt, None without a checkpoint (raises CheckpointError if unreadable)."""
    from jaco_prog.nets.checkpoint import CHECKPOINT_NAME, read_checkpoint

    path = Path(run_dir) / CHECKPOINT_NAME
    if not path.is_file():
        return None
    return int((read_checkpoint(path).get("counters") or {}).get("global_step", 0))


def reached(step: int | None, total_steps: int | None) -> bool:
    """Whether a checkpoint at `step` (None: no checkpoint) has trained the whole budget: a sweep reads such a
    run back instead of training it."""
    return step is not None and total_steps is not None and step >= total_steps


def finished(run_dir: str | Path, total_steps: int) -> bool:
    """Whether RUN's checkpoint has reached total_steps."""
    return reached(checkpoint_step(run_dir), total_steps)


def read_back(name: str, run_dir: str | Path, overrides: dict, window: int, status: str = "done",
              error: str | None = None) -> TrialResult:
    returns = episode_returns(run_dir)
    return TrialResult(name=name, run_dir=str(run_dir), status=status, final_return=final_return(returns, window),
                       episodes=len(returns), error=error, overrides=dict(overrides),
                       resumed_at=read_resumes(run_dir))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list)):
        return repr(value)
    return str(value)


def write_results_csv(path: str | Path, results: list[TrialResult]) -> Path:
    """One row per trial: name, status, final_return, episodes, resumed_at (steps, ';'-separated), run_dir, every
    override, error. Atomic."""
    path = Path(path)
    keys: list[str] = []
    for result in results:
        keys += [k for k in result.overrides if k not in keys]
    header = RESULT_FIELDS + keys + ["error"]
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            for r in results:
                writer.writerow([r.name, r.status, _cell(r.final_return), r.episodes,
                                 ";".join(str(step) for step in r.resumed_at), r.run_dir]
                                + [_cell(r.overrides.get(k)) for k in keys] + [_cell(r.error)])
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def ranked(results: list[TrialResult]) -> list[TrialResult]:
    """Best final return first; trials without one last, in their original order."""
    def key(item):
        index, r = item
        missing = r.final_return is None or math.isnan(r.final_return)
        return (missing, -(r.final_return or 0.0) if not missing else 0.0, index)
    return [r for _, r in sorted(enumerate(results), key=key)]


def varied_keys(results: list) -> list[str]:
    """Override keys whose value differs between trials (what a table should show)."""
    keys: list[str] = []
    for r in results:
        keys += [k for k in r.overrides if k not in keys]
    return [k for k in keys if len({repr(r.overrides.get(k)) for r in results}) > 1]


def format_table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip() for line in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def results_table(results: list[TrialResult]) -> str:
    keys = varied_keys(results)
    rows = []
    for rank, r in enumerate(ranked(results), 1):
        ret = "" if r.final_return is None else f"{r.final_return:.3f}"
        note = (r.error or "")[:60]
        rows.append([str(rank), r.name, r.status, ret, str(r.episodes)] + [_cell(r.overrides.get(k)) for k in keys]
                    + [note])
    return format_table(rows, ["#", "trial", "status", "final_return", "episodes", *keys, "note"])
