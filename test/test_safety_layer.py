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

"""Safety layer behaviour, one rule at a time (pure numpy, no simulator)."""
import numpy as np
import pytest

from jaco_prog.robot.profile import load_profile
from jaco_prog.safety import SafetyLayer, Status, load_safety_params

PROFILE = load_profile("j2n6s300")
PARAMS = load_safety_params("j2n6s300")
DT = PARAMS.period
N = PROFILE.n_joints
NAMES = PROFILE.joint_names
J2, J3, J1 = 1, 2, 0  # limited shoulder/elbow, continuous base


@pytest.fixture
def layer():
    return SafetyLayer.from_profile(PROFILE, PARAMS)


def home():
    q = PROFILE.home.copy()
    q[6:] = 0.5  # fingers mid-range, away from their limits
    return q


def ramp(layer, cmd, q, t0=0.0, steps=100, integrate=True):
    """Send `cmd` every period for `steps` periods with perfect tracking; returns outputs, statuses, q, t."""
    outs, stats, t = [], [], t0
    for _ in range(steps):
        layer.command(cmd, now=t)
        out, st = layer.update(q, t)
        outs.append(out)
        stats.append(st)
        if integrate:
            q = q + out * DT
        t += DT
    return np.array(outs), stats, q, t


# --- rejection ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad, names, reason", [
    ([0.1] * (N - 1), None, "expected 9"),
    ([0.1] * (N + 1), None, "expected 9"),
    ([0.1] * (N - 1) + [float("nan")], None, "non-finite"),
    ([float("inf")] + [0.1] * (N - 1), None, "non-finite"),
    ([0.1] * N, NAMES[:-1] + ["bogus_joint"], "unknown joint"),
    ([0.1] * N, NAMES[:-1] + [NAMES[0]], "duplicate"),
    ([0.1] * (N - 1), NAMES[:-1], "expected 9"),
    ("not numbers", None, "not a list of numbers"),
])
def test_rejected_commands_give_zero_and_a_fault_reason(layer, bad, names, reason):
    q = home()
    ramp(layer, np.full(N, 0.2), q, steps=20, integrate=False)  # moving before the bad command
    st = layer.command(bad, names, now=0.2)
    assert st.status == Status.FAULT and reason in st.reason
    out, st = layer.update(q, 0.2)
    assert st.status == Status.FAULT and reason in st.reason
    assert not out.any()
    # the previous good command does not come back; a fresh valid one resumes (from zero, ramped)
    out, st = layer.update(q, 0.21)
    assert st.status == Status.FAULT and not out.any()
    layer.command(np.full(N, 0.2), now=0.22)
    out, st = layer.update(q, 0.22)
    assert st.status == Status.LIMITED and np.allclose(np.abs(out), layer.limits.acceleration * DT)


def test_missing_names_are_rejected(layer):
    names = list(NAMES)
    names[-1] = "j2n6s300_joint_7"
    st = layer.command([0.0] * N, names, now=0.0)
    assert st.status == Status.FAULT and "unknown joint" in st.reason


def test_named_commands_are_reordered(layer):
    order = list(reversed(NAMES))
    velocities = np.arange(N, dtype=float) * 0.004  # within one acceleration step
    assert layer.command(velocities, order, now=0.0).status == Status.OK
    out, st = layer.update(home(), 0.0)
    assert st.status == Status.OK
    assert np.allclose(out, velocities[::-1])


# --- velocity and acceleration ---------------------------------------------------------------------------
def test_velocity_clamped_to_limit(layer):
    outs, stats, _, _ = ramp(layer, np.full(N, 1e6), home(), steps=80, integrate=False)
    assert np.all(np.abs(outs) <= layer.limits.velocity + 1e-12)
    assert np.allclose(outs[-1], layer.limits.velocity)
    assert stats[-1].status == Status.CLAMPED and "velocity limit" in stats[-1].reason


