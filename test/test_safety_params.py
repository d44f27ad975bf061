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

"""config/safety.yaml -> SafetyParams / JointLimits: every number comes from the file, bad values are named."""
import copy

import numpy as np
import pytest
import yaml

from jaco_prog.config import ConfigError
from jaco_prog.paths import config_path
from jaco_prog.robot.kinematics import UrdfChain
from jaco_prog.robot.profile import load_profile
from jaco_prog.safety import JointLimits, SafetyLayer, SafetyParams, load_safety_params


def raw_defaults():
    return copy.deepcopy(yaml.safe_load(config_path("safety.yaml").read_text())["defaults"])


def test_shipped_file_loads_for_every_profile():
    for name in ("j2n6s300", "gen3", "gen3_lite"):
        params = load_safety_params(name)
        assert params.command_timeout == pytest.approx(0.1)  # MoveIt Servo's default
        layer = SafetyLayer.from_profile(load_profile(name), params)
        assert layer.joint_names == load_profile(name).joint_names


def test_robot_section_overrides_defaults():
    j2 = load_safety_params("j2n6s300")
    assert j2.workspace.enabled and len(j2.workspace.clearance_points) == 4
    gen3 = load_safety_params("gen3")
    assert not gen3.workspace.enabled
    assert gen3.position_limits.overrides["joint_2"] == pytest.approx((-2.2497, 2.2497))


@pytest.mark.parametrize("path, value, message", [
    (("command_timeout",), 0.005, "must exceed one control period"),
    (("velocity_scale",), 1.5, "must be <= 1"),
    (("braking_deceleration", "arm"), 100.0, "must not exceed acceleration_limit"),
    (("acceleration_limit", "arm"), -1.0, "must be > 0"),
    (("workspace", "lookahead_fractions"), [0.5, 0.25, 1.0], "strictly increasing"),
    (("workspace", "lookahead_fractions"), [0.5], "must end with 1.0"),
    (("workspace", "scale_candidates"), [0.5, 0.25], "must end with 0.0"),
    (("workspace", "box", "x"), [1.0, -1.0], "is above high"),
    (("position_limits", "enabled"), "yes", "true or false"),
])
def test_bad_values_name_the_field(path, value, message):
    raw = raw_defaults()
    node = raw
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ConfigError, match=message) as err:
        SafetyParams.from_dict(raw, "safety.yaml: defaults")
    assert path[0] in str(err.value)


def test_unknown_and_missing_keys_are_errors():
    raw = raw_defaults()
    raw["comand_timeout"] = 0.1
    with pytest.raises(ConfigError, match="unknown key"):
        SafetyParams.from_dict(raw)
    raw = raw_defaults()
    del raw["state_timeout"]
    with pytest.raises(ConfigError, match="missing key"):
        SafetyParams.from_dict(raw)


def test_workspace_needs_a_urdf():
    params = SafetyParams.from_dict(raw_defaults())  # workspace enabled
    with pytest.raises(ConfigError, match="no URDF"):
        SafetyLayer.from_profile(load_profile("gen3"), params)


def test_joint_limits_from_urdf_with_margin_and_continuous_exempt():
    profile = load_profile("j2n6s300")
    params = load_safety_params("j2n6s300")
    chain = UrdfChain.from_file(profile.urdf_file())
    limits = JointLimits.build(profile, params, chain)
    m = params.position_limits.margin
    for i, name in enumerate(profile.joint_names):
        joint = chain.joints[name]
        if joint.is_continuous:
            assert limits.lower[i] == -np.inf and limits.upper[i] == np.inf
        else:
            assert limits.stop_lower[i] == pytest.approx(joint.lower + m)
            assert limits.stop_upper[i] == pytest.approx(joint.upper - m)
    assert np.allclose(limits.velocity, profile.velocity_limits * params.velocity_scale)
    assert list(limits.limited) == [False, True, True, False, False, False, True, True, True]


def test_margin_too_large_is_an_error():
    raw = raw_defaults()
    raw["position_limits"]["margin"] = 1.0  # fingers span 1.51 rad
    profile = load_profile("j2n6s300")
    with pytest.raises(ConfigError, match="leaves no room"):
        JointLimits.build(profile, SafetyParams.from_dict(raw), UrdfChain.from_file(profile.urdf_file()))
