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

"""The one robot model: the URDF carries Kinova's published limits, and MuJoCo's kinematics (imported from the
URDF) agree with an independent chain product over the same file."""
import mujoco
import numpy as np
import pytest

from jaco_prog.robot.kinematics import ChainKinematics, UrdfChain
from jaco_prog.robot.profile import load_profile
from jaco_prog.sim.scene import PALM_SITE, SceneConfig, build_model

DEG = np.pi / 180
PROFILE = load_profile("j2n6s300")


@pytest.fixture(scope="module")
def chain():
    return UrdfChain.from_file(PROFILE.urdf_file())


def test_urdf_limits_are_kinovas(chain):
    j = chain.joints
    assert j["j2n6s300_joint_2"].lower == pytest.approx(47 * DEG, abs=1e-5)
    assert j["j2n6s300_joint_2"].upper == pytest.approx(313 * DEG, abs=1e-5)
    assert j["j2n6s300_joint_3"].lower == pytest.approx(19 * DEG, abs=1e-5)
    assert j["j2n6s300_joint_3"].upper == pytest.approx(341 * DEG, abs=1e-5)
    for i in (1, 4, 5, 6):
        assert j[f"j2n6s300_joint_{i}"].is_continuous
    for i in (1, 2, 3):
        assert j[f"j2n6s300_joint_{i}"].velocity == pytest.approx(36 * DEG, abs=1e-5)
    for i in (4, 5, 6):
        assert j[f"j2n6s300_joint_{i}"].velocity == pytest.approx(48 * DEG, abs=1e-5)
    for i in (1, 2, 3):
        finger = j[f"j2n6s300_joint_finger_{i}"]
        assert (finger.lower, finger.upper) == (0.0, pytest.approx(1.51))
    assert len(chain.movable) == 9


def test_candle_pose_is_upright_at_published_height(chain):
    """Kinova's angle convention: (*, 180, 180, *, 180, *) deg is the straight-up candle; the wrist centre
    then sits D1 + D2 + D3 = 0.8928 m above the base, and the hand points straight up (the end-effector frame
    straight above the palm)."""
    q = np.array([0, 180, 180, 0, 180, 0, 0, 0, 0]) * DEG
    fk = ChainKinematics(chain, ["j2n6s300_link_4", PROFILE.palm_link, "j2n6s300_end_effector"],
                         PROFILE.joint_names, frame=PROFILE.base_link)
    wrist, palm, tip = fk(q)
    assert wrist[2] == pytest.approx(0.2755 + 0.41 + 0.2073, abs=1e-6)
    assert tip[:2] == pytest.approx(palm[:2], abs=1e-9) and tip[2] > palm[2] > wrist[2]


def test_mujoco_matches_the_urdf_kinematics_within_1mm(chain):
    model = build_model(PROFILE, SceneConfig())
    data = mujoco.MjData(model)
    rng = np.random.default_rng(7)
    links = ["j2n6s300_link_2", "j2n6s300_link_4", "j2n6s300_link_6", "j2n6s300_link_finger_2"]
    fk = ChainKinematics(chain, links + [PROFILE.palm_link], PROFILE.joint_names, frame=PROFILE.base_link)
    worst = 0.0
    for _ in range(200):
        q = rng.uniform(-np.pi, np.pi, 9)
        q[1] = rng.uniform(47 * DEG, 313 * DEG)
        q[2] = rng.uniform(19 * DEG, 341 * DEG)
        q[6:] = rng.uniform(0, 1.51, 3)
        for name, value in zip(PROFILE.joint_names, q):
            data.qpos[model.joint(name).qposadr[0]] = value
        mujoco.mj_kinematics(model, data)
        got = fk(q)  # the base frame is MuJoCo's world frame: the base stands at the origin
        for k, link in enumerate(links):
            worst = max(worst, np.linalg.norm(data.body(link).xpos - got[k]))
        worst = max(worst, np.linalg.norm(data.site(PALM_SITE).xpos - got[-1]))
    assert worst < 1e-3


def test_kinematics_requires_every_joint_on_the_path(chain):
    with pytest.raises(KeyError, match="j2n6s300_joint_3"):
        ChainKinematics(chain, [PROFILE.palm_link], ["j2n6s300_joint_1", "j2n6s300_joint_2"], frame=PROFILE.base_link)


TWO_LINKS = """<robot name="r">
  <link name="world"/><link name="base"/><link name="arm"/><link name="tip"/>
  <joint name="mount" type="fixed"><parent link="world"/><child link="base"/>
    <origin xyz="1 2 3" rpy="0 0 1.5707963267948966"/></joint>
  <joint name="shoulder" type="revolute"><parent link="base"/><child link="arm"/>
    <origin xyz="0 0 0.5"/><axis xyz="0 0 1"/><limit lower="-3" upper="3" velocity="1" effort="1"/></joint>
  <joint name="tool" type="fixed"><parent link="arm"/><child link="tip"/><origin xyz="0.3 0 0"/></joint>
</robot>"""


def test_positions_are_in_the_named_frame_and_a_moving_frame_is_refused():
    chain = UrdfChain.from_string(TWO_LINKS)
    in_base = ChainKinematics(chain, ["tip"], ["shoulder"], frame="base")
    in_world = ChainKinematics(chain, ["tip"], ["shoulder"], frame="world")
    q = np.array([0.5])
    tip = np.array([0.3 * np.cos(0.5), 0.3 * np.sin(0.5), 0.5])
    assert in_base(q)[0] == pytest.approx(tip, abs=1e-12)
    # world = mount offset + the base turned a quarter about z
    assert in_world(q)[0] == pytest.approx([1 - tip[1], 2 + tip[0], 3 + tip[2]], abs=1e-12)
    with pytest.raises(ValueError, match="moves with joint 'shoulder'"):
        ChainKinematics(chain, ["tip"], ["shoulder"], frame="arm")


def test_lever_arms_bound_how_far_a_joint_change_moves_each_monitored_link(chain):
    """The workspace look-ahead skips its batched FK when this bound keeps every point inside: it must hold
    for any pose and any joint change, and be tight enough to matter (within 2x of the worst case seen)."""
    profile = load_profile("j2n6s300")
    links = [profile.palm_link, "j2n6s300_end_effector", "j2n6s300_link_5", "j2n6s300_link_3"]
    fk = ChainKinematics(chain, links, profile.joint_names, frame=profile.base_link)
    rng = np.random.default_rng(0)
    ratios = []
    for _ in range(500):
        q = rng.uniform(-4, 4, profile.n_joints)
        dq = rng.normal(0, 0.2, profile.n_joints) * (rng.random(profile.n_joints) < 0.5)
        moved = np.linalg.norm(fk(q + dq) - fk(q), axis=1)
        bound = fk.lever @ np.abs(dq)
        assert np.all(moved <= bound + 1e-12)
        ratios.append(np.max(moved / np.maximum(bound, 1e-12)))
    assert max(ratios) > 0.5
