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

"""The reaching task (paper section 4): observations, reward, termination, randomisation, determinism."""
import dataclasses

import gymnasium as gym
import mujoco
import numpy as np
import pytest

from jaco_prog.sim.scene import TARGET_SHAPES

DEG = np.pi / 180
# Arm straight up at the base: far from the target area and out of the camera's line of sight to it.
CANDLE = np.array([0, 180, 180, 0, 180, 0, 20, 20, 20]) * DEG
STILL = np.ones(9, dtype=int)


def _drive(env, joint, choice, steps=60):
    action = STILL.copy()
    action[joint] = choice
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            return terminated, info
    return False, info


def test_spaces_follow_the_profile_and_keep_privileged_state_out(make_sim_env):
    env = make_sim_env()
    obs, info = env.reset(seed=3)
    assert set(obs) == {"pixels", "proprio"}
    assert obs["pixels"].shape == (64, 64, 3) and obs["pixels"].dtype == np.uint8
    assert obs["proprio"].shape == (18,)
    assert np.allclose(obs["proprio"][:9], env.sim.joint_positions(), atol=1e-6)
    assert env.action_space.nvec.tolist() == [3] * 9
    assert set(info["privileged"]) == {"target_pos", "palm_pos"}
    assert env.observation_space.contains(obs)


def test_actions_are_velocity_commands_of_plus_minus_v(make_sim_env):
    env = make_sim_env()
    env.reset(seed=0)
    v = env.profile.action_velocities
    assert env.velocity_command([0, 1, 2, 1, 1, 1, 1, 1, 0]) == pytest.approx(
        [-v[0], 0, v[2], 0, 0, 0, 0, 0, -v[8]])
    with pytest.raises(ValueError, match="9 integers in 0..2"):
        env.step(np.full(9, 3))
    with pytest.raises(ValueError):
        env.step(np.ones(7, int))


def test_joint_velocity_follows_the_command(make_sim_env, fixed_overrides):
    env = make_sim_env(overrides=fixed_overrides)
    env.reset(seed=0, options={"joint_positions": CANDLE})
    action = STILL.copy()
    action[0] = 2
    for _ in range(5):
        obs, *_ = env.step(action)
    assert obs["proprio"][9] == pytest.approx(env.profile.action_velocities[0], rel=0.05)


def test_episode_lasts_50_steps(make_sim_env, fixed_overrides):
    env = make_sim_env(overrides=fixed_overrides)
    env.reset(seed=0, options={"joint_positions": CANDLE})
    for step in range(1, 51):
        _, _, terminated, truncated, info = env.step(STILL)
        assert not terminated
        assert truncated == (step == 50)
    assert info["step"] == 50


def _low_pose(env):
    """A violation-free pose with the palm 5-9 cm above the table top."""
    rng = np.random.default_rng(1)
    for _ in range(2000):
        q = env.profile.home + rng.uniform(-0.6, 0.6, 9) * np.array([1, 1, 1, 1, 1, 1, 0, 0, 0])
        env.sim.reset(q)
        if env.sim.violation() is None and 0.05 < env.sim.palm_position()[2] < 0.09:
            return q
    raise AssertionError("no low pose found")


@pytest.mark.parametrize("distance, rewarded", [(0.07, True), (0.093, True), (0.107, False), (0.2, False)])
def test_reward_is_one_exactly_within_10cm(make_sim_env, fixed_overrides, distance, rewarded):
    env = make_sim_env(overrides=fixed_overrides)
    env.reset(seed=0)
    q = _low_pose(env)
    env.reset(seed=0, options={"joint_positions": q})
    env.step(STILL)
    palm = env.sim.palm_position()
    dz = palm[2] - env.target_position()[2]
    horizontal = np.sqrt(distance**2 - dz**2)
    env.set_target(palm[:2] + horizontal * np.array([np.cos(0.3), np.sin(0.3)]))
    _, reward, terminated, _, info = env.step(STILL)
    assert not terminated
    assert info["distance"] == pytest.approx(distance, abs=0.004)
    assert reward == (1.0 if rewarded else 0.0)
    assert info["within_radius"] == rewarded


def test_table_contact_terminates(make_sim_env, fixed_overrides):
    env = make_sim_env(overrides=fixed_overrides, safety=False)  # the simulator's own check, unfiltered
    env.reset(seed=0, options={"joint_positions": np.array([0, 150, 60, 0, 180, 0, 20, 20, 20]) * DEG})
    terminated, info = _drive(env, joint=1, choice=0)
    assert terminated and info["violation"] == "table_contact"


