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

"""Logs and checkpoints after a hard kill (issue 27): episodes.csv holds every episode a checkpoint counts."""
import csv
import os
import signal
import subprocess
import sys
import time

import pytest

from jaco_prog.learning.config import TrainConfig
from jaco_prog.learning.logger import RunLogger
from jaco_prog.learning.rollout import Episode
from jaco_prog.learning.train import prepare_run
from jaco_prog.nets.checkpoint import read_checkpoint

FAST = dict(task="toy", inputs="proprio", arch="ff", column="wide", optimizer="adam", lr=3e-3, gamma=0.5,
            entropy_coef=0.01, n_steps=5, progress=False)


def rows_on_disk(run_dir):
    """episodes.csv as another process (or a resume after a kill -9) reads it: only what reached the file."""
    with open(run_dir / "episodes.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_every_episode_a_checkpoint_counts_is_on_disk_when_it_is_written(tmp_path):
    cfg = TrainConfig(**FAST, algo="a2c", envs=1, total_steps=10_000, checkpoint_every=1_000, log_every=10 ** 6,
                      run_dir=str(tmp_path / "run"))
    run = prepare_run(cfg, resume=False)
    run.logger = RunLogger(run.run_dir, cfg.total_steps, 0, progress=False)
    try:
        step = 0
        while not (run.run_dir / "checkpoint.pt").is_file():
            step += 5
            run.record(step, {}, [Episode(0, 1.0, 5, False, False)])
        counted = read_checkpoint(run.run_dir / "checkpoint.pt")["counters"]["episodes"]
        # the process "dies" here: nothing more is flushed
        logged = rows_on_disk(run.run_dir)
        assert counted == 200 and len(logged) >= counted
        assert [int(r["episode"]) for r in logged[:counted]] == list(range(1, counted + 1))
    finally:
        run.logger.close()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_after_a_kill_9_the_episode_log_holds_what_the_checkpoint_counts(tmp_path):
    run_dir = tmp_path / "run"
    cmd = [sys.executable, "-m", "jaco_prog.cli", "train", "--task", "toy", "--algo", "a2c", "--steps", "10000000",
           "--run-dir", str(run_dir), "--no-progress", "--checkpoint-every", "2000"]
    with open(tmp_path / "train.log", "w") as log:
        child = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            checkpoint = run_dir / "checkpoint.pt"
            for _ in range(1200):  # wait (at most 2 min) for the second checkpoint
                if checkpoint.is_file() and read_checkpoint(checkpoint)["counters"]["global_step"] >= 4000:
                    break
                if child.poll() is not None:
                    pytest.fail(f"training ended early: {(tmp_path / 'train.log').read_text()[-2000:]}")
                time.sleep(0.1)
            else:
                pytest.fail("no second checkpoint within 2 minutes")
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.kill()
            child.wait()
    counted = read_checkpoint(run_dir / "checkpoint.pt")["counters"]["episodes"]
    assert counted > 0 and len(rows_on_disk(run_dir)) >= counted
