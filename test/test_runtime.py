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

"""The graph's ROS-free components (jaco_prog.runtime), one at a time."""
import numpy as np
import pytest
import torch
import yaml

from jaco_prog.config import ConfigError
from jaco_prog.robot.profile import load_profile
from jaco_prog.runtime import EpisodeManager, PolicyLoop, parse_event, policy_image
from jaco_prog.runtime.params import EpisodeParams, PolicyParams, RuntimeParams, load_runtime_params

PROFILE = load_profile("j2n6s300")
NAMES = PROFILE.joint_names


class RecordingActor:
    def __init__(self, action=2):
        self.action = action
        self.observations, self.resets = [], 0

    def reset(self):
        self.resets += 1

    def act(self, obs):
        self.observations.append(obs)
        return np.full(len(NAMES), self.action)


def fresh_inputs(loop, t, image=None):
    loop.on_image(np.zeros((240, 320, 3), np.uint8) if image is None else image, t)
    loop.on_joint_state(NAMES, np.arange(9.0), np.zeros(9), t)


# --- PolicyLoop ------------------------------------------------------------------------------------------
def test_policy_commands_only_inside_an_episode_and_stops_when_inputs_are_stale():
    actor = RecordingActor()
    loop = PolicyLoop(actor, NAMES, PROFILE.action_velocities, PolicyParams(image_timeout=0.25,
                                                                            joint_state_timeout=0.1))
    fresh_inputs(loop, 0.0)
    assert loop.tick(0.0).command is None and "waiting" in loop.tick(0.0).reason
    loop.on_episode_event("start 0")
    out = loop.tick(0.05)
    assert out.reason == "ok" and out.joint_names == NAMES
    assert out.command == pytest.approx(PROFILE.action_velocities)  # action 2 = +v for every joint
    assert out.inference > 0 and out.to_diagnostic()["level"] == 0
    # the joint state is 0.15 s old: no command, and the status says why
    loop.on_image(np.zeros((240, 320, 3), np.uint8), 0.15)
    out = loop.tick(0.15)
    assert out.command is None and "joint state is 0.150 s old" in out.reason
    assert out.to_diagnostic()["level"] == 1 and "joint state" in out.to_diagnostic()["message"]
    # fresh joint state, image 0.3 s old
    loop.on_joint_state(NAMES, np.zeros(9), np.zeros(9), 0.45)
    out = loop.tick(0.45)
    assert out.command is None and "image is 0.300 s old" in out.reason
    fresh_inputs(loop, 0.5)
    assert loop.tick(0.5).command is not None
    assert len(actor.observations) == 2  # the actor never ran on stale inputs
    # the episode ends: one stop command, then nothing
    loop.on_episode_event("end 0 3")
    out = loop.tick(0.55)
    assert out.command == pytest.approx(np.zeros(9)) and "stop" in out.reason
    assert loop.tick(0.6).command is None


def test_policy_reads_joint_states_by_name_and_crops_to_the_training_view():
    actor = RecordingActor(action=1)
    loop = PolicyLoop(actor, NAMES, PROFILE.action_velocities)
    loop.on_episode_event("start 4")
    order = NAMES[::-1]
    loop.on_image(np.zeros((240, 320, 3), np.uint8), 0.0)
    loop.on_joint_state(order, np.arange(9.0)[::-1], np.arange(9.0)[::-1] * 10, 0.0)
    out = loop.tick(0.0)
    assert out.command == pytest.approx(np.zeros(9)) and out.episode == 4
    obs = actor.observations[-1]
    assert obs["pixels"].shape == (64, 64, 3) and obs["pixels"].dtype == np.uint8
    assert obs["proprio"] == pytest.approx(np.concatenate([np.arange(9.0), np.arange(9.0) * 10]))
    loop.on_joint_state(NAMES[:5], np.zeros(5), np.zeros(5), 0.05)
    out = loop.tick(0.05)
    assert out.command is None and "lacks joint(s)" in out.reason


def test_centre_crop_of_a_4_3_frame_reproduces_the_64x64_training_render(make_sim_env):
    env = make_sim_env(preset="nominal")
    for seed in range(3):
        obs, _ = env.reset(seed=seed)
        view = policy_image(env.render_camera(320, 240), 64)
        assert np.abs(view.astype(int) - obs["pixels"].astype(int)).mean() < 3  # of 255: resampling only


def _checkpoint(path):
    from jaco_prog.nets.checkpoint import save_checkpoint
    from jaco_prog.nets.progressive import ProgressiveNet
    from jaco_prog.nets.spec import ColumnSpec, NetSpec

    torch.manual_seed(3)
    spec = NetSpec(profile=PROFILE.to_dict(), columns=(ColumnSpec.preset("narrow", inputs="pixels+proprio"),),
                   proprio_dim=18, privileged_dim=24)
    return save_checkpoint(path, {"spec": spec.to_dict(), "model": ProgressiveNet(spec).state_dict()})