def test_self_collision_terminates(make_sim_env, fixed_overrides):
    env = make_sim_env(overrides=fixed_overrides, safety=False)  # the simulator's own check, unfiltered
    q = np.array([0, 201.8, 54.8, -72.1, 152.2, 0, 20, 20, 20]) * DEG
    env.reset(seed=0, options={"joint_positions": q})
    assert env.sim.violation() is None
    terminated, info = _drive(env, joint=2, choice=0)
    assert terminated and info["violation"] == "self_collision"


def test_set_joint_limit_terminates(make_sim_env, fixed_overrides):
    """The set limit is `joint_limit_margin_deg` inside the URDF limit: 47 + 40 = 87 deg for joint 2 here."""
    overrides = {**fixed_overrides, "task": {"joint_limit_margin_deg": 40}}
    env = make_sim_env(overrides=overrides, safety=False)
    env.reset(seed=0, options={"joint_positions": np.array([0, 100, 200, 0, 180, 0, 20, 20, 20]) * DEG})
    terminated, info = _drive(env, joint=1, choice=0)
    assert terminated and info["violation"] == "joint_limit:j2n6s300_joint_2"
    assert env.sim.joint_positions()[1] <= 87.01 * DEG


@pytest.mark.parametrize("start, joint", [([0, 150, 60, 0, 180, 0, 20, 20, 20], 1),
                                          ([0, 201.8, 54.8, -72.1, 152.2, 0, 20, 20, 20], 2)])
def test_through_the_deployed_safety_layer_the_same_dives_stop_short(make_sim_env, fixed_overrides, start, joint):
    """Train as you deploy: commands reach the arm through config/safety.yaml's layer at the driver's rate, so
    the dives that end in table contact or self-collision without it are braked (no violation, no end)."""
    env = make_sim_env(overrides=fixed_overrides)
    env.reset(seed=0, options={"joint_positions": np.array(start) * DEG})
    terminated, info = _drive(env, joint=joint, choice=0)
    assert not terminated and info["violation"] is None
    assert env.arm.driver.last_tick.status.status.value in ("limited", "ok")
    assert np.abs(env.sim.joint_velocities()[:6]).max() < 0.05  # braked to a stop


def test_commands_act_one_driver_period_late_and_ramp_at_the_acceleration_limit(make_sim_env, fixed_overrides):
    env = make_sim_env(overrides=fixed_overrides)
    env.reset(seed=0, options={"joint_positions": CANDLE})
    layer = env.arm.layer
    action = STILL.copy()
    action[0] = 2
    outputs = []
    original = env.arm.driver.step

    def recorded():
        tick = original()
        outputs.append(tick.output[0])
        return tick
    env.arm.driver.step = recorded
    env.step(action)
    step = layer.params.acceleration_limit.arm / layer.params.control_rate
    assert outputs[0] == 0.0  # the command arrives after the period's driver step, as from the graph
    v = env.profile.action_velocities[0]
    assert step * (len(outputs) - 2) < v  # the ramp is still visible within one control step
    assert outputs[1:] == pytest.approx([min(step * k, v) for k in range(1, len(outputs))])


def test_violating_step_earns_no_reward(make_sim_env, fixed_overrides):
    env = make_sim_env(overrides=fixed_overrides, safety=False)  # the simulator's own check, unfiltered
    env.reset(seed=0, options={"joint_positions": np.array([0, 150, 60, 0, 180, 0, 20, 20, 20]) * DEG})
    action = STILL.copy()
    action[1] = 0
    while True:
        env.set_target(env.sim.palm_position()[:2])  # keep the target right under the palm
        _, reward, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            break
    assert terminated and reward == 0.0


def test_random_starts_are_diverse_and_safe(make_sim_env):
    env = make_sim_env()
    starts, palms = [], []
    for seed in range(25):
        obs, info = env.reset(seed=seed)
        assert env.sim.violation() is None
        assert info["privileged"]["palm_pos"][2] >= env.cfg.task.start_min_palm_height
        starts.append(obs["proprio"][:6])
        palms.append(info["privileged"]["palm_pos"])
    assert np.std(np.array(starts), axis=0).min() > 5 * DEG
    assert np.ptp(np.array(palms)[:, 0]) > 0.1


