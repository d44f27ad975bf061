"""Safety layer behaviour, one rule at a time (pure numpy, no simulator)."""
import numpy as np
import pytest

from jaco_prog.robot.kinematics import PointKinematics, UrdfChain
from jaco_prog.robot.profile import load_profile
from jaco_prog.safety import SafetyLayer, Status, load_safety_params
from jaco_prog.safety.kinematics import BatchKinematics

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
def test_fk_matches_the_urdf_chain():
    chain = UrdfChain.from_file(PROFILE.urdf_file())
    links = [PROFILE.palm_link, "j2n6s300_end_effector", "j2n6s300_link_3"]
    fk = BatchKinematics(chain, links, NAMES, PROFILE.base_link)
    rng = np.random.default_rng(1)
    q = rng.uniform(-4, 4, (20, N))
    got = fk.positions(q)
    for k, link in enumerate(links):
        ref = PointKinematics(chain, link, NAMES)
        assert np.allclose([ref(qi) for qi in q], got[:, k], atol=1e-12)


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
    outs, stats, q2, _ = ramp(layer, -cmd, q, t0=t, steps=30)
    assert outs[-1][J2] > 0 and "workspace" not in stats[-1].reason


def test_starting_outside_only_motion_back_inside_is_allowed(layer):
    ws = layer.workspace
    q = home()
    q[J2], q[J3] = 1.6, 0.8  # hand low over the table
    assert ws.excess_at(q[None])[0] > 0.0, ws.describe(q)
    down = np.zeros(N)
    down[J2] = -0.5
    outs, _, q_after, _ = ramp(layer, down, q, steps=20)
    assert np.allclose(outs, 0.0)
    outs, _, q_after, _ = ramp(layer, -down, q, t0=1.0, steps=20)
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
