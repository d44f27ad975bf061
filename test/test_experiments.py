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

"""The paper's experiments as studies (jaco_prog.experiments): the trials each study plans, the aggregation of
run directories into curves and numbers, the figures, and the bench scripts (plot-only on synthetic runs, one
tiny end-to-end run on the toy task)."""
from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

from jaco_prog.experiments import aggregate as agg
from jaco_prog.experiments import cli, figures, report, studies
from jaco_prog.experiments.studies import (PERTURBATION_PRESETS, TRANSFER_PRESETS, architectures_study,
                                           conveyor_study, load_study, sensitivity_study, transfer_study)
from jaco_prog.learning.logger import EPISODE_FIELDS
from jaco_prog.sweep.space import check_trials


def write_run(run_dir: Path, steps, returns) -> Path:
    """A synthetic run directory: episodes.csv with the logger's columns."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / "episodes.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(EPISODE_FIELDS)
        for i, (step, ret) in enumerate(zip(steps, returns)):
            w.writerow([int(step), 0.0, 0, i + 1, ret, 50, int(ret > 0), 0])
    return run_dir


@pytest.fixture
def ckpt(tmp_path):
    path = tmp_path / "col1.pt"
    path.write_bytes(b"not read when planning")
    return path


# ------------------------------------------------------------------------------------------------ studies

def by_label(study, **want):
    return [t for t in study.trials if all(study.labels[t.name].get(k) == v for k, v in want.items())]


def test_transfer_study_plans_every_method_preset_and_seed(ckpt):
    study = transfer_study(ckpt, presets=("real_proxy", "colour_small"), seeds=3, steps=1234, envs=4)
    check_trials(study.trials)  # names usable as run dirs, overrides are TrainConfig fields
    assert len(study.trials) == 2 * 6 * 3 and len(study.stages) == 1
    for t in study.trials:
        o = t.overrides
        assert o["algo"] == "a2c" and o["envs"] == 4 and o["total_steps"] == 1234 and o["task"] == "reach"
        assert o["preset"] == study.labels[t.name]["panel"] and o["seed"] == study.labels[t.name]["seed"]
    for preset in ("real_proxy", "colour_small"):
        prog = by_label(study, panel=preset, method="progressive")
        assert sorted(t.overrides["seed"] for t in prog) == [0, 1, 2]
        assert all(t.overrides["mode"] == "progressive" and t.overrides["column"] == "narrow"
                   and t.overrides["arch"] == "lstm" and t.overrides["from_checkpoint"] == str(ckpt.resolve())
                   for t in prog)
        fine = by_label(study, panel=preset, method="finetune")
        assert len(fine) == 3 and all(t.overrides["mode"] == "finetune" and t.overrides["from_checkpoint"]
                                      for t in fine)
        for method, column in (("scratch-narrow", "narrow"), ("scratch-wide", "wide")):
            runs = by_label(study, panel=preset, method=method)
            assert len(runs) == 3
            assert all(t.overrides["mode"] == "scratch" and t.overrides["column"] == column
                       and t.overrides["arch"] == "lstm" and "from_checkpoint" not in t.overrides for t in runs)
    full = transfer_study(ckpt, **{k: v for k, v in studies.SCALES["transfer"]["full"].items()})
    assert len(full.trials) == 5 * 6 * 5 and {t.overrides["total_steps"] for t in full.trials} == {60_000}
    assert {t.overrides["preset"] for t in full.trials} == set(TRANSFER_PRESETS)


def test_transfer_study_low_value_methods_only_change_the_value_weight(ckpt):
    study = transfer_study(ckpt, presets=("real_proxy",), seeds=2, steps=1000, extra={"value_coef": 0.3})
    check_trials(study.trials)
    for method in ("progressive", "finetune"):
        plain, low = by_label(study, method=method), by_label(study, method=f"{method}-low-value")
        assert len(plain) == len(low) == 2
        assert {t.overrides["value_coef"] for t in plain} == {0.3}          # --set applies to the others
        assert {t.overrides["value_coef"] for t in low} == {0.01}           # the method's own weight wins
        for a, b in zip(plain, low):
            assert {k: v for k, v in a.overrides.items() if k != "value_coef"} == \
                {k: v for k, v in b.overrides.items() if k != "value_coef"}


def test_sensitivity_study_pairs_log_uniform_samples_across_methods(ckpt):
    study = sensitivity_study(ckpt, presets=("colour_small", "perspective_large"), samples=40, steps=500)
    check_trials(study.trials)
    assert len(study.trials) == 2 * 2 * 40
    assert {t.overrides["mode"] for t in study.trials} == {"progressive", "finetune"}
    lrs = np.array([t.overrides["lr"] for t in study.trials])
    ents = np.array([t.overrides["entropy_coef"] for t in study.trials])
    assert lrs.min() >= 5e-5 and lrs.max() <= 5e-3 and ents.min() >= 1e-5 and ents.max() <= 1e-2
    # log-uniform: about as many samples below the geometric middle of the range as above it
    assert 0.25 < np.mean(np.log(lrs) < np.log(np.sqrt(5e-5 * 5e-3))) < 0.75
    for preset in ("colour_small", "perspective_large"):
        prog = {study.labels[t.name]["sample"]: t.overrides
                for t in by_label(study, panel=preset, method="progressive")}
        fine = {study.labels[t.name]["sample"]: t.overrides for t in by_label(study, panel=preset, method="finetune")}
        assert set(prog) == set(fine) == set(range(40))
        for i in range(40):
            assert (prog[i]["lr"], prog[i]["entropy_coef"], prog[i]["seed"]) == \
                   (fine[i]["lr"], fine[i]["entropy_coef"], fine[i]["seed"])
    again = sensitivity_study(ckpt, presets=("colour_small",), samples=40, steps=500)
    assert [t.overrides["lr"] for t in again.trials[:40]] == [t.overrides["lr"] for t in study.trials[:40]]
    assert len(sensitivity_study(ckpt, presets=PERTURBATION_PRESETS, samples=3).trials) == 4 * 2 * 3


def test_conveyor_study_third_column_starts_from_its_stage_one_column_two(ckpt, tmp_path):
    out = tmp_path / "conveyor"
    study = conveyor_study(ckpt, out, seeds=2, steps=700, column2_steps=900, arch="ff")
    check_trials(study.trials)
    stage1, stage2 = study.stages
    column2 = [t for t in stage1 if study.labels[t.name]["method"] == "column 2"]
    second = [t for t in stage1 if study.labels[t.name]["method"] == "2nd column"]
    assert len(column2) == len(second) == len(stage2) == 2 and len(stage1) == 4
    for t in column2:
        o = t.overrides
        assert (o["task"], o["preset"], o["mode"], o["column"], o["arch"], o["inputs"], o["total_steps"]) == \
               ("reach", "real_proxy", "progressive", "narrow", "lstm", "pixels+proprio", 900)
        assert o["from_checkpoint"] == str(ckpt.resolve())
    for t in second:
        o = t.overrides
        assert (o["task"], o["mode"], o["inputs"], o["arch"], o["column"]) == \
               ("conveyor", "progressive", "proprio", "ff", "narrow")
        assert o["from_checkpoint"] == str(ckpt.resolve())
    for t in stage2:
        o, seed = t.overrides, study.labels[t.name]["seed"]
        dependency = study.labels[t.name]["depends_on"]
        assert dependency == f"column2-reach-s{seed}" and dependency in {c.name for c in column2}
        assert o["from_checkpoint"] == str(out.resolve() / dependency / "checkpoint.pt")
        assert (o["task"], o["mode"], o["inputs"], o["seed"], o["total_steps"]) == \
               ("conveyor", "progressive", "proprio", seed, 700)


def test_architectures_study_is_wide_narrow_by_ff_lstm_from_scratch():
    study = architectures_study(seeds=3, steps=5000, envs=8)
    check_trials(study.trials)
    assert len(study.trials) == 2 * 2 * 3
    combos = {(t.overrides["arch"], t.overrides["column"]) for t in study.trials}
    assert combos == {("ff", "wide"), ("ff", "narrow"), ("lstm", "wide"), ("lstm", "narrow")}
    assert all(t.overrides["mode"] == "scratch" and t.overrides["preset"] is None and t.overrides["task"] == "reach"
               and "from_checkpoint" not in t.overrides for t in study.trials)


def test_study_round_trips_and_refuses_an_out_dir_planned_otherwise(ckpt, tmp_path):
    from jaco_prog.errors import UserError

    study = transfer_study(ckpt, presets=("real_proxy",), seeds=2, steps=1000)
    study.save(tmp_path)
    loaded = load_study(tmp_path)
    assert [(t.name, t.overrides) for t in loaded.trials] == [(t.name, t.overrides) for t in study.trials]
    assert loaded.labels == study.labels and loaded.params == study.params
    study.save(tmp_path)  # the same plan again: fine
    with pytest.raises(UserError, match="other settings"):
        transfer_study(ckpt, presets=("real_proxy",), seeds=2, steps=2000).save(tmp_path)
    os.utime(ckpt, ns=(1, 1))  # a fresh clone: same content, new mtime
    transfer_study(ckpt, presets=("real_proxy",), seeds=2, steps=1000).save(tmp_path)
    ckpt.write_bytes(b"column 1 trained again, under the same path")
    with pytest.raises(UserError, match="another version"):
        transfer_study(ckpt, presets=("real_proxy",), seeds=2, steps=1000).save(tmp_path)


# ---------------------------------------------------------------------------------------------- aggregation

def test_curves_on_a_grid_median_and_inter_quartile_band(tmp_path):
    steps = np.arange(100, 1100, 100)             # 10 episodes, one every 100 steps
    offsets = [0.0, 2.0, 4.0, 10.0]               # four seeds: returns = episode number + offset
    runs = [agg.RunData.load(write_run(tmp_path / f"s{i}", steps, np.arange(1, 11) + off))
            for i, off in enumerate(offsets)]
    grid = np.array([50.0, 150.0, 600.0, 1000.0, 1050.0])
    curves = agg.method_curves("m", runs, grid, window=1)
    # window 1: the raw returns, linear between episodes: at step 150 episode "1.5", at 600 episode 6
    expected_base = np.array([np.nan, 1.5, 6.0, 10.0, np.nan])
    np.testing.assert_allclose(curves.runs[0], expected_base)
    # four values b, b+2, b+4, b+10: median = b+3; 25th percentile at rank 0.75 -> b + 1.5; 75th at 2.25 -> b + 5.5
    np.testing.assert_allclose(curves.median, expected_base + 3.0)
    np.testing.assert_allclose(curves.q25, expected_base + 1.5)
    np.testing.assert_allclose(curves.q75, expected_base + 5.5)


def test_final_return_and_steps_to_threshold(tmp_path):
    steps = np.arange(100, 1100, 100)
    runs = [agg.RunData.load(write_run(tmp_path / f"r{off}", steps, np.arange(1, 11) + off), f"r{off}")
            for off in (0, 2, 4)]
    summary = agg.summarise("m", runs, threshold=5.5, window=1, final_window=3)
    # last 3 episodes: (8+9+10)/3 = 9, then 11 and 13
    assert summary.final == pytest.approx([9.0, 11.0, 13.0])
    assert summary.final_quartiles == pytest.approx((10.0, 11.0, 12.0))
    # first episode with return >= 5.5: episode 6 (step 600), 4 (400), 2 (200)
    assert summary.to_threshold == [600.0, 400.0, 200.0]
    assert summary.threshold_median == 400.0 and summary.reached == 3
    # two of three never reach 12.5 -> the median is "not reached"
    late = agg.summarise("m", runs, threshold=12.5, window=1, final_window=3)
    assert late.to_threshold[:2] == [math.inf, math.inf] and late.to_threshold[2] == 900.0
    assert math.isinf(late.threshold_median) and late.reached == 1
    assert late.to_dict()["steps_to_threshold_median"] == "not reached"
    assert agg.summary_row(late)[3] == "not reached"


def test_threshold_is_taken_on_the_filtered_curve_and_rows_are_sorted_by_step(tmp_path):
    # one lucky episode (a spike) in a run of zeros: a running median of 3 removes it; logged out of step
    # order, as A3C workers do
    run = agg.RunData.load(write_run(tmp_path / "spike", [300, 100, 200, 500, 400], [0, 0, 0, 0, 40]))
    assert list(run.steps) == [100, 200, 300, 400, 500] and list(run.returns) == [0, 0, 0, 40, 0]
    assert run.steps_to_threshold(30, window=1) == 400.0
    assert math.isinf(run.steps_to_threshold(30, window=3))


def test_a_run_that_starts_at_the_threshold_reads_at_start_not_as_a_learning_speed(tmp_path):
    # the column it starts from already scores ~30: the first filtered point is over the threshold
    run = agg.RunData.load(write_run(tmp_path / "warm", [50, 100, 150, 200, 250], [31, 33, 0, 32, 30]))
    assert run.steps_to_threshold(30, window=3) == 0.0
    assert run.steps_to_threshold(30, window=1) == 0.0
    assert agg.fmt_steps(run.steps_to_threshold(30, window=3)) == "at start"
    # a run that starts below and gets there later still reports the step
    late = agg.RunData.load(write_run(tmp_path / "late", [50, 100, 150, 200, 250], [0, 0, 33, 32, 30]))
    assert late.steps_to_threshold(30, window=3) == 150.0 and agg.fmt_steps(150.0) == "150"


def test_quartiles_with_runs_that_never_reach_and_markdown_table():
    assert agg.quartiles([1.0, 2.0, 3.0, 4.0, 5.0]) == (2.0, 3.0, 4.0)
    q25, q50, q75 = agg.quartiles([100.0, 200.0, math.inf, math.inf])
    assert q25 == 175.0 and math.isinf(q50) and math.isinf(q75)
    assert all(math.isnan(v) for v in agg.quartiles([]))
    table = agg.markdown_table(["a", "b"], [[1, "x|y"]])
    assert table == "| a | b |\n|---|---|\n| 1 | x\\|y |\n"
    assert math.isnan(agg.ratio(3.0, 0.0)) and agg.ratio(3.0, 2.0) == 1.5


# ----------------------------------------------------------------------------------------- reports, figures

def fill_transfer(study, out: Path, level: dict[str, float]) -> None:
    """Runs whose returns ramp from 0 to `level[method]` (+ seed) over 40 episodes, then stay there."""
    for t in study.trials:
        lab = study.labels[t.name]
        steps = np.arange(1, 81) * 50
        top = level[lab["method"]] + lab["seed"]
        write_run(out / t.name, steps, np.minimum(np.arange(1, 81) / 40, 1.0) * top)


def test_transfer_report_numbers_and_figure_from_synthetic_runs(ckpt, tmp_path):
    study = transfer_study(ckpt, presets=("real_proxy", "colour_large"), seeds=3, steps=4000)
    study.save(tmp_path)
    fill_transfer(study, tmp_path, {"progressive": 30.0, "finetune": 15.0, "scratch-narrow": 0.0,
                                    "scratch-wide": 5.0, "progressive-low-value": 30.0, "finetune-low-value": 20.0})
    rep = report.transfer_report(load_study(tmp_path), tmp_path, report.Options(final_window=20, threshold=25))
    assert rep.figure.stat().st_size > 10_000 and rep.table.is_file()
    data = json.loads(rep.numbers.read_text())
    s = data["summaries"]["real_proxy"]
    # final = plateau (the last 20 episodes are all on it): seeds 0, 1, 2 add 0, 1, 2 -> median 31
    assert s["progressive"]["final_median"] == pytest.approx(31.0)
    assert s["finetune"]["final_median"] == pytest.approx(16.0)
    assert data["ratios"]["real_proxy"]["progressive/finetune"] == pytest.approx(31 / 16)
    assert data["ratios"]["real_proxy"]["progressive/scratch-wide"] == pytest.approx(31 / 6)
    assert s["finetune"]["steps_to_threshold_median"] == "not reached"
    assert "| real_proxy |" in rep.table.read_text()


def test_transfer_report_divides_low_value_methods_only_by_each_other(ckpt, tmp_path):
    methods = ("progressive", "finetune", "progressive-low-value", "finetune-low-value")
    study = transfer_study(ckpt, presets=("real_proxy",), seeds=1, steps=4000, methods=methods)
    study.save(tmp_path)
    fill_transfer(study, tmp_path, {"progressive": 10.0, "finetune": 2.0, "progressive-low-value": 12.0,
                                    "finetune-low-value": 8.0})
    data = json.loads(report.transfer_report(load_study(tmp_path), tmp_path,
                                             report.Options(final_window=20)).numbers.read_text())
    assert data["ratios"]["real_proxy"] == {"progressive/finetune": pytest.approx(5.0),
                                            "progressive-low-value/finetune-low-value": pytest.approx(1.5)}


def test_transfer_report_of_one_method_has_no_empty_ratio_table(ckpt, tmp_path):
    study = transfer_study(ckpt, presets=("real_proxy", "colour_large"), seeds=1, steps=4000, methods=("progressive",))
    study.save(tmp_path)
    fill_transfer(study, tmp_path, {"progressive": 10.0})
    text = report.transfer_report(load_study(tmp_path), tmp_path, report.Options(final_window=20)).table.read_text()
    assert "| progressive | 1 | 10.00" in text and "ratios" not in text
    two = transfer_study(ckpt, presets=("real_proxy",), seeds=1, steps=4000, methods=("progressive", "finetune"))
    two.save(tmp_path)
    fill_transfer(two, tmp_path, {"progressive": 10.0, "finetune": 5.0})
    text = report.transfer_report(load_study(tmp_path), tmp_path, report.Options(final_window=20)).table.read_text()
    assert "### ratios" in text and "| real_proxy | 2.00x |" in text


def test_figures_are_written(tmp_path):
    grid = np.linspace(0, 1000, 50)
    runs = np.vstack([np.linspace(0, 30, 50) + k for k in range(3)])
    curves = [agg.MethodCurves("progressive", grid, runs), agg.MethodCurves("finetune", grid, runs / 2),
              agg.MethodCurves("scratch-wide", grid, np.empty((0, 50)))]
    out = figures.curves_figure({"real_proxy": curves, "colour_large": curves[:2]}, tmp_path / "c.png", "title",
                                "caption " * 60, threshold=30)
    assert out.stat().st_size > 10_000
    scores = {"colour_small": {"progressive": [{"final": 20.0 + i, "lr": 1e-4 * (i + 1)} for i in range(5)],
                               "finetune": [{"final": float(i), "lr": 1e-4 * (i + 1)} for i in range(5)]}}
    assert figures.sensitivity_figure(scores, tmp_path / "s.png", "t", "c", threshold=30).stat().st_size > 10_000
    rows = [{"label": "reach (training task)", "mean_return": 25.0, "stderr": 1.0, "success_rate": 0.9},
            {"label": "real_proxy", "mean_return": 5.0, "stderr": float("nan"), "success_rate": 0.2}]
    assert figures.zero_shot_figure(rows, tmp_path / "z.png", "t", "c").stat().st_size > 5_000


def test_bench_plot_only_paths_on_synthetic_runs(ckpt, tmp_path, capsys, load_bench):
    # sensitivity: progressive finals 20..29, finetune 0..9, paired by sample
    out = tmp_path / "sens"
    study = sensitivity_study(ckpt, presets=("colour_small",), samples=10, steps=2000)
    study.save(out)
    for t in study.trials:
        lab = study.labels[t.name]
        final = lab["sample"] + (20.0 if lab["method"] == "progressive" else 0.0)
        write_run(out / t.name, np.arange(1, 11) * 200, np.full(10, final))
    assert load_bench("fig6_sensitivity").main(["--plot-only", "--out", str(out)]) == 0
    data = json.loads((out / "fig6_sensitivity.json").read_text())["presets"]["colour_small"]
    assert data["progressive"]["median"] == pytest.approx(24.5) and data["finetune"]["median"] == pytest.approx(4.5)
    assert data["ratio_median_progressive_finetune"] == pytest.approx(24.5 / 4.5)
    assert data["p_progressive_beats_finetune"] == 1.0 and data["paired_wins_progressive"] == 10
    assert (out / "fig6_sensitivity.png").stat().st_size > 10_000

    assert "every run with" not in (out / "fig6_sensitivity.md").read_text()  # defaults only: nothing to state

    # --plot-only --presets draws part of a plan: a two-preset study, reported for one of them; its --set
    # overrides are stated beside the figure
    out = tmp_path / "sens2"
    study = sensitivity_study(ckpt, presets=("colour_small", "colour_large"), samples=3, steps=2000,
                              extra={"value_coef": 0.01, "n_steps": 10})
    study.save(out)
    for t in study.trials:
        write_run(out / t.name, np.arange(1, 11) * 200, np.full(10, 1.0))
    assert load_bench("fig6_sensitivity").main(["--plot-only", "--out", str(out)]) == 0
    assert set(json.loads((out / "fig6_sensitivity.json").read_text())["presets"]) == {"colour_small", "colour_large"}
    assert "every run with n_steps=10, value_coef=0.01." in (out / "fig6_sensitivity.md").read_text()
    assert load_bench("fig6_sensitivity").main(["--plot-only", "--out", str(out), "--presets", "colour_large"]) == 0
    assert set(json.loads((out / "fig6_sensitivity.json").read_text())["presets"]) == {"colour_large"}
    assert load_bench("fig6_sensitivity").main(["--plot-only", "--out", str(out), "--presets", "real_proxy"]) == 2
    assert "no panel 'real_proxy'" in capsys.readouterr().err

    # conveyor: 3rd column starts at 30, 2nd column ramps 0 -> 30 over 100 episodes
    out = tmp_path / "conv"
    study = conveyor_study(ckpt, out, seeds=2, steps=5000)
    study.save(out)
    for t in study.trials:
        method = study.labels[t.name]["method"]
        ramp = np.minimum(np.arange(100) / 50, 1.0) * 30
        write_run(out / t.name, np.arange(1, 101) * 50, np.full(100, 30.0) if method == "3rd column" else ramp)
    assert load_bench("fig7_conveyor").main(["--plot-only", "--out", str(out), "--window", "1",
                                             "--threshold", "29.9", "--final-window", "10"]) == 0
    data = json.loads((out / "fig7_conveyor.json").read_text())
    ramp_initial = float(np.mean(np.minimum(np.arange(20) / 50, 1.0) * 30))  # first 20 episodes of the ramp
    assert data["ratios"]["initial 3rd/2nd"] == pytest.approx(30.0 / ramp_initial)
    assert data["ratios"]["final 3rd/2nd"] == pytest.approx(1.0)
    # the ramp reaches 30 at episode 51 (step 2550); the 3rd column is there from its first episode, so a
    # speed-up would only measure the episode length: none is claimed, the text says "at start"
    assert data["ratios"]["steps to threshold 2nd/3rd"] is None
    assert "2nd column 2.5k, 3rd column at start" in (out / "fig7_conveyor.md").read_text()

    # architectures: wide finals 10, narrow 5 in both panels; lstm twice ff
    out = tmp_path / "arch"
    study = architectures_study(seeds=2, steps=1000)
    study.save(out)
    level = {("ff", "wide"): 10.0, ("ff", "narrow"): 5.0, ("lstm", "wide"): 20.0, ("lstm", "narrow"): 10.0}
    for t in study.trials:
        lab = study.labels[t.name]
        write_run(out / t.name, np.arange(1, 21) * 50, np.full(20, level[lab["panel"], lab["method"]]))
    assert load_bench("fig4_architectures").main(["--plot-only", "--out", str(out)]) == 0
    ratios = json.loads((out / "fig4_architectures.json").read_text())["ratios"]
    assert ratios["ff: wide/narrow"] == pytest.approx(2.0) and ratios["wide: lstm/ff"] == pytest.approx(2.0)
    printed = capsys.readouterr().out
    assert "fig4_architectures.png" in printed and "wide / narrow" in printed

    # zero-shot from cached score files
    out = tmp_path / "zs"
    (out / "scores").mkdir(parents=True)
    plan = {"checkpoint": str(ckpt), "episodes": 4, "conditions": [{"task": "reach", "preset": None},
                                                                   {"task": "reach", "preset": "real_proxy"}]}
    (out / "zero_shot_plan.json").write_text(json.dumps(plan))
    for name, returns in (("reach-default", [20.0, 30.0, 25.0, 25.0]), ("reach-real_proxy", [0.0, 10.0, 5.0, 5.0])):
        (out / "scores" / f"{name}.json").write_text(json.dumps(
            {"episodes": 4, "returns": returns, "mean_return": float(np.mean(returns)),
             "stderr": float(np.std(returns) / 2), "success_rate": float(np.mean(np.array(returns) > 0)),
             "violations": {}}))
    assert load_bench("zero_shot").main(["--plot-only", "--out", str(out)]) == 0
    scores = json.loads((out / "zero_shot.json").read_text())["scores"]
    assert scores[1]["ratio_to_training_task"] == pytest.approx(5.0 / 25.0)


def test_bench_scripts_refuse_a_missing_checkpoint_with_exit_2(tmp_path, capsys, load_bench):
    for name in ("fig5_transfer", "fig6_sensitivity", "fig7_conveyor", "zero_shot"):
        with pytest.raises(SystemExit) as exc:
            load_bench(name).main(["--checkpoint", str(tmp_path / "missing.pt"), "--out", str(tmp_path / name)])
        assert exc.value.code == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "missing.pt does not exist" in err
    assert load_bench("fig5_transfer").main(["--plot-only", "--out", str(tmp_path / "empty")]) == 2


def test_later_stages_run_after_their_dependencies_and_skip_failed_ones(ckpt, tmp_path, monkeypatch):
    """run_study runs stage by stage; a 3rd column whose column 2 failed is not started."""
    import jaco_prog.sweep as sweep
    from jaco_prog.sweep import TrialResult

    out = tmp_path / "conv"
    study = conveyor_study(ckpt, out, seeds=2, steps=100)
    calls = []

    def fake_run_trials(trials, out_dir, **kwargs):
        calls.append([t.name for t in trials])
        results = []
        for t in trials:
            failed = t.name == "column2-reach-s1"
            if not failed:
                if t.name.startswith("conveyor-3rd"):  # its dependency's checkpoint exists by now
                    assert Path(t.overrides["from_checkpoint"]).is_file()
                (Path(out_dir) / t.name).mkdir(parents=True)
                (Path(out_dir) / t.name / "checkpoint.pt").write_bytes(b"x")
            results.append(TrialResult(t.name, str(Path(out_dir) / t.name), "failed" if failed else "done",
                                       error="boom" if failed else None))
        return results

    monkeypatch.setattr(sweep, "run_trials", fake_run_trials)
    results = cli.run_study(study, out, progress=False)
    assert calls == [["column2-reach-s0", "column2-reach-s1", "conveyor-2nd-column-s0", "conveyor-2nd-column-s1"],
                     ["conveyor-3rd-column-s0"]]
    assert {r.name: r.status for r in results}["column2-reach-s1"] == "failed"
    assert (out / studies.STUDY_FILE).is_file()


def test_fig5_end_to_end_on_the_toy_task(tmp_path, capsys, load_bench):
    """Two tiny trials through the real sweep engine, then the report; a rerun trains nothing."""
    from jaco_prog.learning import TrainConfig, train

    col1 = train(TrainConfig(task="toy", algo="a2c", envs=4, total_steps=200, column="narrow", arch="ff",
                             progress=False, run_dir=str(tmp_path / "col1")))
    out = tmp_path / "fig5"
    argv = ["--task", "toy", "--checkpoint", str(col1), "--out", str(out), "--steps", "200", "--seeds", "1",
            "--presets", "real_proxy", "--methods", "progressive,finetune", "--no-progress"]
    bench = load_bench("fig5_transfer")
    assert bench.main(argv) == 0
    printed = capsys.readouterr().out
    assert "fig5_transfer.png" in printed and "progressive / finetune" in printed
    data = json.loads((out / "fig5_transfer.json").read_text())
    assert data["runs_found"] == 2 and data["params"]["envs"] == 1   # one env per agent, as on one robot
    assert {t.overrides["envs"] for t in load_study(out).trials} == {1}
    for method in ("progressive", "finetune"):
        assert (out / f"real_proxy-{method}-s0" / "checkpoint.pt").is_file()
        assert data["summaries"]["real_proxy"][method]["final_median"] > 0
    assert bench.main(argv) == 0  # finished trials are read back, not re-run
    assert "wall time" in capsys.readouterr().out


def test_only_trains_the_matching_trials_and_plans_the_whole_study(ckpt, tmp_path, monkeypatch):
    """--only splits a study across machines: run_study trains the matching trials, study.json has them all."""
    import jaco_prog.sweep as sweep
    from jaco_prog.errors import UserError

    study = sensitivity_study(ckpt, presets=("colour_small", "colour_large"), samples=3, steps=100)
    trained = []
    monkeypatch.setattr(sweep, "run_trials", lambda trials, out_dir, **kw: trained.extend(t.name for t in trials) or [])
    cli.run_study(study, tmp_path, progress=False, only="colour_large-*-h00[12], colour_small-finetune-h000")
    assert trained == ["colour_small-finetune-h000", "colour_large-progressive-h001", "colour_large-progressive-h002",
                       "colour_large-finetune-h001", "colour_large-finetune-h002"]
    assert len(load_study(tmp_path).trials) == 2 * 2 * 3
    with pytest.raises(UserError, match="matches none"):
        cli.run_study(study, tmp_path / "other", progress=False, only="real_proxy-*")
    assert not (tmp_path / "other").exists()


def test_only_is_refused_with_plot_only(tmp_path, capsys, load_bench):
    assert load_bench("fig6_sensitivity").main(["--plot-only", "--only", "", "--out", str(tmp_path)]) == 2
    assert "with --plot-only nothing is trained" in capsys.readouterr().err


def test_only_runs_a_later_stage_only_from_a_finished_dependency(ckpt, tmp_path, monkeypatch):
    """--only 'conveyor-3rd-*': a 3rd column starts only from a column 2 that trained its whole budget."""
    import torch

    import jaco_prog.sweep as sweep
    from jaco_prog.nets.checkpoint import FORMAT, FORMAT_VERSION

    out = tmp_path / "conv"
    study = conveyor_study(ckpt, out, seeds=2, steps=100)
    trained = []
    monkeypatch.setattr(sweep, "run_trials", lambda trials, out_dir, **kw: trained.extend(t.name for t in trials) or [])
    for seed, step in ((0, 100), (1, 60)):  # column 2 of seed 1 was interrupted at step 60
        (out / f"column2-reach-s{seed}").mkdir(parents=True)
        torch.save({"format": FORMAT, "format_version": FORMAT_VERSION, "counters": {"global_step": step}},
                   out / f"column2-reach-s{seed}" / "checkpoint.pt")
    cli.run_study(study, out, progress=False, only="conveyor-3rd-*")
    assert trained == ["conveyor-3rd-column-s0"]


def test_a_set_value_is_stated_only_where_every_run_has_it(ckpt, tmp_path):
    study = transfer_study(ckpt, presets=("real_proxy",), seeds=1, steps=1000,
                           methods=("progressive", "progressive-low-value"), extra={"value_coef": 0.2, "n_steps": 10})
    assert report._runs_note(study, {}) == "0 of 2 planned runs have episodes; every run with n_steps=10"


def test_compare_transfer_draws_one_method_of_two_studies_under_labels_of_its_own(ckpt, tmp_path, capsys, load_bench):
    low, high = tmp_path / "lr-low", tmp_path / "lr-high"
    for out, level in ((low, 20.0), (high, 10.0)):     # the same method, as if trained with two --set lr values
        study = transfer_study(ckpt, presets=("real_proxy",), seeds=2, steps=4000, methods=("progressive",))
        study.save(out)
        fill_transfer(study, out, {"progressive": level})
    compare = load_bench("compare_transfer")
    out = tmp_path / "compared"
    assert compare.main(["--out", str(out), "--final-window", "20",
                         f"lr 1e-4={low}:progressive", f"lr 1e-3={high}:progressive"]) == 0
    assert "lr 1e-4 20.50, lr 1e-3 10.50" in capsys.readouterr().out    # medians of seeds 0, 1 (+0, +1)
    data = json.loads((out / "fig5_transfer.json").read_text())["summaries"]["real_proxy"]
    assert data["lr 1e-4"]["final_per_run"] == [20.0, 21.0] and data["lr 1e-3"]["runs"] == 2
    assert (out / "real_proxy-lr_1e-4-s1").resolve() == (low / "real_proxy-progressive-s1").resolve()
    # rebuilt with other arms: stale links go, the source runs stay; a study's own out dir and bad arms are refused
    assert compare.main(["--out", str(out), f"only={high}:progressive"]) == 0
    assert not (out / "real_proxy-lr_1e-4-s1").exists() and (low / "real_proxy-progressive-s1").is_dir()
    assert compare.main(["--out", str(low), f"x={high}:progressive"]) == 2
    assert compare.main(["--out", str(out), f"x={high}:finetune"]) == 2
    assert compare.main(["--out", str(out), f"{high}:progressive"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and "own runs" in err[0] and "no runs of method 'finetune'" in err[1] and "LABEL=" in err[2]


def test_a_figure_says_how_many_of_its_runs_were_resumed(ckpt, tmp_path):
    """A resumed run restarted its environments, so it will not match an uninterrupted rerun of its seed."""
    from jaco_prog.experiments.aggregate import RunData
    from jaco_prog.learning.episode_log import record_resume
    (tmp_path / "episodes.csv").write_text("global_step,wall_time,worker,episode,return,length,success,terminated\n"
                                           "10,0,0,1,2,10,1,0\n")
    assert RunData.load(tmp_path).resumed_at == ()
    record_resume(tmp_path, 500, 0.0)
    assert RunData.load(tmp_path).resumed_at == (500,)
    study = transfer_study(ckpt, presets=("real_proxy",), seeds=2, steps=1000, methods=("progressive",))
    runs = {t.name: RunData(t.name, np.array([10.0]), np.array([1.0]), resumed_at=steps)
            for t, steps in zip(study.trials, ((), (500,)))}
    assert report._runs_note(study, runs) == "2 of 2 planned runs have episodes (1 resumed from a checkpoint)"
    runs[study.trials[1].name].resumed_at = ()
    assert report._runs_note(study, runs) == "2 of 2 planned runs have episodes"


def test_compare_transfer_presets_draws_only_those_panels(ckpt, tmp_path, capsys, load_bench):
    wide = tmp_path / "two-presets"
    study = transfer_study(ckpt, presets=("real_proxy", "colour_large"), seeds=1, steps=4000, methods=("progressive",))
    study.save(wide)
    fill_transfer(study, wide, {"progressive": 5.0})
    compare = load_bench("compare_transfer")
    out = tmp_path / "compared"
    assert compare.main(["--out", str(out), "--presets", "colour_large", f"p={wide}:progressive"]) == 0
    data = json.loads((out / "fig5_transfer.json").read_text())
    assert list(data["summaries"]) == ["colour_large"] and data["params"]["presets"] == ["colour_large"]
    capsys.readouterr()
    assert compare.main(["--out", str(out), "--presets", "perspective_large", f"p={wide}:progressive"]) == 2
    assert "no runs of 'progressive' on perspective_large" in capsys.readouterr().err


# ------------------------------------------------------------------- transfer protocol (issue 26)

def test_robot_side_studies_run_one_env_per_agent_and_their_figures_say_so(ckpt, tmp_path):
    """A real robot is one environment: 60 k steps are 60 k / n_steps updates on one stream of experience."""
    from jaco_prog.train_settings import TrainConfig

    n_steps = TrainConfig().n_steps
    planned = [transfer_study(ckpt, presets=("real_proxy",), seeds=1, steps=6000),
               sensitivity_study(ckpt, presets=("colour_small",), samples=2, steps=6000),
               conveyor_study(ckpt, tmp_path / "conv", seeds=1, steps=6000)]
    for study in planned:
        assert {t.overrides["envs"] for t in study.trials} == {1}, study.name
        assert study.params["envs"] == 1 and study.params["updates_per_run"] == 6000 // n_steps
    for name in ("transfer", "sensitivity", "conveyor"):
        assert {scale["envs"] for scale in studies.SCALES[name].values()} == {1}
    assert transfer_study(ckpt, presets=("real_proxy",), seeds=1, steps=6000,
                          extra={"n_steps": 10}).params["updates_per_run"] == 600

    study = planned[0]
    study.save(tmp_path / "one")
    fill_transfer(study, tmp_path / "one", {m: 10.0 for m in study.methods})
    text = report.transfer_report(study, tmp_path / "one").table.read_text()
    assert f"on one env per agent (one robot's stream), {6000 // n_steps:,} updates of {n_steps} steps" in text
    four = transfer_study(ckpt, presets=("real_proxy",), seeds=1, steps=6000, envs=4, methods=("progressive",))
    four.save(tmp_path / "four")
    text = report.transfer_report(four, tmp_path / "four").table.read_text()
    assert f"A2C with 4 envs, {6000 // (4 * n_steps):,} updates of {n_steps} steps x 4 envs" in text


def test_a_learning_rate_sweep_gives_every_method_the_same_budget_and_compares_each_at_its_best(ckpt, tmp_path):
    from jaco_prog.errors import UserError

    study = transfer_study(ckpt, presets=("real_proxy",), seeds=2, steps=4000, methods=("progressive", "finetune"),
                           lrs=[1e-4, 1e-3])
    check_trials(study.trials)
    assert len(study.trials) == 2 * 2 * 2
    for method in ("progressive", "finetune"):
        assert sorted((t.overrides["lr"], t.overrides["seed"]) for t in by_label(study, method=method)) == \
            [(1e-4, 0), (1e-4, 1), (1e-3, 0), (1e-3, 1)]
    budget = studies.tuning_budget(study)["real_proxy"]
    assert budget["progressive"] == budget["finetune"] == {"lr_samples": 2, "lrs": [1e-4, 1e-3], "seeds": 2,
                                                           "runs": 4}
    assert studies.unequal_budgets(studies.tuning_budget(study)) == []
    with pytest.raises(UserError, match="swept"):
        transfer_study(ckpt, presets=("real_proxy",), seeds=1, lrs=[1e-4], extra={"lr": 3e-4})

    out = tmp_path / "sweep"
    study.save(out)
    best = {("progressive", 1e-3): 30.0, ("progressive", 1e-4): 10.0, ("finetune", 1e-4): 20.0,
            ("finetune", 1e-3): 2.0}
    for t in study.trials:
        lab = study.labels[t.name]
        write_run(out / t.name, np.arange(1, 41) * 50, np.full(40, best[lab["method"], lab["lr"]] + lab["seed"]))
    rep = report.transfer_report(load_study(out), out, report.Options(final_window=20))
    data = json.loads(rep.numbers.read_text())
    assert data["best_lr"] == {"real_proxy": {"progressive": 1e-3, "finetune": 1e-4}}
    s = data["summaries"]["real_proxy"]
    assert s["progressive"]["final_median"] == pytest.approx(30.5) and s["progressive"]["runs"] == 2
    assert s["finetune"]["final_median"] == pytest.approx(20.5)
    assert data["ratios"]["real_proxy"]["progressive/finetune"] == pytest.approx(30.5 / 20.5)
    assert data["final_median_per_lr"]["real_proxy"]["finetune"] == {"0.0001": 20.5, "0.001": 2.5}
    assert data["tuning_budget"]["equal"] is True and not any(line.startswith("warning") for line in rep.lines)
    assert "best lr (of 2 each, median final over seeds): progressive 0.001, finetune 0.0001" in "\n".join(rep.lines)

    # a finetuned run that never logged an episode: the methods' budgets in the runs found differ, and say so
    (out / "real_proxy-finetune-lr0.001-s1" / "episodes.csv").unlink()
    rep = report.transfer_report(load_study(out), out, report.Options(final_window=20))
    data = json.loads(rep.numbers.read_text())
    assert data["tuning_budget"]["equal"] is False
    assert data["tuning_budget"]["found"]["real_proxy"]["finetune"]["runs"] == 3
    assert any(line.startswith("warning: methods compared at unequal tuning budgets (runs found")
               for line in rep.lines)
    assert "unequal tuning budgets" in rep.table.read_text()


def test_compare_transfer_refuses_arms_tuned_with_unequal_budgets(ckpt, tmp_path, capsys, load_bench):
    swept, single = tmp_path / "swept", tmp_path / "single"
    study = transfer_study(ckpt, presets=("real_proxy",), seeds=2, steps=4000, methods=("finetune",),
                           lrs=[1e-4, 1e-3])
    study.save(swept)
    fill_transfer(study, swept, {"finetune": 10.0})
    study = transfer_study(ckpt, presets=("real_proxy",), seeds=2, steps=4000, methods=("progressive",))
    study.save(single)
    fill_transfer(study, single, {"progressive": 12.0})
    compare = load_bench("compare_transfer")
    out = tmp_path / "compared"
    arms = [f"finetune best of 2 lrs={swept}:finetune", f"progressive={single}:progressive"]
    assert compare.main(["--out", str(out), *arms]) == 2
    assert "unequal budgets" in capsys.readouterr().err and not (out / "fig5_transfer.json").exists()
    assert compare.main(["--out", str(out), "--allow-unequal-budget", *arms]) == 0
    assert "warning: unequal tuning budgets" in capsys.readouterr().err
    data = json.loads((out / "fig5_transfer.json").read_text())
    assert data["tuning_budget"]["equal"] is False
    assert data["tuning_budget"]["planned"]["real_proxy"]["finetune best of 2 lrs"]["lr_samples"] == 2
    assert data["best_lr"]["real_proxy"]["finetune best of 2 lrs"] in (1e-4, 1e-3)
    assert (out / "real_proxy-finetune_best_of_2_lrs-lr0.0001-s0").is_dir()
    # the same budget (one lr, two seeds each): drawn without a word
    assert compare.main(["--out", str(out), f"a={single}:progressive", f"b={single}:progressive"]) == 0
    assert "warning" not in capsys.readouterr().err
    assert json.loads((out / "fig5_transfer.json").read_text())["tuning_budget"]["equal"] is True


def test_each_resume_of_a_study_trial_is_logged_and_counted_in_its_report(ckpt, tmp_path, monkeypatch):
    """A rerun that continues an interrupted trial appends (time, trial, step) to <out>/resumes.csv, also when
    the rerun is itself interrupted; the report counts them."""
    import csv

    import jaco_prog.sweep as sweep
    from jaco_prog.learning.episode_log import record_resume
    from jaco_prog.sweep import TrialResult

    out = tmp_path / "fig5"
    study = transfer_study(ckpt, presets=("real_proxy",), seeds=2, steps=4000, methods=("progressive",))
    first, second = (t.name for t in study.trials)
    for name in (first, second):
        (out / name).mkdir(parents=True)
    record_resume(out / first, 1000, 0.0)   # a resume before this study logged anything: not this rerun's

    def resumed(name, step, interrupt=False):
        def fake_run_trials(trials, out_dir, **kwargs):
            record_resume(Path(out_dir) / name, step, 1.8e9)  # what train() records when it resumes
            if interrupt:
                raise KeyboardInterrupt
            return [TrialResult(t.name, str(Path(out_dir) / t.name), "done") for t in trials]
        return fake_run_trials

    monkeypatch.setattr(sweep, "run_trials", resumed(first, 2000))
    cli.run_study(study, out, progress=False)
    monkeypatch.setattr(sweep, "run_trials", resumed(second, 3000, interrupt=True))
    with pytest.raises(KeyboardInterrupt):
        cli.run_study(study, out, progress=False)
    with open(out / studies.RESUMES_LOG, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["trial"], r["step"]) for r in rows] == [(first, "2000"), (second, "3000")]
    assert rows[0]["time"].startswith("2027-01-15T")          # 1.8e9 s after the epoch, UTC
    fill_transfer(study, out, {"progressive": 5.0})
    rep = report.transfer_report(load_study(out), out)
    assert json.loads(rep.numbers.read_text())["resumes"] == {"logged": 2, "by_trial": {first: [2000],
                                                                                        second: [3000]},
                                                              "runs_resumed": 2}  # from the run dirs' own records
    assert "2 resume(s) logged in resumes.csv" in rep.table.read_text()


def test_output_lr_scale_sweep_adds_each_transfer_method_at_each_scale(ckpt, tmp_path):
    """Fig. 5 compares a transfer method with its new column's output layer at 10x the learning rate (issue 26's
    lead) against the same method at 1x; scratch methods have no column to start from and run once."""
    from jaco_prog.errors import UserError
    from jaco_prog.learning.config import load_train_config
    from jaco_prog.paths import config_path

    study = transfer_study(ckpt, presets=("real_proxy",), seeds=2, steps=4000,
                           methods=("progressive", "finetune", "scratch-narrow"), output_lr_scales=[1, 10])
    check_trials(study.trials)
    assert study.methods == ["progressive", "progressive-out10x", "finetune", "finetune-out10x", "scratch-narrow"]
    assert len(study.trials) == 5 * 2
    assert [t.name for t in by_label(study, method="progressive")] == ["real_proxy-progressive-s0",
                                                                       "real_proxy-progressive-s1"]
    for t in study.trials:
        scaled = study.labels[t.name]["method"].endswith("-out10x")
        assert t.overrides.get("output_lr_scale", 1.0) == (10.0 if scaled else 1.0)
        load_train_config([config_path("train.yaml")], t.overrides).validate()  # A2C from column 1: accepted
    with pytest.raises(UserError, match="scratch methods"):
        transfer_study(ckpt, presets=("real_proxy",), seeds=1, extra={"output_lr_scale": 10.0})
    with pytest.raises(UserError, match="swept"):
        transfer_study(ckpt, presets=("real_proxy",), seeds=1, methods=("progressive",), output_lr_scales=[10],
                       extra={"output_lr_scale": 5.0})

    study.save(tmp_path)
    fill_transfer(study, tmp_path, {"progressive": 10.0, "progressive-out10x": 15.0, "finetune": 8.0,
                                    "finetune-out10x": 4.0, "scratch-narrow": 1.0})
    ratios = json.loads(report.transfer_report(load_study(tmp_path), tmp_path, report.Options(final_window=20))
                        .numbers.read_text())["ratios"]["real_proxy"]
    assert ratios["progressive-out10x/progressive"] == pytest.approx(15.5 / 10.5)
    assert ratios["progressive-out10x/finetune-out10x"] == pytest.approx(15.5 / 4.5)
    assert ratios["progressive-out10x/scratch-narrow"] == pytest.approx(15.5 / 1.5)
    assert ratios["progressive/finetune"] == pytest.approx(10.5 / 8.5)


def test_fig5_output_lr_scale_end_to_end_on_the_toy_task(tmp_path, load_bench):
    from jaco_prog.learning import TrainConfig, train
    from jaco_prog.nets import read_checkpoint

    col1 = train(TrainConfig(task="toy", algo="a2c", envs=2, total_steps=100, column="narrow", arch="ff",
                             progress=False, run_dir=str(tmp_path / "col1")))
    out = tmp_path / "fig5"
    assert load_bench("fig5_transfer").main(
        ["--task", "toy", "--checkpoint", str(col1), "--out", str(out), "--steps", "100", "--seeds", "1",
         "--presets", "real_proxy", "--methods", "progressive", "--output-lr-scale", "1,10", "--no-progress"]) == 0
    assert read_checkpoint(out / "real_proxy-progressive-out10x-s0")["config"]["output_lr_scale"] == 10.0
    assert read_checkpoint(out / "real_proxy-progressive-s0")["config"]["output_lr_scale"] == 1.0
    data = json.loads((out / "fig5_transfer.json").read_text())
    assert "progressive-out10x/progressive" in data["ratios"]["real_proxy"]


def test_column1_compares_dagger_with_rl_from_scratch_and_pretrained_dagger_at_the_same_steps(tmp_path):
    """jaco_prog.experiments.column1 (bench/column1.py) on synthetic runs: DAgger's student returns 1.5 per
    1000 steps, the pretrained run 2 more at 500 steps later, A2C a flat 5."""
    import yaml

    from jaco_prog.errors import UserError
    from jaco_prog.experiments import column1

    for name, shift, offset in (("dagger", 0, 0.0), ("dagger-pretrained", 500, 2.0)):
        run = tmp_path / name
        run.mkdir()
        (run / "iterations.csv").write_text("iteration,env_steps,student_episodes,student_mean_return\n" + "".join(
            f"{i},{i * 1000 + shift},{int(i > 1)},{1.5 * i + offset}\n" for i in range(1, 11)))  # 1: teacher only
        (run / "config.yaml").write_text(yaml.safe_dump({"imitation": {"iterations": 10}}))
    write_run(tmp_path / "a2c", np.arange(1, 401) * 25, np.full(400, 5.0))
    result = column1.compare(column1.RecipeRuns.under(tmp_path), tmp_path)
    n = result.numbers
    assert (n["steps_compared"], n["dagger_return"]) == (10_000, 15.0) and n["rl_return"] == pytest.approx(5.0)
    assert n["ratio_dagger_over_rl"] == pytest.approx(3.0)
    # the pretrained run's last five iterations within plain DAgger's steps (5.5 k .. 9.5 k) against plain
    # DAgger interpolated there
    assert n["pretrained_steps_compared"] == [5500.0, 9500.0] and n["pretrained_return"] == pytest.approx(12.5)
    assert n["plain_return_at_same_steps"] == pytest.approx(11.25)
    assert json.loads((tmp_path / "column1.json").read_text()) == n and result.figure.stat().st_size > 10_000
    assert result.lines == ["at 10,000 env steps: DAgger 15.00, RL from scratch 5.00 -> ratio 3.0x",
                            "mean over 5,500-9,500 env steps: DAgger after encoder pretraining 12.50, plain "
                            "DAgger 11.25 -> ratio 1.11x"]
    with pytest.raises(UserError, match="dagger does not exist"):
        column1.compare(column1.RecipeRuns.under(tmp_path / "none"), tmp_path / "none")
