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

from jaco_prog.robot.kinematics import PointKinematics, UrdfChain
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
    then sits D1 + D2 + D3 = 0.8928 m above the base."""
    q = {f"j2n6s300_joint_{i}": a * DEG for i, a in zip(range(1, 7), (0, 180, 180, 0, 180, 0))}
    wrist = chain.position(q, "j2n6s300_link_4")
    assert wrist[2] == pytest.approx(0.2755 + 0.41 + 0.2073, abs=1e-6)
    palm_axis = chain.link_pose(q, PROFILE.palm_link)[:3, 2]
    assert palm_axis == pytest.approx([0, 0, 1], abs=1e-9)


def test_mujoco_matches_urdf_chain_within_1mm(chain):
    model = build_model(PROFILE, SceneConfig())
    data = mujoco.MjData(model)
    rng = np.random.default_rng(7)
    links = ["j2n6s300_link_2", "j2n6s300_link_4", "j2n6s300_link_6", "j2n6s300_link_finger_2"]
    palm_fk = PointKinematics(chain, PROFILE.palm_link, PROFILE.joint_names)
    worst = 0.0
    for _ in range(200):
        q = rng.uniform(-np.pi, np.pi, 9)
        q[1] = rng.uniform(47 * DEG, 313 * DEG)
        q[2] = rng.uniform(19 * DEG, 341 * DEG)
        q[6:] = rng.uniform(0, 1.51, 3)
        for name, value in zip(PROFILE.joint_names, q):
            data.qpos[model.joint(name).qposadr[0]] = value
        mujoco.mj_kinematics(model, data)
        qd = dict(zip(PROFILE.joint_names, q))
        for link in links:
            worst = max(worst, np.linalg.norm(data.body(link).xpos - chain.position(qd, link)))
        worst = max(worst, np.linalg.norm(data.site(PALM_SITE).xpos - chain.position(qd, PROFILE.palm_link)))
        worst = max(worst, np.linalg.norm(data.site(PALM_SITE).xpos - palm_fk(q)))
    assert worst < 1e-3


def test_fast_point_fk_requires_every_joint_on_the_path(chain):
    with pytest.raises(KeyError, match="j2n6s300_joint_3"):
        PointKinematics(chain, PROFILE.palm_link, ["j2n6s300_joint_1", "j2n6s300_joint_2"])


def test_lever_arms_bound_how_far_a_joint_change_moves_each_monitored_link(chain):
    """The workspace look-ahead skips its batched FK when this bound keeps every point inside: it must hold
    for any pose and any joint change, and be tight enough to matter (within 2x of the worst case seen)."""
    from jaco_prog.safety.kinematics import BatchKinematics

    profile = load_profile("j2n6s300")
    links = [profile.palm_link, "j2n6s300_end_effector", "j2n6s300_link_5", "j2n6s300_link_3"]
    fk = BatchKinematics(chain, links, profile.joint_names, profile.base_link)
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
