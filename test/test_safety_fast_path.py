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

"""The safety layer's exact shortcuts (docs/safety.md "The fast path") change nothing: on the same command
streams a layer with them (the default) and one without (`exact_shortcuts=False`: every check computed every
period) return the same velocities, bit for bit, and the same statuses, period for period. The streams drive
into joint limits, the table, the workspace box, through e-stops, stale and rejected commands, bad joint
states, backend faults and late or jittered driver loops; and the training env's own episodes (the deployed
driver on the simulated arm) are replayed tick for tick. The bounds the shortcuts rest on are tested on their
own below."""
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from jaco_prog.robot.profile import load_profile
from jaco_prog.safety import SafetyLayer, load_safety_params

PROFILE = load_profile("j2n6s300")
PARAMS = load_safety_params("j2n6s300")
DT = PARAMS.period
N = PROFILE.n_joints


class Twins:
    """The same calls into a layer with the shortcuts and one without; every answer must be identical."""

    def __init__(self, params=PARAMS, profile=PROFILE):
        self.fast = SafetyLayer.from_profile(profile, params)
        self.full = SafetyLayer.from_profile(profile, params, exact_shortcuts=False)
        self.reasons: Counter = Counter()
        self.fk = 0  # look-ahead FK evaluations of the fast layer
        self.periods = 0
        if self.fast.workspace is not None:
            kinematics = self.fast.workspace.kinematics
            forward = kinematics.forward

            def counted(batch):
                self.fk += 1
                return forward(batch)
            kinematics.forward = counted

    def command(self, *args, **kwargs):
        a, b = self.fast.command(*args, **kwargs), self.full.command(*args, **kwargs)
        assert a == b, (a, b)
        return a

    def update(self, q, now, stamp=None):
        out_fast, status_fast = self.fast.update(q, now, stamp)
        out_full, status_full = self.full.update(q, now, stamp)
        assert out_fast.tobytes() == out_full.tobytes(), (out_fast, out_full, status_fast, status_full)
        assert status_fast == status_full, (status_fast, status_full)
        self.periods += 1
        self.reasons[status_fast.status.value] += 1
        for part in status_fast.reason.split("; "):
            self.reasons[part.split(" (")[0].split(" j2n6s300")[0]] += 1
        return out_fast, status_fast

    def halt(self, now, reason):
        a, b = self.fast.halt(now, reason), self.full.halt(now, reason)
        assert a[0].tobytes() == b[0].tobytes() and a[1] == b[1]

    def estop(self):
        self.fast.estop("test"), self.full.estop("test")

    def reset(self):
        self.fast.reset(), self.full.reset()


def start_pose(rng, near_limits: bool):
    lim = SafetyLayer.from_profile(PROFILE, PARAMS).limits
    q = PROFILE.home.copy()
    q[:6] += rng.uniform(-0.8, 0.8, 6)
    q[6:] = rng.uniform(0.1, 1.4, 3)
    if near_limits:
        for j in np.flatnonzero(lim.limited):
            if rng.random() < 0.5:
                q[j] = lim.stop_upper[j] - rng.uniform(-0.02, 0.15) if rng.random() < 0.5 \
                    else lim.stop_lower[j] + rng.uniform(-0.02, 0.15)
    return q


def run_stream(twins: Twins, rng, periods=300, clock="nominal", tracking_noise=0.0, near_limits=False,
               dives=False, faults=True):
    """One random stream: commands held for a few periods (random, or dives: shoulder and elbow down, the
    hand at the table), some garbage, skipped periods (stale), an e-stop and reset, backend faults, bad
    joint states; q follows the output (perfect tracking, or with noise)."""
    q = start_pose(rng, near_limits)
    t = float(rng.uniform(0, 1000))
    names = list(PROFILE.joint_names)
    estop_at = int(rng.integers(periods)) if faults and rng.random() < 0.5 else None
    cmd = np.zeros(N)
    for k in range(periods):
        if k % int(rng.integers(1, 8)) == 0:
            scale = rng.choice([0.1, 0.6, 1.0, 3.0])
            cmd = rng.normal(0, scale, N) if not dives else \
                np.r_[rng.uniform(-0.3, 0.3), -rng.uniform(0.2, 0.7, 2), rng.uniform(-0.8, 0.8, 3),
                      rng.normal(0, 0.5, 3)]
        roll = rng.random()
        if roll < 0.75:
            if rng.random() < 0.2:  # named, in another order
                order = rng.permutation(N)
                twins.command(cmd[order], [names[i] for i in order], now=t, valid_for=float(rng.choice([0.0, 0.03])))
            else:
                twins.command(cmd, now=t)
        elif faults and roll < 0.78:
            twins.command([float("nan")] * N, now=t)  # rejected: fault until a fresh command
        # else: no command this period (the watchdog may go stale)
        if faults and estop_at is not None and k == estop_at:
            twins.estop()
        if faults and estop_at is not None and k == estop_at + 15:
            twins.reset()
        if faults and rng.random() < 0.01:
            twins.halt(t, "backend send failed")
        elif faults and rng.random() < 0.01:
            twins.update(np.full(N, np.nan), t)
        else:
            stamp = t - float(rng.uniform(0, 0.02)) if rng.random() < 0.3 else None
            out, _ = twins.update(q, t, stamp)
            gap = DT if clock == "nominal" else DT * (float(rng.integers(1, 4)) if clock == "late"
                                                      else float(rng.uniform(0.5, 1.5)))
            q = q + out * gap
            if tracking_noise:
                q = q + rng.normal(0, tracking_noise, N)
            t += gap
            continue
        t += DT


