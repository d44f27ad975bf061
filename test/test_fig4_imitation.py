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

"""jaco_prog.experiments.fig4_imitation (bench/fig4_imitation.py): four DAgger columns at one budget, scored
greedily, resumable, ratios reported."""
import json
import shutil

import pytest

from jaco_prog.errors import UserError
from jaco_prog.experiments import fig4_imitation as fig4

TINY = dict(iterations=2, steps_per_iteration=150, envs=2, updates_per_iteration=3, batch_episodes=2,
            pretrain_frames=100, pretrain_updates=2, aux_coef=50.0, max_frames=2000)


def run(out, budget=TINY, **options):
    """What bench/fig4_imitation.py does with one thread, no progress bar and 2 held-out episodes."""
    return fig4.run(out, budget, 2, threads=1, progress=False, **options)


def test_trains_each_architecture_once_scores_it_and_reruns_without_training(tmp_path, capsys):
    out = tmp_path / "f4"
    first = run(out)
    numbers = json.loads((out / "fig4_imitation.json").read_text())
    assert numbers == json.loads(json.dumps(first.numbers))
    assert set(numbers["scores"]) == {"wide-ff-s0", "narrow-ff-s0", "wide-lstm-s0", "narrow-lstm-s0"}
    assert numbers["env_steps_per_column"] == 100 + 2 * 150
    for name, score in numbers["scores"].items():
        assert fig4.finished_iterations(out / name) == 2 and score["episodes"] == 2
        assert 0 <= score["mean"] <= 50
    # each run's checkpoint holds its own architecture
    from jaco_prog.nets.checkpoint import read_checkpoint
    for column, core, hidden in (("narrow", "ff", 32), ("wide", "lstm", 128)):
        spec = read_checkpoint(out / f"{column}-{core}-s0" / "checkpoint.pt")["spec"]["columns"][0]
        assert spec["core"] == core and spec["hidden"] == hidden
    assert set(numbers["ratios"]) == {"wide / narrow (ff)", "wide / narrow (lstm)", "LSTM / FF (wide)",
                                      "LSTM / FF (narrow)"}
    assert first.figure == out / "fig4_imitation.png" and first.figure.stat().st_size > 10_000
    assert sum(line.startswith("wide / narrow (ff): ") for line in first.lines) == 1
    trained = numbers["env_steps_trained"].values()   # whole episodes: a little over the budget
    assert not any("unequal budgets" in line for line in first.lines)
    assert 400 <= min(trained) and max(trained) <= 1.05 * min(trained)

    # a rerun trains nothing and scores from the cache: the same numbers
    capsys.readouterr()
    run(out)
    assert capsys.readouterr().out.count("not re-run") == 4
    assert json.loads((out / "fig4_imitation.json").read_text())["scores"] == numbers["scores"]

    # kept as logs only (as under docs/): a redraw without training works from iterations.csv and the cached
    # scores
    logs = tmp_path / "logs"
    shutil.copytree(out, logs, ignore=shutil.ignore_patterns("checkpoint.pt"))
    run(logs, train=False, budget_from_runs=True)
    assert json.loads((logs / "fig4_imitation.json").read_text())["scores"] == numbers["scores"]

    # a second seed of one column: that column's number is the mean over its seeds, the ratios use it
    again = run(out, seed=1, columns=["narrow-ff"])
    both = json.loads((out / "fig4_imitation.json").read_text())
    narrow = both["columns"]["narrow-ff"]
    assert narrow["seeds"] == [0, 1] and both["columns"]["wide-ff"]["seeds"] == [0] and both["seeds"] == [0, 1]
    seed_means = [both["scores"][f"narrow-ff-s{seed}"]["mean"] for seed in (0, 1)]
    assert narrow["mean"] == pytest.approx(sum(seed_means) / 2)
    wide = both["columns"]["wide-ff"]["mean"]
    assert both["ratios"]["wide / narrow (ff)"] == (pytest.approx(wide / narrow["mean"]) if narrow["mean"] else None)
    assert any("of 1 seeds" in line for line in again.lines)   # wide-ff has seed 0 only: one seed shared


def test_plot_only_without_runs_is_a_one_line_error(tmp_path):
    with pytest.raises(UserError, match="holds no DAgger runs") as err:
        run(tmp_path / "empty", train=False, budget_from_runs=True)
    assert "\n" not in str(err.value)


def test_columns_trains_only_those_and_iterations_extends_a_finished_run(tmp_path):
    out = tmp_path / "f4"
    run(out, columns=["narrow-ff"])
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["narrow-ff-s0"]
    assert fig4.finished_iterations(out / "narrow-ff-s0") == 2
    run(out, dict(TINY, iterations=3), columns=["narrow-ff"])
    assert fig4.finished_iterations(out / "narrow-ff-s0") == 3
    assert json.loads((out / "fig4_imitation.json").read_text())["budget"]["iterations"] == 3
    run(out, train=False, budget_from_runs=True)   # the title's budget comes from the runs
    assert json.loads((out / "fig4_imitation.json").read_text())["budget"]["iterations"] == 3
    # a column trained fresh to 3 iterations beside the extended one (which refilled its data set): flagged
    flagged = run(out, dict(TINY, iterations=3), columns=["wide-ff"])
    steps = json.loads((out / "fig4_imitation.json").read_text())["env_steps_trained"]
    assert steps["narrow-ff-s0"] > 1.5 * steps["wide-ff-s0"] and steps["wide-ff-s0"] >= 100 + 3 * 150
    assert flagged.lines[0].startswith("warning: the runs trained unequal budgets")
    with pytest.raises(UserError, match="known: wide-ff"):
        fig4.chosen_columns("huge-ff")
    assert fig4.chosen_columns(" wide-ff, narrow-lstm") == ["wide-ff", "narrow-lstm"]
    assert fig4.scale(False, iterations=7) == (dict(fig4.SMOKE, iterations=7), 20)
    assert fig4.scale(True, episodes=5) == (fig4.FULL, 5)
