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

"""Property-based fuzz: >= 100 k random commands through the safety layer; no output may exceed any limit.

Hypothesis draws the shape of each command sequence (seed, magnitude, share of NaN/inf/wrong-length/
unknown-name commands, share of skipped periods that trip the watchdog, start pose near the limits,
tracking error, how the driver loop keeps time); numpy draws the 320 periods of the sequence from the seed,
so one example pushes up to 320 commands at numpy speed: 500 examples, ~125 000 commands (the count is
asserted), ~20-30 s.

Fault classes of issue 27, each counted: commands and joint states stamped NaN/inf; inputs that cannot be
read as numbers (integers too large for a float, unhashable or non-string joint names, objects whose float()
raises, numeric strings, booleans); a rejected command followed by a valid one in the same period; a driver
loop that runs late (every 2-5 periods) or jittered (0.5-1.5 periods), whose worst period recurs within the
layer's period memory. None may raise, and every check below holds for all of them.

Checked after every control period, for the output v[k] of the layer:
  * |v| <= velocity limit, always; zero whenever the status is stale/estop/fault;
  * |v[k] - v[k-1]| <= acceleration limit x period unless v[k] is a halt (zero) output; with tracking
    noise a position limit / the workspace may brake harder (towards zero only, and says so);
  * position-limit approach: on a limited joint, braking from v (speed dropping by the braking
    deceleration x period each period) stops before the stop point, whatever the measured position;
    at or past the stop point v never points further in;
  * with perfect tracking (the output acts for the period until the next update): a joint that starts
    inside its stop points never passes them, and the workspace excess (palm / clearance points) never
    grows past its start value (or 0) by more than the look-ahead's sampling tolerance;
  * watchdog: a non-zero output is never in force (until the next update) longer than command_timeout
    after the last accepted command arrived.
"""
import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jaco_prog.robot.profile import load_profile
from jaco_prog.safety import HALTS, SafetyLayer, Status, load_safety_params
from jaco_prog.safety.layer import PERIOD_MEMORY

PROFILE = load_profile("j2n6s300")
PARAMS = load_safety_params("j2n6s300")
DT = PARAMS.period
N = PROFILE.n_joints
SEQUENCE = 320
EXAMPLES = 500
WORKSPACE_TOL = 5e-3  # m: braking path sampled at 4 points; seen <= ~2 mm when a joint limit brakes one joint harder
EPS = 1e-9
CLOCKS = ("nominal", "late", "jittered")


class _RaisesOnFloat:
    def __float__(self):
        raise ArithmeticError("injected")


def unreadable(rng, cmd):
    """(velocities, names) that cannot be read as a command: each must be rejected, none may raise."""
    kind = rng.integers(6)
    names = list(PROFILE.joint_names)
    if kind == 0:
        return [10 ** 400] + list(cmd[1:]), None
    if kind == 1:
        names[rng.integers(N)] = ["unhashable"]
        return cmd, names
    if kind == 2:
        return [_RaisesOnFloat()] + list(cmd[1:]), None
    if kind == 3:
        return [str(v) for v in cmd], None
    if kind == 4:
        return [True] + list(cmd[1:]), None
    names[rng.integers(N)] = 7
    return cmd, names