def test_lstm_state_is_reset_at_each_episode_start(tmp_path):
    loop = PolicyLoop.from_checkpoint(_checkpoint(tmp_path / "c.pt"), PROFILE)
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (240, 320, 3), dtype=np.uint8) for _ in range(4)]

    def episode(event):
        loop.on_episode_event(event)
        assert float(loop.actor.state.abs().sum()) == 0.0  # cleared at the start
        actions = []
        for i, frame in enumerate(frames):
            t = 10.0 * len(event) + 0.05 * i
            loop.on_image(frame, t)
            loop.on_joint_state(NAMES, np.full(9, 0.1 * i), np.zeros(9), t)
            actions.append(loop.tick(t).actions)
        assert float(loop.actor.state.abs().sum()) > 0.0  # the LSTM carried state within the episode
        return np.array(actions)

    first = episode("start 0")
    loop.on_episode_event("end 0 0")
    again = episode("start 1")
    assert np.array_equal(first, again)  # same inputs from a cleared state: the same actions
    assert loop.resets == 2  # one per start


def test_checkpoint_for_other_joints_is_refused(tmp_path):
    from jaco_prog.errors import UserError

    with pytest.raises(UserError, match="this graph drives profile 'gen3'"):
        PolicyLoop.from_checkpoint(_checkpoint(tmp_path / "c.pt"), load_profile("gen3"))


# --- EpisodeManager --------------------------------------------------------------------------------------
def test_episodes_emit_start_and_end_with_the_credited_return_and_reset_the_world():
    events, resets = [], []
    manager = EpisodeManager(EpisodeParams(steps=3, settle_ticks=1, move_target_every=3),
                             emit=lambda text, now: events.append((now, text)), reset_world=resets.append,
                             max_episodes=2)
    acted, t = [], 0
    rewards = iter([9, 9, 9, 1, 0, 1, 9, 9, 0, 1, 1, 9, 9])  # what the tracker said at each tick
    while not manager.done:
        acted.append(manager.tick(t, next(rewards)))
        t += 1
    # tick 0: reset (episode 0); 1: settle; 2: start + action 0; 3, 4: actions 1, 2 (rewards credited);
    # 5: last reward, end, reset for episode 1; 6: settle; 7: start; 8, 9: act; 10: end
    assert events == [(2, "start 0"), (5, "end 0 2"), (7, "start 1"), (10, "end 1 2")]
    assert acted == [False, False, True, True, True, False, False, True, True, True, False]
    assert resets == [0, 1]
    assert manager.returns == [2.0, 2.0] and manager.end_reasons == ["steps", "steps"]
    assert parse_event("end 1 2") == ("end", 1, 2.0) and parse_event("start 7") == ("start", 7, None)


@pytest.mark.parametrize("text", ["", "end", "start", "start x", "end 3 x", "end 3 nan", "end 3 inf", "end x 2",
                                  "start 3 4", "end 3 4 5", "stop 3", "end 3.5 2"])
def test_a_malformed_episode_event_is_a_value_error_that_says_what_was_expected(text):
    with pytest.raises(ValueError, match="episode event"):
        parse_event(text)


def test_an_end_event_without_a_return_still_ends_the_episode():
    assert parse_event("end 3") == ("end", 3, None)


def test_operator_is_asked_to_move_the_target_every_third_episode_and_aborts_end_early():
    asked, events = [], []
    manager = EpisodeManager(EpisodeParams(steps=2, settle_ticks=1, move_target_every=3),
                             emit=lambda text, now: events.append(text),
                             ask_operator=lambda n: asked.append(n) or False)
    for t in range(5):
        manager.tick(t, 0)
    assert asked == [0] and events == []  # waiting for the operator
    manager.target_moved()
    for t in range(5, 40):
        manager.tick(t, 1)
        if manager.running and manager.episode == 2 and manager.step == 1:
            manager.abort(t, "e-stop")
    assert asked == [0, 3]  # before episodes 0 and 3 only
    assert "end 2 0" in events and manager.end_reasons[2] == "e-stop"
    assert events[:2] == ["start 0", "end 0 2"]


# --- RewardTracker and SimWorld --------------------------------------------------------------------------
@pytest.fixture
def world():
    from jaco_prog.runtime.sim_world import SimWorld

    w = SimWorld.build(preset="nominal", seed=0)
    yield w
    w.close()


def test_reward_tracker_localises_the_target_and_scores_the_palm_like_ground_truth(world):
    from jaco_prog.runtime.reward_tracker import RewardTracker

    tracker = RewardTracker.for_profile(world.profile, world.camera_model())
    errors, agree, total = [], 0, 0
    for seed in range(12):
        palm_xy = None
        for placement in ("random", "under_palm"):
            options = None if placement == "random" else {"target_xy": palm_xy,
                                                          "joint_positions": world.sim.joint_positions()}
            world.reset_episode(seed, options)
            tracker.set_camera(world.camera_model())
            out = world.tick()
            tracker.on_joint_state(out.joint_names, out.positions, out.stamp)
            result = tracker.on_image(out.image, out.stamp)
            assert result.visible
            assert result.palm == pytest.approx(world.palm_position(), abs=1e-9)  # URDF FK = sim palm
            errors.append(np.linalg.norm(result.point - world.target_position()))
            agree += result.reward == out.reward_ground_truth
            total += 1
            palm_xy = world.palm_position()[:2]
            for _ in range(world.camera_every):  # on to the next camera frame
                world.advance()
    assert np.median(errors) < 0.01 and max(errors) < 0.03
    assert agree >= total - 1