def test_acceleration_limited_per_period(layer):
    cmd = np.array([0.6, -0.6, 0.6, -0.8, 0.8, -0.8, 0.9, -0.9, 0.9])
    outs, stats, _, _ = ramp(layer, cmd, home(), steps=60, integrate=False)
    steps = np.diff(np.vstack([np.zeros(N), outs]), axis=0)
    assert np.all(np.abs(steps) <= layer.limits.acceleration * DT + 1e-12)
    assert stats[0].status == Status.LIMITED and "acceleration" in stats[0].reason
    assert np.allclose(outs[-1], cmd) and stats[-1].status == Status.OK
    # reversing is ramped too
    outs2, _, _, _ = ramp(layer, -cmd, home(), t0=0.6, steps=5, integrate=False)
    assert np.all(np.abs(np.diff(np.vstack([outs[-1], outs2]), axis=0)) <= layer.limits.acceleration * DT + 1e-12)


# --- joint position limits -------------------------------------------------------------------------------
@pytest.mark.parametrize("joint, sign", [(J3, +1), (J3, -1), (J2, +1), (6, +1), (6, -1)])
def test_decelerates_to_rest_before_a_limit(joint, sign):
    params = PARAMS.replace(workspace=PARAMS.workspace.__class__(**{**PARAMS.workspace.__dict__, "enabled": False}))
    layer = SafetyLayer.from_profile(PROFILE, params)
    lim = layer.limits
    q = home()
    stop = lim.stop_upper[joint] if sign > 0 else lim.stop_lower[joint]
    q[joint] = stop - sign * 0.3
    cmd = np.zeros(N)
    cmd[joint] = sign * 10.0
    outs, stats, q, _ = ramp(layer, cmd, q, steps=300)
    assert sign * (q[joint] - stop) <= 1e-9  # never past the stop point
    assert abs(q[joint] - stop) < 0.01  # and it got there
    assert outs[-1][joint] == pytest.approx(0.0, abs=1e-9)
    assert np.all(np.abs(np.diff(outs[:, joint])) <= lim.acceleration[joint] * DT + 1e-12)
    assert any("position limit" in s.reason for s in stats)


def test_never_commands_further_into_a_limit_but_allows_backing_out(layer):
    q = home()
    q[J3] = layer.limits.upper[J3] + 0.01  # already beyond the limit (e.g. after a collision)
    layer.command(np.eye(N)[J3] * 0.5, now=0.0)
    out, st = layer.update(q, 0.0)
    assert out[J3] == 0.0 and "position limit" in st.reason
    layer.command(-np.eye(N)[J3] * 0.5, now=0.01)
    out, st = layer.update(q, 0.01)
    assert out[J3] < 0.0


def test_continuous_joints_are_exempt(layer):
    q = home()
    q[J1] = 100.0  # continuous: no limit however far it has turned
    cmd = np.zeros(N)
    cmd[J1] = 0.5
    outs, stats, _, _ = ramp(layer, cmd, q, steps=50, integrate=False)
    assert outs[-1][J1] == pytest.approx(0.5)
    assert stats[-1].status == Status.OK


# --- workspace -------------------------------------------------------------------------------------------
def test_motion_into_the_table_is_stopped_and_motion_back_allowed(layer):
    ws = layer.workspace
    q = home()
    cmd = np.zeros(N)
    cmd[J2] = -0.6  # shoulder forward: the hand goes down towards the table
    cmd[J3] = -0.6
    outs, stats, q, t = ramp(layer, cmd, q, steps=400)
    # the look-ahead samples the braking path at a few points: sub-millimetre error, covered by the margins
    assert ws.excess_at(q[None])[0] <= 1e-3
    assert np.allclose(outs[-1], 0.0) and "workspace" in stats[-1].reason
    assert ws.kinematics(q)[0, 2] >= PARAMS.workspace.table_height + PARAMS.workspace.table_margin - 1e-3
    # retracing the dive moves the bound link (the elbow at its 7 cm) back up: only the acceleration ramp
    # limits it (further on, the palm comes down towards its own bound: another constraint, not this one)
    outs, stats, q2, _ = ramp(layer, -cmd, q, t0=t, steps=12)
    assert outs[-1][J2] > 0 and not any("workspace" in s.reason for s in stats)


