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

"""bench/fig4_imitation.py: four DAgger columns at one budget, scored greedily, resumable, ratios printed."""
import json
import shutil

import pytest

TINY = dict(iterations=2, steps_per_iteration=150, envs=2, updates_per_iteration=3, batch_episodes=2,
            pretrain_frames=100, pretrain_updates=2, aux_coef=50.0, max_frames=2000)


def test_trains_each_architecture_once_scores_it_and_reruns_without_training(load_bench, tmp_path, capsys):
    bench = load_bench("fig4_imitation")
    bench.SCALES["smoke"] = (TINY, 2)
    out = tmp_path / "f4"
    assert bench.main(["--out", str(out), "--threads", "1", "--no-progress"]) == 0
    first = capsys.readouterr().out
    numbers = json.loads((out / "fig4_imitation.json").read_text())
    assert set(numbers["scores"]) == {"wide-ff-s0", "narrow-ff-s0", "wide-lstm-s0", "narrow-lstm-s0"}
    assert numbers["env_steps_per_column"] == 100 + 2 * 150
    for name, score in numbers["scores"].items():
        assert bench.finished_iterations(out / name) == 2 and score["episodes"] == 2
        assert 0 <= score["mean"] <= 50
    # each run's checkpoint holds its own architecture
    from jaco_prog.nets.checkpoint import read_checkpoint
    for column, core, hidden in (("narrow", "ff", 32), ("wide", "lstm", 128)):
        spec = read_checkpoint(out / f"{column}-{core}-s0" / "checkpoint.pt")["spec"]["columns"][0]
        assert spec["core"] == core and spec["hidden"] == hidden
    assert set(numbers["ratios"]) == {"wide / narrow (ff)", "wide / narrow (lstm)", "LSTM / FF (wide)",
                                      "LSTM / FF (narrow)"}
    assert "figure:" in first and (out / "fig4_imitation.png").stat().st_size > 10_000
    trained = numbers["env_steps_trained"].values()   # whole episodes: a little over the budget
    assert "unequal budgets" not in first and 400 <= min(trained) and max(trained) <= 1.05 * min(trained)

    # a rerun trains nothing and scores from the cache: the same numbers
    assert bench.main(["--out", str(out), "--threads", "1", "--no-progress"]) == 0
    again = capsys.readouterr().out
    assert again.count("not re-run") == 4
    assert json.loads((out / "fig4_imitation.json").read_text())["scores"] == numbers["scores"]

    # kept as logs only (as under docs/): --plot-only redraws from iterations.csv and the cached scores
    logs = tmp_path / "logs"
    shutil.copytree(out, logs, ignore=shutil.ignore_patterns("checkpoint.pt"))
    assert bench.main(["--plot-only", "--out", str(logs)]) == 0
    assert json.loads((logs / "fig4_imitation.json").read_text())["scores"] == numbers["scores"]
    capsys.readouterr()

    # a second seed of one column: that column's number is the mean over its seeds, the ratios use it
    assert bench.main(["--out", str(out), "--threads", "1", "--no-progress", "--seed", "1",
                       "--columns", "narrow-ff"]) == 0
    both = json.loads((out / "fig4_imitation.json").read_text())
    narrow = both["columns"]["narrow-ff"]
    assert narrow["seeds"] == [0, 1] and both["columns"]["wide-ff"]["seeds"] == [0] and both["seeds"] == [0, 1]
    seed_means = [both["scores"][f"narrow-ff-s{seed}"]["mean"] for seed in (0, 1)]
    assert narrow["mean"] == pytest.approx(sum(seed_means) / 2)
    wide = both["columns"]["wide-ff"]["mean"]
    assert both["ratios"]["wide / narrow (ff)"] == (pytest.approx(wide / narrow["mean"]) if narrow["mean"] else None)
    assert "of 1 seeds" in capsys.readouterr().out   # wide-ff has seed 0 only: one seed shared


def test_plot_only_without_runs_is_a_one_line_error(load_bench, tmp_path, capsys):
    assert load_bench("fig4_imitation").main(["--plot-only", "--out", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "holds no DAgger runs" in err


def test_columns_trains_only_those_and_iterations_extends_a_finished_run(load_bench, tmp_path, capsys):
    bench = load_bench("fig4_imitation")
    bench.SCALES["smoke"] = (TINY, 2)
    out = tmp_path / "f4"
    assert bench.main(["--out", str(out), "--threads", "1", "--no-progress", "--columns", "narrow-ff"]) == 0
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["narrow-ff-s0"]
    assert bench.finished_iterations(out / "narrow-ff-s0") == 2
    assert bench.main(["--out", str(out), "--threads", "1", "--no-progress", "--columns", "narrow-ff",
                       "--iterations", "3"]) == 0
    assert bench.finished_iterations(out / "narrow-ff-s0") == 3
    assert json.loads((out / "fig4_imitation.json").read_text())["budget"]["iterations"] == 3
    capsys.readouterr()
    assert bench.main(["--plot-only", "--out", str(out)]) == 0   # the title's budget comes from the runs
    assert json.loads((out / "fig4_imitation.json").read_text())["budget"]["iterations"] == 3
    # a column trained fresh to 3 iterations beside the extended one (which refilled its data set): flagged
    assert bench.main(["--out", str(out), "--threads", "1", "--no-progress", "--columns", "wide-ff",
                       "--iterations", "3"]) == 0
    steps = json.loads((out / "fig4_imitation.json").read_text())["env_steps_trained"]
    assert steps["narrow-ff-s0"] > 1.5 * steps["wide-ff-s0"] and steps["wide-ff-s0"] >= 100 + 3 * 150
    assert "unequal budgets" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--out", str(out), "--columns", "huge-ff"])
    assert exit_info.value.code == 2 and "known: wide-ff" in capsys.readouterr().err
