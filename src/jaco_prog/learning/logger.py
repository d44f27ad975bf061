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

"""Run logging: TensorBoard scalars, episodes.csv (one row per finished episode), a tqdm progress bar.

The bar is drawn only on a terminal (a log file would get ten carriage-return updates a second for hours) and
is cleared when the run ends: the command prints one summary line instead (jaco_prog.commands.train).
"""
from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

from tqdm import tqdm

from jaco_prog.learning.episode_log import EPISODE_FIELDS, EPISODES_CSV, flush_to_disk, record_resume
from jaco_prog.learning.rollout import Episode


class RunLogger:
    def __init__(self, run_dir: Path, total_steps: int, start_step: int, progress: bool, stream=None):
        from torch.utils.tensorboard import SummaryWriter  # needs the `tensorboard` package (extras "train")

        self.run_dir = Path(run_dir)
        # on resume, drop what was logged after the checkpoint: those steps are about to be run again
        self.writer = SummaryWriter(str(self.run_dir / "tensorboard"), purge_step=start_step or None)
        csv_path = self.run_dir / EPISODES_CSV
        _truncate_csv(csv_path, start_step)
        if start_step:
            record_resume(self.run_dir, start_step, time.time())
        new_file = not csv_path.is_file() or csv_path.stat().st_size == 0
        self._csv_file = open(csv_path, "a", newline="")
        self._csv = csv.writer(self._csv_file)
        if new_file:
            self._csv.writerow(EPISODE_FIELDS)
        stream = stream if stream is not None else sys.stderr
        self.total_steps = total_steps
        self.bar = tqdm(total=total_steps, initial=min(start_step, total_steps), file=stream, leave=False,
                        disable=not (progress and stream.isatty()), unit="step", dynamic_ncols=True,
                        desc=self.run_dir.name)
        self._last_step, self._last_time = start_step, time.monotonic()
        self._recent_returns: list[float] = []

    def episode(self, step: int, number: int, episode: Episode) -> None:
        self._csv.writerow([step, f"{time.time():.3f}", episode.worker, number, f"{episode.ret:.6g}", episode.length,
                            int(episode.success), int(episode.terminated)])
        self.writer.add_scalar("episode/return", episode.ret, step)
        self.writer.add_scalar("episode/success", float(episode.success), step)
        self.writer.add_scalar("episode/length", episode.length, step)
        self._recent_returns = (self._recent_returns + [episode.ret])[-100:]

    def scalars(self, step: int, stats: dict[str, float]) -> None:
        for name, value in stats.items():
            self.writer.add_scalar(name, value, step)
        now = time.monotonic()
        if now > self._last_time and step > self._last_step:
            self.writer.add_scalar("perf/steps_per_second", (step - self._last_step) / (now - self._last_time), step)
        self._last_step, self._last_time = step, now
        self._csv_file.flush()

    def progress(self, step: int) -> None:
        # the postfix first, so that the update draws it; the count stops at the total, which the last rollout
        # may overshoot by up to one rollout's steps (the summary gives the exact count)
        if self._recent_returns:
            self.bar.set_postfix(ret=f"{sum(self._recent_returns) / len(self._recent_returns):.2f}", refresh=False)
        self.bar.update(min(step, self.total_steps) - self.bar.n)

    def flush_episodes(self) -> None:
        """episodes.csv on the disk (before a checkpoint: it must hold every episode the checkpoint counts)."""
        flush_to_disk(self._csv_file)

    def close(self) -> None:
        self.bar.close()
        self.writer.close()
        self._csv_file.close()


def _truncate_csv(path: Path, keep_up_to_step: int) -> None:
    if not keep_up_to_step or not path.is_file():
        return
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        return
    kept = [rows[0]] + [r for r in rows[1:] if r and int(r[0]) <= keep_up_to_step]
    if len(kept) != len(rows):
        with open(path, "w", newline="") as f:
            csv.writer(f).writerows(kept)
