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

"""Issue 28, item 3: `jaco-prog plot` draws DAgger runs (iterations.csv) as well as training runs (episodes.csv)."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from jaco_prog import cli
from jaco_prog.learning.curves import run_curve
from jaco_prog.learning.episode_log import EPISODE_FIELDS
from jaco_prog.learning.imitation import FIELDS

PNG = b"\x89PNG\r\n\x1a\n"


def dagger_run(path, rows):
    """A `jaco-prog imitate` run directory's iterations.csv: (env_steps, episodes, student_episodes, student mean)."""
    path.mkdir()
    with open(path / "iterations.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, FIELDS)
        writer.writeheader()
        for i, (steps, episodes, alone, mean) in enumerate(rows, 1):
            writer.writerow({name: 0 for name in FIELDS} | {
                "iteration": i, "env_steps": steps, "episodes": episodes, "student_episodes": alone,
                "student_mean_return": mean if alone else "nan"})
    return path


def training_run(path, returns):
    path.mkdir()
    with open(path / "episodes.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(EPISODE_FIELDS)
        for i, ret in enumerate(returns):
            writer.writerow([50 * (i + 1), 0, 0, i + 1, ret, 50, int(ret > 0), 0])
    return path


ROWS = [(1000, 20, 0, None), (2000, 22, 3, 1.5), (3000, 25, 25, 4.0)]  # the first iteration: the teacher drove


def test_a_dagger_runs_curve_is_the_student_driven_mean_per_iteration(tmp_path):
    run = dagger_run(tmp_path / "dagger", ROWS)
    curve = run_curve(run)
    assert curve.kind == "iterations"
    assert curve.x.tolist() == [2000, 3000] and curve.returns.tolist() == [1.5, 4.0]
    by_episode = run_curve(run, "episode")
    assert by_episode.x.tolist() == [42, 67]  # episodes so far, the teacher's iteration included
    assert run_curve(training_run(tmp_path / "train", [0, 1, 2]), "global_step").kind == "episodes"


def test_plot_draws_a_dagger_run_beside_a_training_run(tmp_path, capsys):
    dagger = dagger_run(tmp_path / "dagger", ROWS)
    train = training_run(tmp_path / "train", np.linspace(0, 5, 40))
    for x_axis in ("steps", "episodes"):
        out = tmp_path / f"curves-{x_axis}.png"
        assert cli.main(["plot", str(dagger), str(train), "-o", str(out), "--x", x_axis, "--window", "5"]) == 0
        assert out.read_bytes()[:8] == PNG
    assert f"wrote {out}" in capsys.readouterr().out


def test_the_shipped_dagger_run_plots(tmp_path):
    run = Path(__file__).resolve().parents[1] / "models" / "column1_training"
    if not (run / "iterations.csv").is_file():
        pytest.skip(f"{run} is not in this checkout")
    out = tmp_path / "column1.png"
    assert cli.main(["plot", str(run), "-o", str(out)]) == 0
    assert out.read_bytes()[:8] == PNG


def test_a_folder_that_is_neither_kind_of_run_is_one_line_naming_both_files(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert cli.main(["plot", str(tmp_path / "empty"), "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "episodes.csv" in err and "iterations.csv" in err and "not a run directory" in err
    assert not (tmp_path / "x.png").exists()
