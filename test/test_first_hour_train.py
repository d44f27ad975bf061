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

"""Issue 28, items 1 and 7: the documented learner check learns, and `jaco-prog train` ends with one summary."""
from __future__ import annotations

import io
import re
import shlex
from pathlib import Path

import numpy as np

from jaco_prog import cli
from jaco_prog.commands import train as train_command
from jaco_prog.learning.episode_log import read_episodes
from jaco_prog.learning.logger import RunLogger

ROOT = Path(__file__).resolve().parents[1]


def documented_toy_command() -> list[str]:
    """The learner check as `jaco-prog train --help` gives it (the docs must give the same one)."""
    (line,) = [line for line in train_command.DESCRIPTION.splitlines() if "--task toy" in line]
    command = shlex.split(line.split("#")[0])
    assert command[:2] == ["jaco-prog", "train"]
    return command[1:]


def test_the_docs_give_the_same_learner_check_as_the_help():
    command = " ".join(documented_toy_command())
    training_md = " ".join((ROOT / "docs" / "training.md").read_text().split())
    assert f"jaco-prog {command}" in training_md


def test_the_documented_learner_check_learns(tmp_path, capsys):
    """The command exactly as documented (plus where to write): the final return must rise well above the
    random policy's 10/3 (measured: 3.3 -> 7.3; the defaults alone ended at 3.3)."""
    run_dir = tmp_path / "toy"
    assert cli.main([*documented_toy_command(), "--run-dir", str(run_dir), "--no-progress"]) == 0
    returns = np.array(read_episodes(run_dir)["return"])
    assert np.mean(returns[:100]) < 4.0
    assert np.mean(returns[-100:]) > np.mean(returns[:100]) + 2.0
    out = capsys.readouterr().out
    final = float(re.search(r"final return ([\d.]+)", out).group(1))
    assert final == np.round(np.mean(returns[-100:]), 2)


FAST = ["--task", "toy", "--algo", "a2c", "--inputs", "proprio", "--arch", "ff", "--envs", "3", "--n-steps", "5",
        "--no-progress"]


def test_train_ends_with_one_summary_of_steps_time_return_and_where_the_run_is(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert cli.main(["train", *FAST, "--steps", "1000", "--run-dir", str(run_dir)]) == 0
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    assert len(lines) == 3, out
    # 3 envs x 5 steps per rollout: the last rollout overshoots 1000 to 1005, and the summary says so
    assert re.match(r"trained 1,005 env steps in [\d.]+ s, [\d,]+ steps/s; final return [\d.]+ \(mean of the last "
                    r"(\d+) of \1 episodes; the first \1: [\d.]+\)$", lines[0]), lines[0]
    assert lines[1].startswith(f"run directory: {run_dir} ")
    assert lines[2].split() == ["plot", "it:", "jaco-prog", "plot", str(run_dir), "-o", str(run_dir / "curves.png")]
    assert err == ""  # no progress bar into a file (or a test's capture)
    # the plot command it names works
    assert cli.main(lines[2].split()[3:]) == 0 and (run_dir / "curves.png").is_file()

    # a resumed run says how much of it this session trained
    capsys.readouterr()
    assert cli.main(["train", "--run-dir", str(run_dir), "--resume", "--steps", "1500", "--no-progress"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("trained 1,500 env steps (495 in this session) in ")


def test_a_stopped_run_says_where_it_stopped_and_how_to_continue(tmp_path):
    run_dir = tmp_path / "run"
    assert cli.main(["train", *FAST, "--steps", "300", "--run-dir", str(run_dir)]) == 0
    text = train_command.summary(run_dir, total_steps=900, start_step=0, wall_s=2.0)
    assert text.startswith("stopped at 300 env steps of 900 after 2.0 s, 150 steps/s")
    assert text.splitlines()[-1] == f"continue: jaco-prog train --run-dir {run_dir} --resume"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_stops_at_its_total_and_is_cleared_at_the_end(tmp_path):
    """The last rollout overshoots the budget; the bar must not count past it (it printed '20160step' before)
    and must not leave its last line behind for the summary to repeat."""
    terminal = Terminal()
    logger = RunLogger(tmp_path, total_steps=20_000, start_step=0, progress=True, stream=terminal)
    for step in (8_000, 16_000, 20_160):
        logger.progress(step)
        logger.bar.refresh()  # draw now, whatever tqdm's minimum interval between draws
    assert logger.bar.n == 20_000
    logger.close()
    drawn = terminal.getvalue().split("\r")
    assert any("20000/20000" in frame for frame in drawn)
    assert not any("20160" in frame for frame in drawn)
    assert drawn[-1].strip() == ""  # cleared


def test_no_progress_bar_into_a_file(tmp_path):
    stream = io.StringIO()
    logger = RunLogger(tmp_path, total_steps=100, start_step=0, progress=True, stream=stream)
    logger.progress(100)
    logger.close()
    assert stream.getvalue() == ""