def test_at_the_boundary_the_joints_that_do_not_push_outward_keep_moving():
    """A request that dives at the table while turning the base: at the boundary the dive is braked, the turn
    (it moves no point towards the table) goes on. Without sliding the whole arm is held still for good."""
    from dataclasses import replace

    cmd = np.zeros(N)
    cmd[J2], cmd[J3], cmd[J1] = -0.6, -0.6, 0.3
    held = {}
    for slide in (True, False):
        params = replace(PARAMS, workspace=replace(PARAMS.workspace, slide=slide))
        layer = SafetyLayer.from_profile(PROFILE, params)
        outs, stats, q, _ = ramp(layer, cmd, home(), steps=400)
        assert layer.workspace.excess_at(q[None])[0] <= 1e-3
        assert np.allclose(outs[-1][[J2, J3]], 0.0) and "workspace" in stats[-1].reason
        held[slide] = outs[-1][J1]
        if slide:
            assert any("sliding" in st.reason for st in stats), {st.reason for st in stats}
    assert held[True] == pytest.approx(0.3) and held[False] == 0.0


def test_starting_outside_only_motion_back_inside_is_allowed(layer):
    ws = layer.workspace
    q = home()
    q[J2], q[J3] = 1.6, 0.8  # hand low over the table
    assert ws.excess_at(q[None])[0] > 0.0, ws.describe(q)
    down = np.zeros(N)
    down[J2] = -0.5
    outs, _, q_after, t = ramp(layer, down, q, steps=20)
    assert np.allclose(outs, 0.0)
    outs, _, q_after, _ = ramp(layer, -down, q, t0=t, steps=20)
    assert outs[-1][J2] > 0 and ws.excess_at(q_after[None])[0] < ws.excess_at(q[None])[0]


def test_palm_kept_inside_the_box():
    params = load_safety_params("j2n6s300")
    layer = SafetyLayer.from_profile(PROFILE, params)
    q = home()
    cmd = np.zeros(N)
    cmd[J3] = 0.6  # elbow opens: the hand reaches out
    outs, stats, q, _ = ramp(layer, cmd, q, steps=600)
    palm = layer.workspace.kinematics(q)[0]
    low = np.array([b[0] for b in params.workspace.box])
    high = np.array([b[1] for b in params.workspace.box])
    assert np.all(palm >= low - 1e-6) and np.all(palm <= high + 1e-6)
    assert layer.workspace.excess_at(q[None])[0] <= 1e-6


# --- watchdog --------------------------------------------------------------------------------------------
def test_watchdog_zeroes_output_before_command_timeout(layer):
    q = home()
    layer.command(np.full(N, 0.01), now=0.0)
    timeout = PARAMS.command_timeout
    t, last_nonzero = 0.0, None
    while t < 0.3:
        out, st = layer.update(q, t)
        if out.any():
            last_nonzero = t
        else:
            assert st.status == Status.STALE and "no fresh command" in st.reason
        t = round(t + DT, 9)
    # the last non-zero output is in force until last_nonzero + DT, which is within the timeout
    assert last_nonzero + DT <= timeout + 1e-9
    assert last_nonzero + 2 * DT > timeout  # and not stopped needlessly early
    # only a fresh command resumes
    out, st = layer.update(q, 0.31)
    assert st.status == Status.STALE
    layer.command(np.full(N, 0.01), now=0.32)
    out, st = layer.update(q, 0.32)
    assert out.any() and st.status == Status.OK