def test_targets_fill_the_40_by_30_cm_area(make_sim_env):
    env = make_sim_env()
    t = env.cfg.task
    xy = np.array([env.reset(seed=s)[1]["privileged"]["target_pos"][:2] for s in range(200)])
    low = np.array(t.target_area_center) - np.array(t.target_area_size) / 2
    high = np.array(t.target_area_center) + np.array(t.target_area_size) / 2
    assert np.all(xy >= low - 1e-6) and np.all(xy <= high + 1e-6)
    assert np.all(np.ptp(xy, axis=0) > 0.8 * np.array(t.target_area_size))
    assert tuple(t.target_area_size) == (0.30, 0.40)


def test_randomisation_draws_stay_within_configured_ranges(make_sim_env):
    env = make_sim_env()
    dr = env.cfg.randomisation
    shapes, latencies = set(), set()
    for seed in range(60):
        env.reset(seed=seed)
        d = env.draw
        shapes.add(d.target_shape)
        latencies.add(d.latency_steps)
        assert dr.target_size.range[0] <= d.target_size <= dr.target_size.range[1]
        assert np.all(d.target_rgb >= dr.target_colour.low) and np.all(d.target_rgb <= dr.target_colour.high)
        assert dr.distractors.count[0] <= d.distractor_count <= dr.distractors.count[1]
        for size, rgb in zip(d.distractor_sizes, d.distractor_rgbs):
            assert dr.distractors.size[0] <= size <= dr.distractors.size[1]
            assert np.all(rgb >= dr.distractors.low) and np.all(rgb <= dr.distractors.high)
        assert np.all(d.table_rgb >= dr.table_colour.low) and np.all(d.table_rgb <= dr.table_colour.high)
        assert dr.light.height[0] <= d.light_pos[2] <= dr.light.height[1]
        assert dr.dynamics.damping[0] <= d.damping <= dr.dynamics.damping[1]
        assert dr.dynamics.actuator_gain_scale[0] <= d.actuator_gain_scale <= dr.dynamics.actuator_gain_scale[1]
        assert dr.latency.steps[0] <= d.latency_steps <= dr.latency.steps[1]
        # what was drawn is what the model renders and simulates with
        assert env.model.light_pos[0][2] == pytest.approx(d.light_pos[2])
        assert env.model.dof_damping.min() == pytest.approx(d.damping)
        target = env.model.geom(f"target_{d.target_shape}")
        assert target.rgba[:3] == pytest.approx(d.target_rgb)
    assert shapes == set(TARGET_SHAPES)
    assert latencies == {0, 1}


def test_disabled_randomisation_gives_a_fixed_scene(make_sim_env, fixed_overrides):
    options = {"joint_positions": CANDLE, "target_xy": [0.45, 0.05]}
    fixed = make_sim_env(overrides=fixed_overrides)
    frames = [fixed.reset(seed=s, options=options)[0]["pixels"] for s in range(4)]
    assert all(np.array_equal(frames[0], f) for f in frames[1:])
    randomised = make_sim_env()
    frames = [randomised.reset(seed=s, options=options)[0]["pixels"] for s in range(4)]
    assert not all(np.array_equal(frames[0], f) for f in frames[1:])


@pytest.mark.parametrize("shape", TARGET_SHAPES)
def test_target_is_visible_in_the_64px_frame_for_every_shape(make_sim_env, shape):
    """Colour-mask test: the pixels that change when the target is removed are the target's, and reddish."""
    env = make_sim_env(overrides={"randomisation": {"target_shape": {"shapes": [shape]},
                                                    "distractors": {"enabled": False}}})
    for seed in range(6):
        xy = env.unwrapped.np_random.uniform(0, 1, 2) if seed else np.zeros(2)
        area = np.array(env.cfg.task.target_area_center) + (xy - 0.5) * np.array(env.cfg.task.target_area_size)
        obs, _ = env.reset(seed=seed, options={"joint_positions": CANDLE, "target_xy": area})
        assert env.draw.target_shape == shape
        with_target = obs["pixels"].astype(int)
        env.data.mocap_pos[env.task.target_mocap] = [0, 5, -1]  # out of sight
        mujoco.mj_kinematics(env.model, env.data)
        without = env._render_own().astype(int)
        mask = np.abs(with_target - without).sum(axis=2) > 30
        assert mask.sum() >= 2, f"target {shape} covers {mask.sum()} px at seed {seed}"
        red, green, blue = (with_target[..., c][mask] for c in range(3))
        assert np.all(red > green) and np.all(red > blue)


