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

"""Issue 23 item 1: one typed loader for config/*.yaml. Everything wrong in a file is refused in one line that
names the file and the field; YAML is the only source of defaults; the numbers two files share agree; the
command line flags and their help come from the same fields."""
import dataclasses
import re
import shutil

import pytest

from jaco_prog import cli
from jaco_prog.config import ConfigError, config_class, from_mapping, load_yaml, setting, settings_of, yaml_defaults
from jaco_prog.config_check import check_agreement
from jaco_prog.paths import config_path
from jaco_prog.robot.profile import load_profiles
from jaco_prog.safety.params import load_safety_params
from jaco_prog.sim.task_config import load_task_config
from jaco_prog.train_settings import ImitationConfig, TrainConfig


def edited(tmp_path, name: str, old: str, new: str):
    """A copy of config/<name> with one piece of text replaced (the text must be there)."""
    text = config_path(name).read_text()
    assert old in text, old
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path


def refused(call, *names: str) -> str:
    """The ConfigError `call` raises: one line, naming each of `names` (file and field)."""
    with pytest.raises(ConfigError) as err:
        call()
    message = str(err.value)
    assert "\n" not in message
    for name in names:
        assert name in message, (name, message)
    return message


# --- the YAML itself ----------------------------------------------------------------------------------------------
def test_a_duplicate_key_is_refused_with_its_line_and_field(tmp_path):
    path = edited(tmp_path, "task.yaml", "  episode_steps: 50\n", "  episode_steps: 50\n  episode_steps: 40\n")
    line = path.read_text().splitlines().index("  episode_steps: 40") + 1
    message = refused(lambda: load_task_config(task_file=path), f"task.yaml:{line}:3", "task.episode_steps",
                      "duplicate key")
    assert f"first at line {line - 1}" in message