def test_no_command_yet_is_stale(layer):
    out, st = layer.update(home(), 0.0)
    assert st.status == Status.STALE and not out.any()


# --- e-stop and joint state ------------------------------------------------------------------------------
def test_estop_latches_until_reset_and_needs_a_fresh_command(layer):
    q = home()
    ramp(layer, np.full(N, 0.2), q, steps=10, integrate=False)
    layer.estop("operator")
    for k in range(5):
        st = layer.command(np.full(N, 0.2), now=0.1 + k * DT)
        assert st.status == Status.ESTOP
        out, st = layer.update(q, 0.1 + k * DT)
        assert st.status == Status.ESTOP and st.reason == "operator" and not out.any()
    layer.reset()
    out, st = layer.update(q, 0.2)
    assert not out.any() and st.status == Status.STALE
    layer.command(np.full(N, 0.2), now=0.21)
    out, st = layer.update(q, 0.21)
    assert out.any()


@pytest.mark.parametrize("q, stamp, reason", [
    (np.full(N, np.nan), None, "invalid joint state"),
    (np.zeros(N - 1), None, "invalid joint state"),
    (None, -1.0, "old"),
])
def test_bad_joint_state_is_a_fault(layer, q, stamp, reason):
    layer.command(np.full(N, 0.2), now=0.0)
    out, st = layer.update(home() if q is None else q, 0.0, stamp)
    assert st.status == Status.FAULT and reason in st.reason and not out.any()


def test_status_is_a_diagnostic(layer):
    layer.estop("button")
    _, st = layer.update(home(), 1.0)
    diag = st.to_diagnostic()
    assert diag["level"] == 2 and diag["message"] == "estop" and diag["values"]["reason"] == "button"


# --- faults found by the adversarial test (issue 27) -----------------------------------------------------
@pytest.mark.parametrize("where, stamp", [("command", np.nan), ("command", np.inf), ("command", -np.inf),
                                          ("state", np.nan), ("state", np.inf), ("update", np.nan),
                                          ("update", np.inf)])
def test_non_finite_stamps_are_a_fault(layer, where, stamp):
    q = home()
    ramp(layer, np.full(N, 0.2), q, steps=20, integrate=False)
    cmd_now = stamp if where == "command" else 0.2
    st = layer.command(np.full(N, 0.2), now=cmd_now)
    if where == "command":
        assert st.status == Status.FAULT and "finite" in st.reason
    out, st = layer.update(q, stamp if where == "update" else 0.2, stamp if where == "state" else 0.2)
    assert st.status == Status.FAULT and "finite" in st.reason and not out.any()
    if where == "command":  # a NaN-stamped command is never in force, however much later
        for t in (0.21, 1e6):
            out, st = layer.update(q, t)
            assert not out.any() and st.halted, (t, st)


def test_joint_state_stamped_in_the_future_is_a_fault(layer):
    layer.command(np.full(N, 0.2), now=0.0)
    out, st = layer.update(home(), 0.0, PARAMS.state_timeout + 1e6)
    assert st.status == Status.FAULT and "future" in st.reason and not out.any()


def test_a_dropped_command_then_a_fresh_one_in_the_same_period_is_ramped(layer):
    q = home()
    cmd = np.zeros(N)
    cmd[0] = 0.5
    outs, stats, _, t = ramp(layer, cmd, q, steps=30, integrate=False)
    assert outs[-1][0] == pytest.approx(0.5)
    assert layer.command([np.nan] * N, now=t).status == Status.FAULT  # dropped ...
    slow = np.zeros(N)
    slow[0] = 0.04
    layer.command(slow, now=t)  # ... and a fresh one before the next period
    out, st = layer.update(q, t)
    dv = layer.limits.acceleration[0] * DT
    assert abs(out[0] - outs[-1][0]) <= dv + 1e-12, out[0]
    assert st.status == Status.LIMITED and "acceleration" in st.reason