def test_same_seed_gives_an_identical_episode(make_sim_env):
    a, b = make_sim_env(), make_sim_env()
    rng = np.random.default_rng(0)
    actions = rng.integers(0, 3, size=(20, 9))
    oa, _ = a.reset(seed=42)
    ob, _ = b.reset(seed=42)
    assert np.array_equal(oa["pixels"], ob["pixels"])
    for action in actions:
        oa, ra, *_ = a.step(action)
        ob, rb, *_ = b.step(action)
        assert np.array_equal(oa["pixels"], ob["pixels"])
        assert np.array_equal(oa["proprio"], ob["proprio"])
        assert ra == rb
    oc, _ = a.reset(seed=43)
    assert not np.array_equal(oc["pixels"], b.reset(seed=42)[0]["pixels"])


def test_conveyor_target_moves_smoothly_and_stays_on_the_table(make_sim_env, fixed_overrides):
    env = make_sim_env(task="conveyor", overrides=fixed_overrides)
    t = env.cfg.task
    low = np.array(t.target_area_center) - np.array(t.target_area_size) / 2
    high = np.array(t.target_area_center) + np.array(t.target_area_size) / 2
    velocities, jumps = [], []
    for seed in range(6):
        env.reset(seed=seed, options={"joint_positions": CANDLE})
        previous = env.target_position()
        episode = []
        for _ in range(50):
            _, _, terminated, _, info = env.step(STILL)
            position = info["privileged"]["target_pos"]
            assert np.all(position[:2] >= low - 1e-9) and np.all(position[:2] <= high + 1e-9)
            assert position[2] == pytest.approx(previous[2])  # resting on the table top
            episode.append((position[1] - previous[1]) * t.control_hz)
            previous = position
        velocities += episode
        jumps.append(np.abs(np.diff(episode)).max())
    velocities = np.array(velocities)
    assert np.abs(velocities).max() <= env.cfg.conveyor.speed[1] + 1e-6
    assert np.mean(np.abs(velocities) > 0.01) > 0.8  # it moves
    assert (velocities > 0.01).any() and (velocities < -0.01).any()  # and reverses
    assert max(jumps) < 0.05  # smoothly: a reversal ramps over several steps


def test_presets_change_what_they_name(make_sim_env):
    options = {"joint_positions": CANDLE, "target_xy": [0.45, 0.0]}
    nominal = make_sim_env(preset="nominal").reset(seed=0, options=options)[0]["pixels"].astype(int)
    for preset in ("colour_small", "colour_large", "perspective_small", "perspective_large", "real_proxy"):
        env = make_sim_env(preset=preset)
        frame = env.reset(seed=0, options=options)[0]["pixels"].astype(int)
        assert np.abs(frame - nominal).mean() > 2, preset
    small = make_sim_env(preset="colour_small").reset(seed=0, options=options)[0]["pixels"].astype(int)
    large = make_sim_env(preset="colour_large").reset(seed=0, options=options)[0]["pixels"].astype(int)
    assert np.abs(large - nominal).mean() > np.abs(small - nominal).mean()
    proxy = make_sim_env(preset="real_proxy")
    proxy.reset(seed=0)
    assert proxy.draw.latency_steps == 1 and proxy.draw.actuator_gain_scale == pytest.approx(0.85)


def test_real_proxy_splits_into_its_visual_and_its_dynamics_gap(make_sim_env):
    options = {"joint_positions": CANDLE, "target_xy": [0.45, 0.0]}
    frames, draws = {}, {}
    for preset in ("nominal", "real_proxy", "real_proxy_visual", "real_proxy_dynamics"):
        env = make_sim_env(preset=preset)
        frames[preset] = env.reset(seed=0, options=options)[0]["pixels"]
        draws[preset] = (env.draw.latency_steps, env.draw.actuator_gain_scale, env.draw.damping)
    assert np.array_equal(frames["real_proxy_visual"], frames["real_proxy"])
    assert np.array_equal(frames["real_proxy_dynamics"], frames["nominal"])
    assert not np.array_equal(frames["real_proxy"], frames["nominal"])
    assert draws["real_proxy_dynamics"] == draws["real_proxy"] != draws["nominal"] == draws["real_proxy_visual"]


