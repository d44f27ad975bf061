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

"""The colour tracker that gives the real robot its sparse reward, validated against simulator ground truth."""
import numpy as np
import pytest
import yaml

from jaco_prog.config import ConfigError
from jaco_prog.perception.camera_model import PinholeCamera
from jaco_prog.perception.colour_tracker import ColourTracker, load_tracker_params
from jaco_prog.sim.scene import POLICY_CAMERA


def test_camera_model_projects_what_mujoco_renders(make_sim_env):
    env = make_sim_env(preset="nominal")
    env.reset(seed=0)
    cam = PinholeCamera.from_mujoco(env.model, env.data, POLICY_CAMERA, 640, 480)
    target = env.target_position()
    u, v = cam.project(target)[0]
    image = env.render_camera(640, 480)
    r, g, b = (int(c) for c in image[int(round(v)), int(round(u))])
    assert r > g + 40 and r > b + 40  # the projected target centre lands on red pixels
    back = cam.pixel_on_plane(u, v, target[2])
    assert back == pytest.approx(target, abs=1e-9)


@pytest.mark.parametrize("preset", ["nominal", "real_proxy"])
def test_tracker_localises_and_rewards_like_ground_truth_over_200_frames(make_sim_env, preset):
    env = make_sim_env(preset=preset)
    tracker_params = load_tracker_params()
    errors, agree = [], 0
    frames = 100
    for seed in range(frames):
        _, info = env.reset(seed=seed)
        for step in range(2):  # the start frame and one after a random action: 200 frames in all
            if step:
                _, _, _, _, info = env.step(env.action_space.sample())
            camera = PinholeCamera.from_mujoco(env.model, env.data, POLICY_CAMERA, 320, 240)
            tracker = ColourTracker(tracker_params, camera)
            result = tracker.track(env.render_camera(320, 240))
            truth = info["privileged"]["target_pos"]
            assert result.visible
            errors.append(np.linalg.norm(result.point - truth))
            palm = info["privileged"]["palm_pos"]
            agree += tracker.reward(result.point, palm) == float(np.linalg.norm(palm - truth) <= 0.1)
    assert np.median(errors) < 0.01 and np.max(errors) < 0.03
    assert agree / (2 * frames) >= 0.98


def test_target_out_of_sight_is_reported_not_visible(make_sim_env):
    import mujoco

    env = make_sim_env(preset="nominal")
    env.reset(seed=0)
    env.data.mocap_pos[env.task.target_mocap] = [0, 5, -1]
    mujoco.mj_kinematics(env.model, env.data)
    camera = PinholeCamera.from_mujoco(env.model, env.data, POLICY_CAMERA, 320, 240)
    tracker = ColourTracker(load_tracker_params(), camera)
    result = tracker.track(env.render_camera(320, 240))
    assert not result.visible and result.point is None
    assert tracker.reward(result.point, env.sim.palm_position()) == 0.0


def test_tracker_scales_a_frame_of_another_resolution():
    cam = PinholeCamera.from_fovy(640, 480, 50, np.array([[0, -1, 0], [-1, 0, 0], [0, 0, -1.0]]), [0.4, 0, 1.0])
    tracker = ColourTracker(load_tracker_params(), cam)
    frame = np.zeros((240, 320, 3), np.uint8)
    frame[100:110, 200:210] = (230, 20, 20)
    result = tracker.track(frame)
    assert result.pixel == pytest.approx([409, 209], abs=1)


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.update(min_pixels=0), r"tracker\.min_pixels: must be > 0"),
    (lambda t: t["hsv_ranges"][0]["low"].__setitem__(0, 200), r"hsv_ranges\[0\]\.low\[0\]: must be <= 179"),
    (lambda t: t.update(radius=0.1), r"tracker\.radius: unknown field"),
])
def test_bad_tracker_config_names_the_field(tmp_path, edit, message):
    from jaco_prog.paths import config_path

    data = yaml.safe_load(config_path("tracker.yaml").read_text())
    edit(data["tracker"])
    path = tmp_path / "tracker.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match=message):
        load_tracker_params(path)