def test_a_duplicate_key_in_a_nested_flow_mapping_is_refused(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a:\n  b: {c: 1, c: 2}\n")
    refused(lambda: load_yaml(path), "x.yaml:2:13", "a.b.c: duplicate key")


def test_anchors_and_merge_keys_are_not_duplicates(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("base: &b {x: 1, y: 2}\none: *b\ntwo: {<<: *b, x: 3}\n")
    assert load_yaml(path) == {"base": {"x": 1, "y": 2}, "one": {"x": 1, "y": 2}, "two": {"x": 3, "y": 2}}


def test_malformed_yaml_is_one_line_with_file_line_and_column(tmp_path):
    path = edited(tmp_path, "train.yaml", "gamma: 0.99\n", "gamma: [0.99\n")
    message = refused(lambda: load_yaml(path), "train.yaml:", "not valid YAML")
    assert re.search(r"train\.yaml:\d+:\d+: not valid YAML: ", message)


def test_the_command_line_prints_a_bad_file_in_one_line(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("lr: 0.1\nlr: 0.2\n")
    assert cli.main(["train", "--config", str(path), "--task", "toy"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "bad.yaml:2:1: lr: duplicate key" in err


# --- values -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("old, new, field", [
    ("margin: 0.08", "margin: .nan", "defaults.position_limits.margin"),
    ("command_timeout: 0.1", "command_timeout: .inf", "defaults.command_timeout"),
    ("control_rate: 100.0", "control_rate: .inf", "defaults.control_rate"),
    ("braking_deceleration: {arm: 3.0,", "braking_deceleration: {arm: .inf,", "defaults.braking_deceleration.arm"),
])
def test_nan_and_inf_are_refused(tmp_path, old, new, field):
    path = edited(tmp_path, "safety.yaml", old, new)
    refused(lambda: load_safety_params("j2n6s300", path), f"safety.yaml: {field}: must be a finite number")


def test_nan_home_pose_is_refused(tmp_path):
    path = edited(tmp_path, "robots.yaml", "action_velocity: 0.6, home_deg: 150.0",
                  "action_velocity: 0.6, home_deg: .nan")
    refused(lambda: load_profiles(path), "robots.yaml: profiles.j2n6s300.joints[1].home_deg: must be a finite")


def test_nan_on_the_command_line_is_refused_in_one_line(capsys):
    assert cli.main(["train", "--task", "toy", "--lr", "nan"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "lr: must be a finite number (got nan)" in err


def test_an_unknown_key_is_refused_and_the_known_ones_listed(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text("learning_rate: 0.1\n")
    message = refused(lambda: TrainConfig.from_dict(load_yaml(path), str(path)), "typo.yaml: learning_rate",
                      "unknown key")
    assert "lr," in message


def test_an_unknown_key_in_a_preset_names_the_preset(tmp_path):
    path = edited(tmp_path, "presets.yaml", "      camera_fovy: 56.0\n", "      camera_fovy: 56.0\n      zoom: 2\n")
    refused(lambda: load_task_config("perspective_large", presets_file=path),
            "presets.yaml: presets.perspective_large.scene.zoom: unknown key")


def test_a_missing_key_is_refused(tmp_path):
    path = edited(tmp_path, "task.yaml", "  max_start_tries: 200\n", "")
    refused(lambda: load_task_config(task_file=path), "task.yaml: task.max_start_tries: missing key")


@pytest.mark.parametrize("call, message", [
    (lambda: TrainConfig.from_dict({"gamma": 1.5}), "train config: gamma: must be <= 1 (got 1.5)"),
    (lambda: TrainConfig.from_dict({"algo": "ppo"}), "train config: algo: must be one of a2c, a3c (got 'ppo')"),
    (lambda: TrainConfig.from_dict({"workers": 0}), "train config: workers: must be a positive integer (got 0)"),
    (lambda: load_task_config(overrides={"dynamics": {"drop_probability": 2.0}}),
     "task.yaml: dynamics.drop_probability: must be <= 1"),
    (lambda: load_task_config(overrides={"scene": {"table_rgba": [0.5, 0.5, 0.5, 1.5]}}),
     "task.yaml: scene.table_rgba[3]: must be <= 1"),
])
def test_out_of_range_values_are_refused(call, message):
    refused(call, message)


def test_a_velocity_limit_above_the_urdf_is_refused(tmp_path):
    shipped = {p.name: p.velocity_limits.tolist() for p in load_profiles().values()}
    assert shipped["j2n6s300"][3] == 0.8378  # the URDF's 0.837758 to 4 decimals: the same limit
    path = edited(tmp_path, "robots.yaml", "{name: j2n6s300_joint_4, group: arm, velocity_limit: 0.8378",
                  "{name: j2n6s300_joint_4, group: arm, velocity_limit: 0.84")
    refused(lambda: load_profiles(path), "robots.yaml: profiles.j2n6s300.joints[3].velocity_limit",
            "above j2n6s300.urdf's <limit velocity> 0.837758")


# --- YAML is the only source of defaults --------------------------------------------------------------------------
def homed_classes():
    from jaco_prog.sim import task_config
    from jaco_prog.sim.scene import SceneConfig

    from jaco_prog.hardware.driver import DriverParams
    from jaco_prog.perception.colour_tracker import TrackerConfig
    from jaco_prog.runtime import params as runtime_params

    classes = [TrainConfig, ImitationConfig, SceneConfig, TrackerConfig, DriverParams]
    for module in (task_config, runtime_params):
        classes += [c for c in vars(module).values() if isinstance(c, type) and hasattr(c, "__config_home__")]
    return classes


@pytest.mark.parametrize("cls", homed_classes(), ids=lambda c: c.__name__)
def test_settings_have_no_default_in_the_code_and_take_their_yaml_values(cls):
    for f in dataclasses.fields(cls):
        if f.name in settings_of(cls):
            assert f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING, f.name
    assert cls() == yaml_defaults(cls)
    assert cls() is not yaml_defaults(cls)


def test_a_constructed_config_takes_the_rest_from_its_yaml_file():
    raw = load_yaml(config_path("train.yaml"))
    cfg = TrainConfig(lr=1.0e-3, task="toy")
    assert (cfg.lr, cfg.task, cfg.gamma, cfg.column_sizes) == (1.0e-3, "toy", raw["gamma"], raw["column_sizes"])
    assert ImitationConfig().teacher_hover == load_yaml(config_path("imitate.yaml"))["teacher_hover"]
    assert ImitationConfig().column_sizes == raw["column_sizes"]  # the column A3C then trains


@config_class()
class Probe:
    rate: float = setting("a rate", unit="Hz", above=0)
    steps: int = setting("a count", low=1)
    name: str = setting("a name", choices=("a", "b"))


def test_the_loader_refuses_each_kind_of_bad_value_in_one_line():
    good = {"rate": 20, "steps": 3, "name": "a"}
    assert from_mapping(Probe, good, "probe.yaml") == Probe(rate=20.0, steps=3, name="a")
    for change, message in [({"rate": float("nan")}, "probe.yaml: rate: must be a finite number (got nan)"),
                            ({"rate": 0}, "probe.yaml: rate: must be > 0 (got 0)"),
                            ({"rate": "3e-4"}, "probe.yaml: rate: must be a number (got '3e-4') (YAML 1.1"),
                            ({"steps": 2.0}, "probe.yaml: steps: must be an integer (got 2.0)"),
                            ({"steps": True}, "probe.yaml: steps: must be an integer (got True)"),
                            ({"name": "c"}, "probe.yaml: name: must be one of a, b (got 'c')"),
                            ({"size": 1}, "probe.yaml: size: unknown key; known: name, rate, steps")]:
        refused(lambda: from_mapping(Probe, {**good, **change}, "probe.yaml"), message)
    refused(lambda: from_mapping(Probe, {"rate": 1.0, "name": "a"}, "probe.yaml"), "probe.yaml: steps: missing key")


# --- the third wave: runtime.yaml, tracker.yaml, driver.yaml ------------------------------------------------------
def _load(name: str):
    from jaco_prog.hardware.driver import load_driver_params
    from jaco_prog.perception.colour_tracker import load_tracker_config
    from jaco_prog.runtime.params import load_runtime_params

    return {"runtime.yaml": load_runtime_params, "tracker.yaml": load_tracker_config,
            "driver.yaml": load_driver_params}[name]


@pytest.mark.parametrize("name, old, new, message", [
    ("runtime.yaml", "  rate: 20.0 ", "  rate: .nan ", "runtime.yaml: policy.rate: must be a finite number (got nan)"),
    ("runtime.yaml", "  joint_state_rate: 100.0 ", "  joint_state_rate: .inf ",
     "runtime.yaml: sim.joint_state_rate: must be a finite number (got inf)"),
    ("runtime.yaml", "  reward_timeout: 0.25 ", "  reward_timeout: -.inf ",
     "runtime.yaml: learner.reward_timeout: must be a finite number (got -inf)"),
    ("runtime.yaml", "  video_fps: 20\n", "  video_fps: 20\n  fps: 30\n",
     "runtime.yaml: recording.fps: unknown key; known: storage, version, video_fps"),
    ("runtime.yaml", "  image_size: 64 ", "  image_size: 16 ",
     "runtime.yaml: policy.image_size: must be >= 24 (got 16)"),
    ("runtime.yaml", "  version: 9 ", "  version: 7 ", "runtime.yaml: recording.version: must be one of 8, 9 (got 7)"),
    ("runtime.yaml", "frames:\n", "frame:\n", "runtime.yaml: frame: unknown key; known: episodes, frames, learner"),
    ("tracker.yaml", "  min_pixels: 4 ", "  min_pixels: 4\n  max_pixels: 900 ",
     "tracker.yaml: tracker.max_pixels: unknown key; known: hold_gate, hsv_ranges, min_pixels"),
    ("tracker.yaml", "  hold_gate: 0.04 ", "  hold_gate: .nan ",
     "tracker.yaml: tracker.hold_gate: must be a finite number"),
    ("tracker.yaml", "  top_share: 0.35\n", "", "tracker.yaml: tracker.top_share: missing key"),
    ("tracker.yaml", "{low: [0, 160, 40], high:", "{low: [0, 160, 40], lo: [0, 0, 0], high:",
     "tracker.yaml: tracker.hsv_ranges[0].lo: unknown key; known: high, low"),
    ("driver.yaml", "call_timeout: 0.05 ", "call_timeout: .inf ", "driver.yaml: call_timeout: must be a finite number"),
    ("driver.yaml", "backend: mock ", "backend: usb ", "driver.yaml: backend: must be one of mock, sim, kortex"),
    ("driver.yaml", "  port: 10000 ", "  port: 0 ", "driver.yaml: kortex.port: must be >= 1 (got 0)"),
])
def test_runtime_tracker_and_driver_yaml_are_refused_naming_the_field(tmp_path, name, old, new, message):
    path = edited(tmp_path, name, old, new)
    refused(lambda: _load(name)(path), name, message)


def test_a_duplicate_key_in_driver_yaml_is_refused_with_its_line(tmp_path):
    from jaco_prog.hardware.driver import load_driver_params

    path = edited(tmp_path, "driver.yaml", "max_events: 1000 ", "max_events: 1000\nmax_events: 10 ")
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("max_events: 10 "))
    refused(lambda: load_driver_params(path), f"driver.yaml:{line}:1: max_events: duplicate key (first at line "
                                              f"{line - 1})")


def test_runtime_tracker_and_driver_keep_their_values():
    from jaco_prog.hardware.driver import load_driver_params
    from jaco_prog.perception.colour_tracker import load_tracker_config
    from jaco_prog.runtime.params import load_runtime_params

    runtime, tracker, driver = (load_yaml(config_path(n)) for n in ("runtime.yaml", "tracker.yaml", "driver.yaml"))
    params = load_runtime_params()
    for section in ("policy", "episodes", "tracker", "sim", "recording", "learner"):
        assert dataclasses.asdict(getattr(params, section)) == runtime[section], section
    assert params.camera_frame == runtime["frames"]["camera"]
    colour = dataclasses.asdict(load_tracker_config())
    ranges = tracker["tracker"]["hsv_ranges"]
    assert colour.pop("hsv_ranges") == tuple((tuple(r["low"]), tuple(r["high"])) for r in ranges)
    assert colour == {k: v for k, v in tracker["tracker"].items() if k != "hsv_ranges"}
    assert load_driver_params().raw == driver


# --- the numbers two files share ----------------------------------------------------------------------------------
def copies(tmp_path) -> dict:
    return {f"{name}_file": shutil.copy(config_path(f"{name}.yaml"), tmp_path / f"{name}.yaml")
            for name in ("task", "runtime", "safety", "tracker")}


def test_the_shipped_files_agree():
    check_agreement()


@pytest.mark.parametrize("name, old, new, names", [
    ("runtime", "  rate: 20.0 ", "  rate: 10.0 ", ("runtime.yaml: policy.rate", "task.yaml: task.control_hz")),
    ("task", "  control_hz: 20 ", "  control_hz: 25 ", ("runtime.yaml: policy.rate", "task.yaml: task.control_hz")),
    ("runtime", "  steps: 50 ", "  steps: 40 ", ("runtime.yaml: episodes.steps", "task.yaml: task.episode_steps")),
    ("safety", "command_timeout: 0.1", "command_timeout: 0.04",
     ("safety.yaml: defaults.command_timeout", "one policy period", "runtime.yaml")),
])
def test_files_that_disagree_are_refused_naming_both(tmp_path, name, old, new, names):
    paths = copies(tmp_path)
    text = paths[f"{name}_file"].read_text()
    assert old in text
    paths[f"{name}_file"].write_text(text.replace(old, new, 1))
    refused(lambda: check_agreement(**paths), *names)


def test_a_robots_own_watchdog_must_outlive_the_policy_period_too(tmp_path):
    paths = copies(tmp_path)
    text = paths["safety_file"].read_text().replace("  gen3:\n", "  gen3:\n    command_timeout: 0.03\n", 1)
    paths["safety_file"].write_text(text)
    refused(lambda: check_agreement(**paths), "safety.yaml: robots.gen3.command_timeout")


def test_a_tracker_radius_unlike_the_tasks_is_refused(tmp_path):
    paths = copies(tmp_path)
    text = paths["tracker_file"].read_text().replace("tracker:\n", "tracker:\n  reward_radius: 0.12\n", 1)
    paths["tracker_file"].write_text(text)
    refused(lambda: check_agreement(**paths), "tracker.yaml: tracker.reward_radius", "task.yaml: task.reward_radius")


def test_run_refuses_files_that_disagree_before_it_builds_anything(monkeypatch, capsys):
    from jaco_prog import config_check

    def disagree(**_):
        raise ConfigError("runtime.yaml: policy.rate", "10 Hz, but task.yaml: task.control_hz is 20 Hz")
    monkeypatch.setattr(config_check, "check_agreement", disagree)
    assert cli.main(["run", "--sim", "--episodes", "1"]) == 2
    assert "runtime.yaml: policy.rate" in capsys.readouterr().err


# --- flags from the same fields -----------------------------------------------------------------------------------
def subparser(command: str):
    import argparse

    parser = cli.build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return sub.choices[command]


@pytest.mark.parametrize("command, cls, home", [("train", TrainConfig, "train.yaml"),
                                                ("imitate", ImitationConfig, "imitate.yaml")])
def test_flags_are_made_from_the_settings_and_show_the_yaml_default(command, cls, home):
    parser = subparser(command)
    text = " ".join(parser.format_help().split())
    raw = load_yaml(config_path(home))
    flagged = {name: rule for name, rule in settings_of(cls).items() if rule.flag}
    assert len(flagged) >= 15
    by_dest = {a.dest: a for a in parser._actions}
    for name, rule in flagged.items():
        action = by_dest[name]
        assert action.default is None  # the YAML decides, after --config files
        value = raw[name]
        if value is None:
            shown = f"(default: {rule.unset or 'none'})"
        elif isinstance(value, bool):
            shown = f"(default {name} {'on' if value else 'off'} from config/{home})"
        else:
            shown = f"(default {value:g} from config/{home})" if isinstance(value, float) else \
                f"(default {value} from config/{home})"
        assert shown in text, (name, shown)
    assert "learning rate [> 0] (default" in text


def test_building_the_flags_imports_neither_torch_nor_mujoco():
    """The flags come from the config classes, which must stay light: every `jaco-prog` command builds them."""
    import subprocess
    import sys

    code = ("import sys, jaco_prog.cli; jaco_prog.cli.build_parser(); "
            "print(sorted({'torch', 'mujoco'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- the second wave: driver.yaml's backends, sweep specs, column sizes, the scripted teacher ---------------------
def driver_section(tmp_path, old: str, new: str, section: str) -> dict:
    return load_yaml(edited(tmp_path, "driver.yaml", old, new))[section]


@pytest.mark.parametrize("old, new, message", [
    ("publish_rate: 100.0", "publish_rate: .nan", "driver.yaml: gen2_bridge.publish_rate: must be a finite number"),
    ("hold_timeout: 0.1", "hold_timeout: 0.0", "driver.yaml: gen2_bridge.hold_timeout: must be > 0 (got 0.0)"),
    ("units: deg_s", "units: rpm", "driver.yaml: gen2_bridge.units: must be one of deg_s, rad_s (got 'rpm')"),
    ("command_topic: /j2n6s300_driver/in/joint_velocity", "command_topic: j2n6s300_driver/in/joint_velocity",
     "driver.yaml: gen2_bridge.command_topic: must be an absolute topic name"),
    ("  state_timeout: 0.1 ", "  state_timeout: 0.1\n  rate: 100.0 ", "driver.yaml: gen2_bridge.rate: unknown key"),
    ("  state_timeout: 0.1 ", "  # ", "driver.yaml: gen2_bridge.state_timeout: missing key"),
])
def test_gen2_bridge_values_are_refused_naming_the_field(tmp_path, old, new, message):
    from jaco_prog.hardware.gen2_bridge import Gen2Params

    raw = driver_section(tmp_path, old, new, "gen2_bridge")
    refused(lambda: Gen2Params.from_dict(raw), message)


@pytest.mark.parametrize("old, new, message", [
    ("port: 10000", "port: 70000", "driver.yaml: kortex.port: must be <= 65535 (got 70000)"),
    ("gripper_speed_scale: 1.0", "gripper_speed_scale: .inf",
     "driver.yaml: kortex.gripper_speed_scale: must be a finite number"),
    ("session_inactivity_timeout_ms: 60000", "session_inactivity_timeout_ms: 6.0e4",
     "driver.yaml: kortex.session_inactivity_timeout_ms: must be an integer"),
    ("address_env: KORTEX_ADDRESS", "address_env: ''", "driver.yaml: kortex.address_env: must be a non-empty"),
    ("  command_duration_s: 1 ", "  # ", "driver.yaml: kortex.command_duration_s: missing key"),
])
def test_kortex_values_are_refused_naming_the_field(tmp_path, old, new, message):
    from jaco_prog.hardware.kortex import KortexParams

    raw = driver_section(tmp_path, old, new, "kortex")
    refused(lambda: KortexParams.from_dict(raw), message)


def test_the_backends_take_their_defaults_from_driver_yaml_only():
    from jaco_prog.hardware.gen2_bridge import Gen2Params
    from jaco_prog.hardware.kortex import KortexParams

    raw = load_yaml(config_path("driver.yaml"))
    for cls, section in ((Gen2Params, "gen2_bridge"), (KortexParams, "kortex")):
        assert all(f.default is dataclasses.MISSING for f in dataclasses.fields(cls))
        assert dataclasses.asdict(cls()) == raw[section]


@pytest.mark.parametrize("old, new, message", [
    ("  total_steps: 2000000\n", "  total_steps: 2000000\n  gamma: 1.5\n", "sweep.yaml: base.gamma: must be <= 1"),
    ("  total_steps: 2000000\n", "  total_steps: 2000000\n  lr: .nan\n", "sweep.yaml: base.lr: must be a finite"),
    ("  workers: 2\n", "  workers: 0\n", "sweep.yaml: base.workers: must be a positive integer (got 0)"),
    ("low: 5.0e-5, high: 5.0e-3}", "low: 0.0, high: 5.0e-3}", "sweep.yaml: random.lr.low: loguniform needs low > 0"),
    ("low: 1.0e-5, high: 1.0e-2}", "low: 1.0e-5, high: .inf}",
     "sweep.yaml: random.entropy_coef.high: must be a finite number"),
    ("low: 1.0e-5, high: 1.0e-2}", "low: 1.0e-5, high: 1.0e-2, scale: 2}",
     "sweep.yaml: random.entropy_coef.scale: unknown key; known: distribution, high, low"),
    ("samples: 8\n", "samples: 8\nsamples: 9\n", "samples: duplicate key"),
    ("seeds: [0, 1, 2]", "seeds: [0, 1, 2]\nseed_list: [3]", "sweep.yaml: seed_list: unknown key; known: base"),
])
def test_sweep_spec_values_are_refused_by_the_fields_rules(tmp_path, old, new, message):
    from jaco_prog.sweep import load_spec

    path = edited(tmp_path, "sweep.yaml", old, new)
    refused(lambda: load_spec(path), "sweep.yaml", message)


def test_a_uniform_range_must_stay_inside_the_fields_range():
    from jaco_prog.sweep import expand_spec

    refused(lambda: expand_spec({"random": {"gamma": {"distribution": "uniform", "low": 0.9, "high": 1.2}},
                                 "samples": 2}), "sweep spec: random.gamma.high: must be <= 1 (got 1.2)")
    refused(lambda: expand_spec({"random": {"n_steps": {"distribution": "uniform", "low": 0.2, "high": 20}},
                                 "samples": 2}), "sweep spec: random.n_steps.low: must be a positive integer (got 0)")


def test_column_sizes_have_one_home_train_yaml_and_reading_them_stays_light():
    import subprocess
    import sys

    from jaco_prog.nets.spec import ColumnSpec, size_presets

    sizes = load_yaml(config_path("train.yaml"))["column_sizes"]
    assert size_presets() == sizes
    for name, table in sizes.items():
        column = dataclasses.asdict(ColumnSpec.preset(name))
        assert {k: column[k] for k in table} == table
    with pytest.raises(TypeError):
        ColumnSpec(inputs="pixels")  # no size of its own: they come from a sizes table or a checkpoint
    code = ("import sys; from jaco_prog.nets.spec import size_presets; size_presets(); "
            "print(sorted({'torch', 'mujoco'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_scripted_teachers_defaults_are_imitate_yamls(make_sim_env):
    from jaco_prog.sim.scripted_policy import ScriptedReacher

    raw = load_yaml(config_path("imitate.yaml"))
    env = make_sim_env()
    teacher = ScriptedReacher(env)
    assert (teacher.hover, teacher.deadband, teacher.fingers, teacher.arrival, teacher.lead) == \
        (raw["teacher_hover"], raw["teacher_deadband"], raw["teacher_fingers"], raw["teacher_arrival"],
         raw["teacher_lead"])
    dagger = ImitationConfig(teacher_hover=0.05, teacher_deadband=0.1, teacher_lead=0.0).make_teacher(env)
    assert (dagger.hover, dagger.deadband, dagger.fingers, dagger.lead) == (0.05, 0.1, raw["teacher_fingers"], 0.0)
    refused(lambda: ImitationConfig(teacher_deadband=1.5).validate(), "imitation: teacher_deadband: must be <= 1")


def test_the_shipped_checkpoint_path_has_one_home_runtime_yaml():
    from jaco_prog.experiments import cli as experiments_cli
    from jaco_prog.paths import share_dir

    home = load_yaml(config_path("runtime.yaml"))["policy"]["default_checkpoint"]
    assert experiments_cli.default_checkpoint() == str(share_dir() / home)
    parser = experiments_cli.parser("x", "study")
    assert parser.get_default("checkpoint") == str(share_dir() / home)