def test_registered_ids_and_gymnasium_checker():
    from gymnasium.utils.env_checker import check_env

    env = gym.make("JacoProg/Reach-RealProxy-v0")
    assert env.unwrapped.cfg.preset == "real_proxy"
    check_env(env.unwrapped, skip_render_check=True)
    env.close()
    conveyor = gym.make("JacoProg/Conveyor-v0")
    assert conveyor.unwrapped.conveyor
    conveyor.close()


def test_scripted_reacher_solves_the_task(make_sim_env):
    """The task is solvable with the discrete action set: a privileged Jacobian reacher scores."""
    from jaco_prog.sim.rollout import run_episode
    from jaco_prog.sim.scripted_policy import RandomPolicy, ScriptedReacher

    env = make_sim_env()
    scripted = [run_episode(env, ScriptedReacher(env), seed=s).episode_return for s in range(6)]
    random = [run_episode(env, RandomPolicy(env, seed=0), seed=s).episode_return for s in range(6)]
    assert np.mean(scripted) > 15
    assert np.mean(scripted) > np.mean(random) + 10


def test_scripted_reacher_commands_its_fingers_as_asked(make_sim_env):
    """Closed fingers fold across the palm (they stick out past it when open): the teacher that hovers low."""
    from jaco_prog.sim.scripted_policy import ScriptedReacher

    env = make_sim_env()
    fingers = ~np.array([j.group == "arm" for j in env.unwrapped.profile.joints])
    positions = {}
    for mode in ("open", "close"):
        env.reset(seed=3)
        reacher = ScriptedReacher(env, fingers=mode)
        for _ in range(25):  # fingers ramp at the gripper acceleration limit
            env.step(reacher.act())
        positions[mode] = env.unwrapped.sim.joint_positions()[fingers]
    assert np.all(positions["close"] > positions["open"] + 0.5)
    with pytest.raises(ValueError, match="fingers must be one of"):
        ScriptedReacher(env, fingers="wave")


def test_scripted_reacher_holds_near_its_aim_and_steers_where_the_arm_is_going(make_sim_env, monkeypatch):
    """It holds the arm still within `arrival` of its aim point, judged where the joint velocities carry the
    palm `lead` seconds on (the deployed arm answers a command late and ramps to it)."""
    from jaco_prog.sim.scripted_policy import ScriptedReacher

    env = make_sim_env()
    env.reset(seed=3)
    sim = env.unwrapped.sim
    arm = np.array([j.group == "arm" for j in env.unwrapped.profile.joints])
    still = ScriptedReacher(env, arrival=0.03, lead=0.0)
    goal = still.goal()
    monkeypatch.setattr(sim, "joint_velocities", lambda: np.zeros(arm.size))
    monkeypatch.setattr(sim, "palm_position", lambda: goal + np.array([0.025, 0.0, 0.0]))
    assert np.all(still.act()[arm] == 1)
    monkeypatch.setattr(sim, "palm_position", lambda: goal + np.array([0.035, 0.0, 0.0]))
    assert not np.all(still.act()[arm] == 1)
    # the palm heads for the goal at 0.2 m/s: 0.05 s on it is 2.5 cm away, inside the 3 cm
    towards = np.linalg.pinv(still.palm_jacobian()) @ np.array([-0.2, 0.0, 0.0])
    monkeypatch.setattr(sim, "joint_velocities", lambda: towards)
    assert np.all(ScriptedReacher(env, arrival=0.03, lead=0.05).act()[arm] == 1)
    assert not np.all(still.act()[arm] == 1)


def test_config_dataclass_roundtrip_keeps_values(make_sim_env):
    env = make_sim_env(overrides={"task": {"reward_radius": 0.12}})
    assert dataclasses.asdict(env.cfg.task)["reward_radius"] == 0.12


def test_closing_one_env_leaves_another_envs_frames_intact(make_sim_env, fixed_overrides):
    """Closing must free the closed env's GL objects, not those of the context that happens to be current."""
    options = {"joint_positions": CANDLE, "target_xy": [0.45, 0.0]}
    doomed = make_sim_env(overrides=fixed_overrides)
    doomed.reset(seed=0)
    survivor = make_sim_env(overrides=fixed_overrides)
    before = survivor.reset(seed=0, options=options)[0]["pixels"]  # the survivor's context is now current
    doomed.close()
    after = survivor.reset(seed=0, options=options)[0]["pixels"]
    assert np.array_equal(before, after)
    assert after.mean() > 20