@pytest.mark.parametrize("halt", ["stale", "fault", "estop"])
def test_motion_after_a_halt_ramps_from_zero(layer, halt):
    q = home()
    cmd = np.full(N, 0.3)
    _, _, _, t = ramp(layer, cmd, q, steps=30, integrate=False)
    if halt == "fault":
        layer.command("garbage", now=t)
    elif halt == "estop":
        layer.estop("test")
    while True:  # the loop keeps its period; the policy has stopped
        out, st = layer.update(q, t)
        t += DT
        if st.halted:
            break
    assert st.status.value == halt and not out.any()
    if halt == "estop":
        layer.reset()
    layer.command(cmd, now=t)
    out, st = layer.update(q, t)
    assert np.allclose(np.abs(out), layer.limits.acceleration * DT) and st.status == Status.LIMITED


class _RaisesOnFloat:
    def __float__(self):
        raise RuntimeError("no float for you")


@pytest.mark.parametrize("velocities, names, valid_for, reason", [
    ([10 ** 400] + [0.1] * (N - 1), None, 0.0, "not a number"),
    ([0.1] * N, [["unhashable"]] + NAMES[1:], 0.0, "joint names"),
    ([0.1] * N, [{"a": 1}] + NAMES[1:], 0.0, "joint names"),
    ([0.1] * N, 7, 0.0, "joint names"),
    ([_RaisesOnFloat()] + [0.1] * (N - 1), None, 0.0, "not a number"),
    (["0.1"] * N, None, 0.0, "not a number"),
    ("0.1" * N, None, 0.0, "not a list of numbers"),
    ([True] + [0.1] * (N - 1), None, 0.0, "not a number"),
    ([[0.1]] * N, None, 0.0, "not a number"),
    ([None] * N, None, 0.0, "not a number"),
    (np.array(["0.1"] * N), None, 0.0, "not a number"),
    (12.0, None, 0.0, "not a list of numbers"),
    ([0.1] * N, None, 10 ** 400, "validity"),
    ([0.1] * N, None, "0.05", "validity"),
    ([0.1] * N, None, _RaisesOnFloat(), "validity"),
])
def test_inputs_that_cannot_be_read_are_rejected_not_raised(layer, velocities, names, valid_for, reason):
    q = home()
    ramp(layer, np.full(N, 0.2), q, steps=5, integrate=False)
    st = layer.command(velocities, names, now=0.05, valid_for=valid_for)
    assert st.status == Status.FAULT and reason in st.reason, st
    out, st = layer.update(q, 0.05)
    assert st.status == Status.FAULT and not out.any()


@pytest.mark.parametrize("q", [np.array(["0.1"] * N), [10 ** 400] * N, [_RaisesOnFloat()] * N, "abc"])
def test_joint_states_that_cannot_be_read_are_a_fault(layer, q):
    layer.command(np.full(N, 0.2), now=0.0)
    out, st = layer.update(q, 0.0)
    assert st.status == Status.FAULT and "joint state" in st.reason and not out.any()


def test_numbers_of_any_numeric_type_are_accepted(layer):
    from fractions import Fraction

    velocities = [np.float32(0.01), np.int64(0), 0, Fraction(1, 100), np.float64(0.01)] + [0.0] * (N - 5)
    assert layer.command(velocities, now=0.0).status == Status.OK
    out, st = layer.update(home(), 0.0)
    assert st.status == Status.OK and out[0] == pytest.approx(0.01)


def _late_schedule(rng, steps, low=2, high=5):
    """Update times of a driver loop that runs every `low`..`high` periods; the first gap is the longest, so
    the layer has measured the worst case before it matters."""
    gaps = np.concatenate([[high], rng.integers(low, high + 1, steps - 1)])
    return np.concatenate([[0.0], np.cumsum(gaps * DT)])


