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
from jaco_prog.sim.task_config import load_task_config

DOWN = np.array([[0, -1, 0], [-1, 0, 0], [0, 0, -1.0]])  # a camera looking straight down at the table


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
    # the target's size (and so its centre's height) estimated from the image: sub-millimetre in the median
    assert np.median(errors) < 0.002 and np.max(errors) < 0.015
    assert agree / (2 * frames) >= 0.99


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
    cam = PinholeCamera.from_fovy(640, 480, 50, DOWN, [0.4, 0, 1.0])
    tracker = ColourTracker(load_tracker_params(), cam)
    frame = np.zeros((240, 320, 3), np.uint8)
    frame[100:110, 200:210] = (230, 20, 20)
    result = tracker.track(frame)
    assert result.pixel == pytest.approx([409, 209], abs=1)


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.update(min_pixels=0), r"tracker\.min_pixels: must be a positive integer \(got 0\)"),
    (lambda t: t["hsv_ranges"][0]["low"].__setitem__(0, 200), r"hsv_ranges\[0\]\.low\[0\]: must be <= 179"),
    (lambda t: t.update(radius=0.1), r"tracker\.radius: unknown key"),
])
def test_bad_tracker_config_names_the_field(tmp_path, edit, message):
    from jaco_prog.paths import config_path

    data = yaml.safe_load(config_path("tracker.yaml").read_text())
    edit(data["tracker"])
    path = tmp_path / "tracker.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match=message):
        load_tracker_params(path)


@pytest.mark.parametrize("shape", ["box", "sphere", "cylinder", "capsule"])
@pytest.mark.parametrize("size", [0.022, 0.038])
def test_the_tracker_estimates_the_targets_size_and_so_its_centre(make_sim_env, shape, size):
    """Shape and size drawn by the task, unknown to the tracker (it knows the task's four shapes and 2-4 cm):
    the centre's height is the size, and assuming the middle of the range would be off by a centimetre."""
    env = make_sim_env(overrides={"randomisation": {"target_shape": {"shapes": [shape]},
                                                    "target_size": {"range": [size, size]}}})
    params = load_tracker_params()
    for seed in range(3):
        env.reset(seed=seed)
        camera = PinholeCamera.from_mujoco(env.model, env.data, POLICY_CAMERA, 320, 240)
        result = ColourTracker(params, camera).track(env.render_camera(320, 240))
        target = env.target_position()
        assert result.shape == shape and result.size == pytest.approx(size, abs=0.002)
        assert np.linalg.norm(result.point - target) < 0.003
        middle = camera.pixel_on_plane(*result.pixel, float(np.mean(params.target_size_range)))
        assert np.linalg.norm(middle - target) > 0.006  # the premise: a fixed height would be off


def test_a_blob_larger_than_any_target_is_not_the_target():
    camera = PinholeCamera.from_fovy(320, 240, 50, DOWN, [0.4, 0, 1.0])
    tracker = ColourTracker(load_tracker_params(), camera)
    frame = np.full((240, 320, 3), 90, np.uint8)
    frame[:, :150] = (200, 30, 30)  # a red table top: half the image
    assert not tracker.track(frame).visible
    frame[150:162, 250:262] = (230, 20, 20)  # a 4 cm target seen from 1 m: 12 px
    result = tracker.track(frame)
    assert result.visible and result.pixel == pytest.approx([255.5, 155.5]) and result.pixels == 144
    frame[155:157, 250:262] = 90  # a finger across the target cuts it in two: both halves count
    assert tracker.track(frame).pixels == 120


def test_the_reward_radius_is_the_tasks(tmp_path):
    """One home: config/task.yaml. The tracker reads it; tracker.yaml may not carry its own."""
    from jaco_prog.paths import config_path

    assert load_tracker_params().reward_radius == load_task_config().task.reward_radius
    wider = load_task_config(overrides={"task": {"reward_radius": 0.12}})
    assert load_tracker_params(task=wider).reward_radius == 0.12
    data = yaml.safe_load(config_path("tracker.yaml").read_text())
    data["tracker"]["reward_radius"] = 0.10
    path = tmp_path / "tracker.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match=r"tracker\.reward_radius: unknown key \(the task's: config/task\.yaml "
                                          r"task\.reward_radius\)"):
        load_tracker_params(path)


def test_the_tracker_knows_the_targets_the_task_draws():
    params = load_tracker_params()
    dr = load_task_config().randomisation
    assert params.target_shapes == tuple(dr.target_shape.shapes)
    assert params.target_size_range == tuple(dr.target_size.range)
    fixed = load_task_config(overrides={"randomisation": {"target_shape": {"enabled": False},
                                                          "target_size": {"enabled": False}}})
    params = load_tracker_params(task=fixed)
    assert params.target_shapes == ("box",) and params.target_size_range == (fixed.scene.target_size,) * 2


def test_the_real_graph_takes_the_trackers_numbers_from_tracker_yaml():
    """config/real_nodes.yaml once carried its own HSV ranges, which drifted from tracker.yaml's."""
    from jaco_prog.paths import config_path
    from jaco_prog.perception.colour_tracker import TrackerParams

    tracker_keys = set(TrackerParams.__dataclass_fields__)
    for name in ("real_nodes.yaml", "sim_nodes.yaml"):
        node = yaml.safe_load(config_path(name).read_text()).get("tracker_node", {}).get("ros__parameters", {})
        assert not tracker_keys & set(node), f"{name} copies tracker numbers: {tracker_keys & set(node)}"


def test_the_randomised_scene_keeps_the_background_out_of_the_targets_colour_band(make_sim_env):
    """docs/task.md "The tracker and the randomisation": table, light and distractors stay out of the band in
    every scene and the whole target stays in it, so the colour mask is the target."""
    import cv2
    import mujoco

    env = make_sim_env()
    u = env.unwrapped
    tracker = ColourTracker(load_tracker_params(), PinholeCamera.from_fovy(320, 240, 50, DOWN, [0.4, 0, 1.0]))
    for seed in range(150):
        env.reset(seed=seed)
        frame = u.render_camera(320, 240)
        u.data.mocap_pos[u.task.target_mocap] = [0, 5, -1]  # the same scene without the target
        mujoco.mj_kinematics(u.model, u.data)
        without = u.render_camera(320, 240)
        target = np.abs(frame.astype(int) - without).max(axis=2) > 8
        mask = tracker.colour_mask(cv2.cvtColor(frame, cv2.COLOR_RGB2HSV)) > 0
        assert not (mask & ~target).any(), f"seed {seed}: background in the band"
        assert (mask & target).sum() >= 0.99 * target.sum(), f"seed {seed}: target out of the band"