def test_the_fast_path_gives_the_full_layers_outputs_and_statuses_bit_for_bit():
    twins = Twins()
    rng = np.random.default_rng(2024)
    for trial in range(60):
        run_stream(twins, rng, clock=("nominal", "late", "jittered")[trial % 3],
                   tracking_noise=0.002 if trial % 4 == 3 else 0.0, near_limits=trial % 2 == 0,
                   dives=trial % 5 in (1, 2))
    # the streams reach every status and every kind of limit; the look-ahead is both skipped and computed often
    for what in ("ok", "clamped", "limited", "stale", "estop", "fault", "acceleration", "position limit",
                 "workspace"):
        assert twins.reasons[what] > 0, (what, twins.reasons)
    assert min(twins.fk, twins.periods - twins.fk) > 0.2 * twins.periods, (twins.fk, twins.periods)


def test_the_palm_box_and_dives_at_the_table_through_both_layers():
    """A small box (the palm meets its walls) and dives at the table from many poses: the workspace limits
    act often, the fast path must still agree everywhere."""
    small_box = replace(PARAMS, workspace=replace(PARAMS.workspace, box=((-0.45, 0.45), (-0.45, 0.45), (0.0, 0.7))))
    twins = Twins(small_box)
    rng = np.random.default_rng(7)
    for trial in range(40):
        run_stream(twins, rng, periods=200, dives=trial % 2 == 0, faults=False)
    assert twins.reasons["workspace"] > 200, twins.reasons


@pytest.mark.parametrize("profile, change", [
    ("j2n6s300", {"position_limits": False}),
    ("j2n6s300", {"workspace": False}),
    ("gen3", {}),
])
def test_the_fast_path_agrees_without_a_workspace_or_position_limits(profile, change):
    robot = load_profile(profile)
    params = load_safety_params(profile)
    if change.get("position_limits") is False:
        params = replace(params, position_limits=replace(params.position_limits, enabled=False))
    if change.get("workspace") is False:
        params = replace(params, workspace=replace(params.workspace, enabled=False))
    twins = Twins(params, robot)
    rng = np.random.default_rng(3)
    n = robot.n_joints
    q = robot.home.copy()
    t = 0.0
    for k in range(600):
        if k % 5 == 0:
            cmd = rng.normal(0, 1.0, n)
        twins.command(cmd, now=t)
        out, _ = twins.update(q, t)
        q = q + out * DT
        t += DT
    assert twins.reasons["limited"] > 0


def test_the_training_envs_episodes_are_the_same_through_both_layers(make_sim_env, fixed_overrides):
    """The deployed path end to end: the env's driver over the simulated arm, random actions and resets, with
    the fast layer and with the full one: every driver period's output, status and joint state agree."""
    envs = [make_sim_env(overrides=fixed_overrides, render_mode=None, own_renderer=False,
                         safety_layer=SafetyLayer.from_profile(PROFILE, exact_shortcuts=shortcuts))
            for shortcuts in (True, False)]
    ticks = [[], []]
    for env, record in zip(envs, ticks):
        original = env.arm.driver.step

        def recorded(original=original, record=record):
            tick = original()
            record.append((tick.output.tobytes(), tick.status, tick.state.positions.tobytes()))
            return tick
        env.arm.driver.step = recorded
    rng = np.random.default_rng(11)
    for episode in range(6):
        for env in envs:
            env.reset_state(seed=episode)
        for _ in range(50):
            action = rng.integers(0, 3, N)
            ends = [env.advance(action)[1:3] for env in envs]
            assert ends[0] == ends[1]
            if any(ends[0]):
                break
    assert len(ticks[0]) > 1000
    assert ticks[0] == ticks[1]


