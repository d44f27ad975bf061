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

"""The column-1 diagnostics in bench/: value-output check and target-localisation probe."""
import re

import numpy as np
import pytest

from jaco_prog.learning.imitation import discounted_returns
from jaco_prog.sim.task_config import load_task_config

CONSTANT_VALUE = 100.0


def _constant_value(net):
    net.columns[0].output.weight[-1].zero_()
    net.columns[0].output.bias[-1] = CONSTANT_VALUE


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory, save_narrow_column):
    """A narrow LSTM column 1 whose value output is the constant CONSTANT_VALUE."""
    return save_narrow_column(tmp_path_factory.mktemp("ckpt"), _constant_value)


def test_discounted_return_runs_backwards_from_a_terminal_end():
    assert np.allclose(discounted_returns([0.0, 1.0, 1.0], 0.5), [0.75, 1.5, 1.0])


def test_value_check_reads_the_output_layers_value(checkpoint, capsys, load_bench):
    assert load_bench("column1_value").main(["--checkpoint", str(checkpoint), "--episodes", "2"]) == 0
    out = capsys.readouterr().out
    assert f"value: mean {CONSTANT_VALUE:.2f}" in out
    mean_return = float(out.split("return per step: mean ")[1].split(",")[0])
    rms = float(out.split("RMS error ")[1].split()[0].rstrip(";"))
    assert rms >= CONSTANT_VALUE - mean_return - 0.01   # the value misses every return by about this much


def test_rms_error_is_the_euclidean_distance_in_cm(load_bench):
    probe = load_bench("column1_perception")
    assert probe.rms_cm(np.zeros((2, 3)), np.array([[0.03, 0.04, 0.0], [0.0, 0.0, 0.05]])) == pytest.approx(5.0)