def schedule(rng, clock):
    """Periods (in units of the nominal period) of the driver loop for one sequence. The worst one comes
    first (after one call before the sequence) and recurs within the layer's period memory: what the layer
    has measured is what it brakes for."""
    if clock == "nominal":
        return np.ones(SEQUENCE)
    if clock == "late":
        gaps, worst = rng.integers(2, 6, SEQUENCE).astype(float), 5.0
    else:
        gaps, worst = rng.uniform(0.5, 1.5, SEQUENCE), 1.5
    gaps[::PERIOD_MEMORY // 2] = worst
    return gaps


def stop_distance(layer, v):
    """Distance covered from speed |v| when the speed then drops by b*dt every period (v, v - b dt, ...,
    last positive value, 0): the forward staircase sum, independent of the layer's inverse formula."""
    bdt = layer.limits.deceleration * DT
    v = np.abs(v)
    m = np.floor(v / bdt)  # periods after the first one with a positive speed
    return DT * ((m + 1) * v - bdt * m * (m + 1) / 2)


def test_fuzz_no_output_exceeds_any_limit():
    counters = {"commands": 0, "periods": 0, "halts": 0, "limited": 0, "hard_braking": 0, "max_excess_growth": 0.0,
                "garbage": 0, "non_finite_stamps": 0, "unreadable": 0, "dropped_then_fresh": 0,
                "late_periods": 0, "jittered_periods": 0}
    layer_template = SafetyLayer.from_profile(PROFILE, PARAMS)
    lim = layer_template.limits
    limited = lim.limited

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(seed=st.integers(0, 2**32 - 1),
           magnitude=st.sampled_from([0.05, 0.5, 1.0, 3.0, 1e3, 1e12]),
           p_garbage=st.sampled_from([0.0, 0.01, 0.1]),
           p_skip=st.sampled_from([0.0, 0.1, 0.5]),
           hold=st.integers(1, 20),
           near_limit=st.booleans(),
           tracking_noise=st.sampled_from([0.0, 0.0, 0.002]),
           estop_at=st.one_of(st.none(), st.integers(0, SEQUENCE - 1)),
           clock=st.sampled_from(CLOCKS))
    # a late loop whose first period the layer had not measured yet: a finger 2.75 mrad past its stop point
    @example(seed=402755, magnitude=0.05, p_garbage=0.0, p_skip=0.0, hold=1, near_limit=True, tracking_noise=0.0,
             estop_at=None, clock="late")
    def run(seed, magnitude, p_garbage, p_skip, hold, near_limit, tracking_noise, estop_at, clock):
        rng = np.random.default_rng(seed)
        layer = SafetyLayer(PARAMS, lim, layer_template.workspace)
        ws = layer.workspace
        q = PROFILE.home.copy()
        q[:6] += rng.uniform(-0.4, 0.4, 6)
        q[6:] = rng.uniform(0.1, 1.4, 3)
        if near_limit:  # start a few joints right at (or inside the margin of) their limits
            for j in np.flatnonzero(limited):
                if rng.random() < 0.5:
                    q[j] = lim.stop_upper[j] - rng.uniform(-0.02, 0.1) if rng.random() < 0.5 \
                        else lim.stop_lower[j] + rng.uniform(-0.02, 0.1)
        inside = (q >= lim.stop_lower) & (q <= lim.stop_upper)
        start_excess = max(ws.excess_at(q[None])[0], 0.0)
        prev = np.zeros(N)
        t = 0.0
        gaps = schedule(rng, clock) * DT
        if clock != "nominal":
            counters[f"{clock}_periods"] += SEQUENCE
            # the loop has run before the first command: a period it has never shown cannot be braked for
            layer.update(q, -gaps.max())
        last_accepted = -np.inf
        cmd = rng.normal(0, magnitude, N)
        for k in range(SEQUENCE):
            if k % hold == 0:
                cmd = rng.normal(0, magnitude, N)
            state_stamp = None
            if rng.random() >= p_skip:
                counters["commands"] += 1
                if rng.random() < p_garbage:
                    kind = rng.integers(6)
                    bad = cmd.copy()
                    if kind == 0:
                        bad[rng.integers(N)] = np.nan
                    elif kind == 1:
                        bad[rng.integers(N)] = np.inf * rng.choice([-1, 1])
                    if kind == 2:
                        answer = layer.command(bad[:-1], now=t)
                    elif kind == 3:
                        names = list(PROFILE.joint_names)
                        names[rng.integers(N)] = "not_a_joint"
                        answer = layer.command(bad, names, now=t)
                    elif kind == 4:
                        answer = layer.command(*unreadable(rng, cmd), now=t)
                        counters["unreadable"] += 1
                    elif kind == 5:
                        answer = layer.command(cmd, now=rng.choice([np.nan, np.inf, -np.inf]))
                        counters["non_finite_stamps"] += 1
                    else:
                        answer = layer.command(bad, now=t)
                    counters["garbage"] += kind < 4
                    assert answer.status in (Status.FAULT, Status.ESTOP), answer
                    if rng.random() < 0.5:  # and a valid one before the next period
                        counters["dropped_then_fresh"] += 1
                        if layer.command(cmd, now=t).status == Status.OK:
                            last_accepted = t
                elif layer.command(cmd, now=t).status == Status.OK:
                    last_accepted = t
            if p_garbage and rng.random() < p_garbage / 4:
                state_stamp = rng.choice([np.nan, np.inf])
                counters["non_finite_stamps"] += 1
            if estop_at == k:
                layer.estop("fuzz")
            if estop_at is not None and k == estop_at + 10:
                layer.reset()
            out, status = layer.update(q, t, state_stamp)
            counters["periods"] += 1
            if state_stamp is not None:
                assert status.status in (Status.FAULT, Status.ESTOP), status
            dt = gaps[k]  # this output is in force until the next update
            if out.any():
                assert t + dt - last_accepted <= PARAMS.command_timeout + EPS, (t, dt, last_accepted, status)
            # velocity
            assert np.all(np.abs(out) <= lim.velocity + EPS), (out, status)
            if status.status in HALTS:
                counters["halts"] += 1
                assert not out.any(), status
            else:
                # acceleration; the one exception: a position limit or the workspace brakes harder when the
                # measured position is ahead of the braking curve (tracking error) - then only towards zero
                over = np.abs(out - prev) > lim.acceleration * DT + EPS
                if over.any():
                    # a late loop: a longer period measured now brakes harder than the previous one planned
                    assert tracking_noise or clock != "nominal", (out, prev, status)
                    assert "position limit" in status.reason or "workspace" in status.reason, status
                    assert np.all(np.abs(out[over]) <= np.abs(prev[over])), (out, prev)
                    assert np.all(out[over] * prev[over] >= 0.0), (out, prev)
                    counters["hard_braking"] += 1
                if status.status.value == "limited":
                    counters["limited"] += 1
            # position-limit approach, on the measured position, for the period the layer has measured (the
            # physical check, with the periods the loop really keeps, is the perfect-tracking one below)
            travel = stop_distance(layer, out) * (layer.next_period / DT)
            room = np.where(out > 0, lim.stop_upper - q, q - lim.stop_lower)
            moving = limited & (out != 0)
            assert np.all(travel[moving] <= np.maximum(room[moving], 0.0) + EPS), (q, out)
            prev = out
            q = q + out * dt
            if tracking_noise:
                q = q + rng.normal(0, tracking_noise, N)
            else:
                # perfect tracking: no limit is ever passed, the workspace is never left
                assert np.all(q[inside & limited] <= lim.stop_upper[inside & limited] + EPS)
                assert np.all(q[inside & limited] >= lim.stop_lower[inside & limited] - EPS)
                excess = ws.excess_at(q[None])[0]
                counters["max_excess_growth"] = max(counters["max_excess_growth"], excess - start_excess)
                assert excess <= start_excess + WORKSPACE_TOL, (excess, ws.describe(q))
            t += dt

    run()
    print(f"\nfuzz: {counters['commands']} commands, {counters['periods']} control periods, "
          f"{counters['halts']} halted, {counters['limited']} limited, "
          f"{counters['hard_braking']} braked harder than the acceleration limit (tracking noise or a late loop only), "
          f"worst workspace overshoot {counters['max_excess_growth'] * 1e3:.3f} mm, 0 violations; fault classes: "
          f"{counters['garbage']} NaN/inf/wrong-length/unknown-name commands, {counters['non_finite_stamps']} "
          f"non-finite stamps, {counters['unreadable']} unreadable inputs, {counters['dropped_then_fresh']} "
          f"rejected-then-fresh in one period, {counters['late_periods']} late-loop periods, "
          f"{counters['jittered_periods']} jittered periods")
    assert counters["commands"] >= 100_000
    for name in ("garbage", "non_finite_stamps", "unreadable", "dropped_then_fresh", "late_periods",
                 "jittered_periods"):
        assert counters[name] >= 500, (name, counters[name])