def test_reward_tracker_says_why_without_a_joint_state(world):
    from jaco_prog.runtime.reward_tracker import RewardTracker

    tracker = RewardTracker.for_profile(world.profile, world.camera_model())
    out = world.tick()
    result = tracker.on_image(out.image, out.stamp)
    assert result.visible and result.reward == 0.0 and result.reason == "no joint state received yet"
    tracker.on_joint_state(out.joint_names, out.positions, out.stamp - 1.0)
    assert "old" in tracker.on_image(out.image, out.stamp).reason
    info = world.camera_info()
    tracker.on_camera_info(info["width"] // 2, info["height"] // 2, np.array(info["K"]) / 2)
    assert tracker.camera.width == info["width"] // 2 and tracker.camera.position == pytest.approx(
        world.camera_model().position)


def test_sim_world_publishes_at_its_rates_through_the_safety_layer_on_a_monotonic_clock(world):
    params = world.params.sim
    seen = {"image": 0, "status": 0, "state": 0}
    stamps, image = [], None
    for _ in range(50):  # 0.5 s
        out = world.tick()
        stamps.append(out.stamp)
        seen["image"] += out.image is not None
        seen["status"] += out.driver_status is not None
        seen["state"] += out.positions is not None
        image = out.image if out.image is not None else image
        world.submit(np.full(9, 5.0), NAMES)  # far above the velocity limits
        assert np.all(np.abs(out.applied) <= PROFILE.velocity_limits + 1e-9)
        world.advance()
    assert seen == {"image": 0.5 * params.camera_rate, "status": 0.5 * params.driver_status_rate,
                    "state": 0.5 * params.joint_state_rate}
    assert image.shape == (params.camera_height, params.camera_width, 3)
    before = world.now
    world.reset_episode(1)
    assert world.now == before and np.all(np.diff(stamps) > 0)  # the clock runs on across a reset
    out = world.tick()
    assert world.driver.last_tick.status.status.value != "fault"  # joint states are not stale after a reset
    world.estop("test")
    world.submit(np.full(9, 0.3), NAMES)
    world.advance()
    out = world.tick()
    assert world.driver.last_tick.status.status.value == "estop" and not out.applied.any()
    world.reset_driver()
    world.enable(False)
    assert world.submit(np.full(9, 0.3), NAMES) is None  # disabled: commands are ignored


# --- configuration ---------------------------------------------------------------------------------------
def test_runtime_config_errors_name_the_field(tmp_path):
    from jaco_prog.paths import config_path

    raw = yaml.safe_load(config_path("runtime.yaml").read_text())
    assert isinstance(load_runtime_params(), RuntimeParams)
    bad = yaml.safe_load(yaml.safe_dump(raw))
    bad["policy"]["crop"] = "middle"
    with pytest.raises(ConfigError, match=r"runtime.yaml: policy\.crop: must be one of"):
        RuntimeParams.from_dict(bad)
    bad = yaml.safe_load(yaml.safe_dump(raw))
    bad["episodes"]["length"] = 50
    with pytest.raises(ConfigError, match=r"episodes\.length: unknown key"):
        RuntimeParams.from_dict(bad)
    bad = yaml.safe_load(yaml.safe_dump(raw))
    bad["sim"]["camera_rate"] = 30.0
    path = tmp_path / "runtime.yaml"
    path.write_text(yaml.safe_dump(bad))
    from jaco_prog.runtime.sim_world import SimWorld

    with pytest.raises(ConfigError, match=r"sim\.camera_rate: 30 Hz must divide the driver control rate 100 Hz"):
        SimWorld.build(preset="nominal", params=load_runtime_params(path))


def test_which_driver_and_sim_statuses_end_an_episode():
    from jaco_prog.runtime.episodes import episode_ending_status
    assert episode_ending_status({"level": 2, "name": "sim", "message": "safety violation",
                                  "values": {"violation": "table_contact"}}) == "violation: table_contact"
    assert episode_ending_status({"level": 2, "name": "driver", "message": "estop",
                                  "values": {"status": "estop", "reason": "operator"}}) == "estop: operator"
    for calm in ({"level": 0, "message": "ok", "values": {"status": "ok"}},
                 {"level": 1, "message": "stale", "values": {"status": "stale", "reason": "no command"}}):
        assert episode_ending_status(calm) is None  # the watchdog between episodes must not end the next one