# --- the bounds the shortcuts rest on -------------------------------------------------------------------
def test_far_from_a_stop_point_the_position_bound_is_above_the_speed_limit():
    """A joint farther than `_far` (x the period stretch) from its stop points: the braking speed that the
    position limit allows is above the velocity limit, so the limit cannot change an output."""
    layer = SafetyLayer.from_profile(PROFILE, PARAMS)
    idx = layer._limited_idx
    for stretch in (1.0, 1.5, 3.0, 10.0):
        for scale in (1.0, 1.0 + 1e-12, 1.001, 1.5, 4.0, 50.0):
            distance = layer._far[idx] * stretch * scale
            speed = layer._braking_speed(distance / stretch, idx)
            assert np.all(speed > layer._vmax[idx]), (stretch, scale, speed)
    # and it is tight: a little nearer, the bound is below the limit for some joint
    speed = layer._braking_speed(layer._far[idx] * 0.95, idx)
    assert np.any(speed < layer._vmax[idx])


def test_the_jacobian_and_the_second_derivative_bound_of_the_monitored_points():
    """ChainKinematics.positions_and_jacobian: the same positions as positions(), the Jacobian matches finite
    differences; the Taylor bound with `curvature` holds for random poses and joint changes (and is tight)."""
    layer = SafetyLayer.from_profile(PROFILE, PARAMS)
    fk = layer.workspace.kinematics
    rng = np.random.default_rng(5)
    ratios = []
    for _ in range(300):
        q = rng.uniform(-4, 4, N)
        batch = np.vstack([q, q + rng.normal(0, 0.1, (3, N))])
        points, jacobian = fk.positions_and_jacobian(batch)
        assert points.tobytes() == fk.positions(batch).tobytes()
        h = 1e-6
        numeric = np.stack([(fk(q + h * e) - fk(q - h * e)) / (2 * h) for e in np.eye(N)], axis=-1)
        assert np.allclose(jacobian, numeric, atol=1e-8)
        dq = rng.normal(0, 0.15, N) * (rng.random(N) < 0.7)
        error = np.linalg.norm(fk(q + dq) - points[0] - jacobian @ dq, axis=1)
        bound = 0.5 * np.einsum("ljk,j,k->l", fk.curvature, np.abs(dq), np.abs(dq))
        assert np.all(error <= bound + 1e-12), (error, bound)
        ratios.append(np.max(error / np.maximum(bound, 1e-12)))
    assert max(ratios) > 0.5


@pytest.mark.parametrize("clipped", [False, True])
def test_the_look_ahead_bound_never_passes_a_look_ahead_that_leaves_the_workspace(clipped):
    """Whenever _look_ahead_inside says inside, the batched look-ahead (FK at every look-ahead pose) finds
    every point inside by more than the margin: random references, poses near them and outputs. clipped:
    poses near the joints' stop points, the look-ahead clipped at them as the layer clips it, and the bound
    that allows for the clipping (without it, the unclipped bound must not be used there)."""
    layer = SafetyLayer.from_profile(PROFILE, PARAMS)
    ws = layer.workspace
    rng = np.random.default_rng(9)
    passed = clipped_passes = 0
    for _ in range(3000):
        q_ref = start_pose(rng, near_limits=clipped)
        layer._ws_ref = layer._reference(q_ref, ws.kinematics.forward(q_ref[None]))
        q = q_ref + rng.normal(0, 0.05, N)
        out = rng.uniform(-1, 1, N) * layer._vmax
        speeds = np.abs(out)
        stretch = float(rng.choice([1.0, 2.0]))
        stop_time = float(np.max(speeds[layer._ws_joints] * layer._inv_b_ws))
        c = 0.5 * (stop_time + DT) * stretch * (1.0 + 1e-12)
        if layer._look_ahead_inside(q, out, speeds, c, clipped):
            passed += 1
            disp = layer._stop_displacement(out) * stretch
            poses = q + layer._fractions * disp
            if clipped:
                clipped_poses = layer._clip_stop(q, poses)
                clipped_passes += not np.array_equal(clipped_poses, poses)
                poses = clipped_poses
            assert ws.excess_at(poses).max() < 0.0
    assert passed > 300
    assert clipped_passes > 100 if clipped else clipped_passes == 0
