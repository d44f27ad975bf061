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

"""Bad configuration gives one clear error naming the field."""
import pytest
import yaml

from jaco_prog.config import ConfigError
from jaco_prog.paths import config_path
from jaco_prog.robot.profile import load_profile, load_profiles
from jaco_prog.sim.task_config import load_task_config


def _robots_with(tmp_path, edit):
    data = yaml.safe_load(config_path("robots.yaml").read_text())
    edit(data["profiles"])
    path = tmp_path / "robots.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_profiles_describe_jaco_gen3_and_gen3_lite():
    profiles = load_profiles()
    assert profiles["j2n6s300"].n_joints == 9
    assert [j.group for j in profiles["gen3"].joints].count("arm") == 7
    assert [j.group for j in profiles["gen3"].joints].count("gripper") == 1
    assert [j.group for j in profiles["gen3_lite"].joints].count("arm") == 6
    assert [j.group for j in profiles["gen3_lite"].joints].count("gripper") == 1


def test_unknown_profile_names_the_field():
    with pytest.raises(ConfigError, match=r"robot_profile: unknown profile 'jaco9'"):
        load_profile("jaco9")


def test_negative_velocity_names_the_field(tmp_path):
    def edit(p):
        p["j2n6s300"]["joints"][2]["action_velocity"] = -0.5
    with pytest.raises(ConfigError, match=r"profiles\.j2n6s300\.joints\[2\]\.action_velocity: must be > 0"):
        load_profiles(_robots_with(tmp_path, edit))


def test_missing_joint_name_names_the_field(tmp_path):
    def edit(p):
        del p["gen3"]["joints"][4]["name"]
    with pytest.raises(ConfigError, match=r"profiles\.gen3\.joints\[4\]\.name: missing"):
        load_profiles(_robots_with(tmp_path, edit))


def test_profile_joint_missing_from_urdf_is_refused(tmp_path):
    from jaco_prog.sim.scene import SceneConfig, build_model

    def edit(p):
        p["j2n6s300"]["joints"][0]["name"] = "j2n6s300_joint_7"
    profile = load_profile("j2n6s300", _robots_with(tmp_path, edit))
    with pytest.raises(ValueError, match="joint 'j2n6s300_joint_7'.*not in j2n6s300.urdf"):
        build_model(profile, SceneConfig())


def test_action_velocity_above_limit_is_refused(tmp_path):
    def edit(p):
        p["j2n6s300"]["joints"][0]["action_velocity"] = 9.0
    with pytest.raises(ConfigError, match=r"joints\[0\]\.action_velocity: 9.0 exceeds velocity_limit"):
        load_profiles(_robots_with(tmp_path, edit))


@pytest.mark.parametrize("overrides, field", [
    ({"task": {"reward_radius": -0.1}}, r"task\.yaml: task\.reward_radius: must be >= 0"),
    ({"task": {"episode_step": 50}}, r"task\.yaml: task\.episode_step: unknown key"),
    ({"scene": {"camera_pos": [1, 2]}}, r"task\.yaml: scene\.camera_pos: must be a list of 3 numbers"),
    ({"randomisation": {"target_shape": {"shapes": ["torus"]}}},
     r"randomisation\.target_shape\.shapes: unknown shape 'torus'"),
    ({"randomisation": {"target_size": {"range": [0.05, 0.01]}}},
     r"randomisation\.target_size\.range: low 0.05 is above high 0.01"),
    ({"randomisation": {"light": {"enabled": "yes"}}}, r"randomisation\.light\.enabled: must be true or false"),
])
def test_bad_task_config_names_the_field(overrides, field):
    with pytest.raises(ConfigError, match=field):
        load_task_config(overrides=overrides)


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(ConfigError, match="unknown preset 'mars'; known: colour_large"):
        load_task_config(preset="mars")


def test_start_noise_must_match_the_profile(make_sim_env):
    with pytest.raises(ConfigError, match=r"task\.start_noise_deg: needs one value per joint .* \(9\), got 2"):
        make_sim_env(overrides={"task": {"start_noise_deg": [1, 2]}})