def test_perception_probe_reports_every_readout_against_the_centre_guess(checkpoint, capsys, load_bench):
    probe = load_bench("column1_perception")
    assert probe.main(["--checkpoint", str(checkpoint), "--frames", "24", "--epochs", "1",
                       "--max-random-steps", "2", "--no-progress"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {line[:34].strip(): line[34:].split() for line in lines if line[:34].strip() in (
        "guess the area's centre", "shipped features + MLP readout", "fresh encoder + MLP readout")}
    assert len(rows) == 3 and rows["guess the area's centre"][1] == "1.00"
    for err, ratio in rows.values():
        assert float(err) > 0 and float(ratio) == pytest.approx(float(err) / float(rows["guess the area's centre"][0]),
                                                                abs=0.05)
    assert not any(line.startswith("shipped aux head") for line in lines)  # this column has no aux head


@pytest.mark.parametrize("name", ["column1_value", "column1_perception"])
def test_diagnostics_refuse_a_missing_checkpoint_with_one_line(name, tmp_path, capsys, load_bench):
    assert load_bench(name).main(["--checkpoint", str(tmp_path / "missing.pt")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "missing.pt does not exist" in err


def test_task_ceiling_measures_every_controller_against_the_bar(checkpoint, tmp_path):
    from jaco_prog.experiments import task_ceiling

    echoed = []
    result = task_ceiling.run(task_ceiling.Settings(3, 2, checkpoint, noise_scales=(0.5,)), tmp_path,
                              echo=echoed.append)
    out = "\n".join(result.lines)
    assert echoed == result.lines                   # each line is echoed as it is measured
    assert "0.50x" in out and "1.00x" in out        # the task as configured is always measured
    assert sorted(result.oracle) == [0.5, 1.0] and len(result.planner["returns"]) == len(result.column) == 2
    assert "lookahead planner" in out and "ratio column / oracle" in out
    assert "open hand" in out and "closed hand" in out and "misplaced" in out
    assert len(result.teachers) == len(task_ceiling.TEACHERS)
    assert result.figure == tmp_path / "task_ceiling.png" and result.figure.is_file()


def test_task_ceiling_measures_a_preset_on_its_own_world_and_dynamics(checkpoint, tmp_path):
    from jaco_prog.experiments import task_ceiling

    with task_ceiling.reach_env(0.5, "real_proxy") as env:
        assert env.cfg.dynamics.latency_steps == 1 and env.cfg.dynamics.actuator_gain_scale == 0.85
        assert env.cfg.task.start_noise_deg[0] == 0.5 * load_task_config().task.start_noise_deg[0]  # scaled
    result = task_ceiling.run(task_ceiling.Settings(2, 1, checkpoint, preset="real_proxy", noise_scales=(1.0,)),
                              tmp_path)
    assert "preset real_proxy, the same 1 episodes:" in result.lines
    assert result.figure == tmp_path / "task_ceiling_real_proxy.png" and result.figure.is_file()
    assert not (tmp_path / "task_ceiling.png").exists()


def test_task_ceiling_settings_refuse_what_cannot_be_measured(checkpoint, tmp_path):
    from jaco_prog.errors import UserError
    from jaco_prog.experiments import task_ceiling

    for bad, message in (({"checkpoint": tmp_path / "missing.pt"}, "missing.pt does not exist"),
                         ({"preset": "real_robot"}, "unknown preset 'real_robot'"),
                         ({"episodes": 3}, "<= --oracle-episodes (2)"),
                         ({"planner_horizon": 0}, "at least 1"),
                         ({"localisation_error": -0.01}, ">= 0")):
        with pytest.raises(UserError, match=re.escape(message)):
            task_ceiling.Settings(**{"oracle_episodes": 2, "episodes": 1, "checkpoint": checkpoint, **bad})
    with pytest.raises(UserError, match="comma-separated numbers"):
        task_ceiling.noise_scales("1,half")
    assert task_ceiling.episodes(full=True, planner_episodes=7) == (task_ceiling.SCALES["full"][0], 7)


def test_task_ceiling_command_line_prints_the_report_then_the_figure(checkpoint, capsys, load_bench, tmp_path):
    ceiling = load_bench("task_ceiling")
    assert ceiling.main(["--checkpoint", str(checkpoint), "--oracle-episodes", "1", "--episodes", "1",
                         "--noise-scales", "1", "--planner-candidates", "1", "--planner-horizon", "1",
                         "--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("DAgger's teachers") and "ratio column / oracle" in lines[-2]
    assert lines[-1] == f"figure: {tmp_path / 'task_ceiling.png'}"
    for argv, message in ((["--checkpoint", str(tmp_path / "missing.pt")], "missing.pt does not exist"),
                          (["--checkpoint", str(checkpoint), "--preset", "real_robot"], "unknown preset 'real_robot'")):
        with pytest.raises(SystemExit):
            ceiling.main(argv)
        assert message in capsys.readouterr().err
    with pytest.raises(SystemExit):
        ceiling.main(["--help"])
    assert "(default 8)" in capsys.readouterr().out     # --help shows the defaults


def test_column1_figure_marks_where_a_resume_changed_the_teacher(tmp_path):
    import yaml

    from jaco_prog.experiments.column1 import config_changes

    run = tmp_path / "dagger"
    run.mkdir()
    (run / "iterations.csv").write_text("iteration,env_steps,student_episodes,student_mean_return\n"
                                        "1,100,1,1.0\n2,200,1,2.0\n3,300,1,3.0\n")
    old = {"imitation": {"iterations": 2, "teacher_hover": 0.08, "lr": 5e-4}}   # saved before teacher_fingers
    (run / "config.until-iteration-2.yaml").write_text(yaml.safe_dump(old))
    new = {"imitation": {"iterations": 3, "teacher_hover": 0.05, "teacher_fingers": "close", "lr": 5e-4}}
    (run / "config.yaml").write_text(yaml.safe_dump(new, sort_keys=False))
    changes = config_changes(run)
    assert changes == [(200.0, "teacher_hover 0.08 -> 0.05, teacher_fingers open -> close")]
    (run / "config.until-iteration-2.yaml").unlink()
    assert config_changes(run) == []


def test_column1_losses_splits_the_whole_step_budget(checkpoint, capsys, load_bench):
    losses = load_bench("column1_losses")
    r = losses.step_budget(checkpoint, 3, 1_000_000)
    assert sum(r["budget"].values()) == 3 * r["steps"]
    assert all(v >= 0 for v in r["budget"].values()) and r["agreement"].shape == (6,)
    assert losses.main(["--checkpoint", str(checkpoint), "--episodes", "2"]) == 0
    out = capsys.readouterr().out
    assert "never reached" in out and "agreement with the teacher" in out
    with pytest.raises(SystemExit):
        losses.main(["--checkpoint", str(checkpoint), "--episodes", "0"])


def test_teacher_through_layer_prints_the_ratio_against_its_unfiltered_baseline(capsys, load_bench):
    assert load_bench("teacher_through_layer").main(["--episodes", "1", "--acceleration-limits", "1.0"]) == 0
    out = capsys.readouterr().out
    base = float(out.split("(baseline): ")[1].split(",")[0])
    lines = [line for line in out.splitlines() if line.startswith("through the layer")]
    assert len(lines) == 2 and base > 0
    filtered = [float(line.split("): ")[1].split(",")[0]) for line in lines]
    ratios = [float(line.split("ratio ")[1].split("x")[0]) for line in lines]
    assert ratios == pytest.approx([f / base for f in filtered], abs=1e-3)
    assert filtered[1] < filtered[0]  # 1 rad/s^2 starves the teacher's bang-bang motion