def test_late_loop_never_leaves_an_output_in_force_past_the_command_timeout(layer):
    rng = np.random.default_rng(3)
    times = _late_schedule(rng, 200)
    q = home()
    commands = np.arange(0.0, times[-1], 0.05)  # a 20 Hz policy that drops a third of its commands
    commands = commands[rng.random(commands.size) > 0.33]
    ci, last_cmd = 0, None
    for t, t_next in zip(times[:-1], times[1:]):
        while ci < commands.size and commands[ci] <= t:
            layer.command(np.full(N, 0.01), now=commands[ci])
            last_cmd = commands[ci]
            ci += 1
        out, st = layer.update(q, t)
        if out.any():  # in force until the next update
            assert t_next - last_cmd <= PARAMS.command_timeout + 1e-9, (t, t_next, last_cmd)


@pytest.mark.parametrize("gaps", [(2, 5), (1, 3)])
def test_late_loop_still_stops_before_a_joint_limit(gaps):
    params = PARAMS.replace(workspace=PARAMS.workspace.__class__(**{**PARAMS.workspace.__dict__, "enabled": False}))
    layer = SafetyLayer.from_profile(PROFILE, params)
    stop = layer.limits.stop_upper[J3]
    q = home()
    q[J3] = stop - 0.3
    cmd = np.zeros(N)
    cmd[J3] = 10.0
    times = _late_schedule(np.random.default_rng(5), 300, *gaps)
    for t, t_next in zip(times[:-1], times[1:]):
        layer.command(cmd, now=t)
        out, _ = layer.update(q, t)
        q = q + out * (t_next - t)  # the output is in force until the next update
        assert q[J3] <= stop + 1e-9, (t, q[J3] - stop)
    assert abs(q[J3] - stop) < 0.02


def test_late_loop_still_keeps_the_hand_above_the_table(layer):
    ws = layer.workspace
    q = home()
    cmd = np.zeros(N)
    cmd[J2], cmd[J3] = -0.6, -0.6
    times = _late_schedule(np.random.default_rng(8), 400)
    for t, t_next in zip(times[:-1], times[1:]):
        layer.command(cmd, now=t)
        out, st = layer.update(q, t)
        q = q + out * (t_next - t)
    assert "workspace" in st.reason
    assert ws.excess_at(q[None])[0] <= 2e-3, ws.describe(q)


def test_the_workspace_shortcut_gives_exactly_what_the_full_look_ahead_gives():
    """The look-ahead is skipped when the lever-arm bound keeps every point inside; on the same command
    streams (random ones, and dives at the table from many poses) the outputs and statuses are identical to
    those of a layer that runs the full look-ahead every period."""
    fast, full = SafetyLayer.from_profile(PROFILE, PARAMS), SafetyLayer.from_profile(PROFILE, PARAMS)
    rng = np.random.default_rng(7)
    skipped = periods = 0
    for trial in range(40):
        q = home() + rng.uniform(-0.6, 0.6, N) * (np.arange(N) < 6)
        cmd = rng.choice([-0.6, 0.0, 0.6], N) if trial % 2 else np.r_[0, -0.6, -0.6, rng.uniform(-.6, .6, 3), 0, 0, 0]
        t = 1000.0 * trial
        fast.reset(), full.reset()
        for k in range(150):
            if k % 5 == 0 and trial % 2:
                cmd = rng.choice([-0.6, 0.0, 0.6], N)
            fast.command(cmd, now=t), full.command(cmd, now=t)
            full._ws_ref = None  # always the full look-ahead
            before = fast._ws_ref
            out_fast, st_fast = fast.update(q, t)
            out_full, st_full = full.update(q, t)
            skipped += fast._ws_ref is before and before is not None
            periods += 1
            assert np.array_equal(out_fast, out_full) and st_fast.reason == st_full.reason, (trial, k)
            q = q + out_fast * DT
            t += DT
    assert skipped > 0.2 * periods  # the shortcut is taken, and often
