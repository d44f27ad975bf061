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

"""The driver loop with the mock backend: fixed rate, backend failures, reconnects, e-stop (fake clock)."""
import threading
import time

import numpy as np
import pytest

from jaco_prog.config import ConfigError
from jaco_prog.hardware import VelocityDriver, load_driver_params
from jaco_prog.hardware.base import BackendError
from jaco_prog.hardware.driver import DriverParams
from jaco_prog.hardware.mock import FaultInjectingBackend, MockBackend
from jaco_prog.robot.profile import load_profile
from jaco_prog.safety import SafetyLayer, Status, load_safety_params

PROFILE = load_profile("j2n6s300")
PARAMS = load_safety_params("j2n6s300")
DRIVER = load_driver_params()


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def make(**driver_params):
    clock = Clock()
    q0 = PROFILE.home.copy()
    q0[6:] = 0.5
    mock = MockBackend(PROFILE.joint_names, clock, q0)
    faulty = FaultInjectingBackend(mock)
    params = DriverParams(**{**DRIVER.__dict__, **driver_params})
    driver = VelocityDriver.from_params(params, faulty, SafetyLayer.from_profile(PROFILE, PARAMS), clock)
    return driver, faulty, mock, clock


def tick(driver, clock, n=1):
    out = None
    for _ in range(n):
        out = driver.step()
        clock.t = round(clock.t + driver.period, 9)
    return out


def small():
    return np.full(PROFILE.n_joints, 0.02)


def test_driver_params_file():
    assert DRIVER.backend in ("mock", "sim", "kortex", "gen2_bridge")
    with pytest.raises(ConfigError, match="backend"):
        DriverParams.from_dict({**DRIVER.raw, "backend": "usb"})


def test_connects_on_first_step_and_sends_limited_output():
    driver, faulty, mock, clock = make()
    driver.submit(np.full(PROFILE.n_joints, 5.0))
    t = tick(driver, clock)
    assert mock.connected and t.sent
    assert np.allclose(t.output, driver.layer.limits.acceleration * driver.period)
    assert np.allclose(mock.calls[-1][1], t.output)


def test_send_failure_stops_faults_and_needs_a_fresh_command():
    driver, faulty, mock, clock = make()
    driver.submit(small())
    tick(driver, clock, 3)
    faulty.fail_sends = 1
    t = tick(driver, clock)
    assert t.status.status == Status.FAULT and "send failed" in t.status.reason and not t.sent
    assert mock.calls[-1] == ("stop",)
    t = tick(driver, clock)  # the old command does not come back
    assert t.status.status == Status.FAULT and not t.output.any()
    driver.submit(small())
    t = tick(driver, clock)
    assert t.output.any() and t.sent


def test_send_and_stop_both_failing_does_not_crash():
    driver, faulty, mock, clock = make()
    driver.submit(small())
    tick(driver, clock)
    faulty.fail_sends, faulty.fail_stop = 5, True
    for _ in range(5):
        t = tick(driver, clock)
        assert t.status.status == Status.FAULT
    assert any("stop failed" in what for _, what in driver.events)


def test_read_failure_is_a_fault():
    driver, faulty, mock, clock = make()
    driver.submit(small())
    tick(driver, clock)
    original = mock.read_state
    mock.read_state = lambda: (_ for _ in ()).throw(BackendError("encoder"))
    t = tick(driver, clock)
    assert t.status.status == Status.FAULT and "read failed" in t.status.reason
    mock.read_state = original


def test_reconnects_every_interval_and_stops_first():
    driver, faulty, mock, clock = make()
    driver.submit(small())
    tick(driver, clock, 5)
    faulty.unplug()
    t = tick(driver, clock)
    assert t.status.status == Status.FAULT and "connection lost" in t.status.reason
    tick(driver, clock, int(DRIVER.reconnect_interval / driver.period) * 2)
    attempts = [t for t, what in driver.events if what.startswith("connect failed")]
    assert len(attempts) >= 2
    assert np.all(np.diff(attempts) >= DRIVER.reconnect_interval - 1e-9)
    faulty.plug()
    plugged = clock.t
    tick(driver, clock, int(DRIVER.reconnect_interval / driver.period) + 2)
    after = [w for t, w in driver.events if t >= plugged]
    assert "connected" in after and after[after.index("connected") + 1] == "stop issued"
    assert min(t for t, w in driver.events if t >= plugged and w == "connected") <= \
        plugged + DRIVER.reconnect_interval + driver.period
    driver.submit(small())
    assert tick(driver, clock).output.any()


def test_estop_reaches_the_hardware_at_once_and_reset_clears_it():
    driver, faulty, mock, clock = make()
    driver.submit(small())
    tick(driver, clock, 3)
    driver.estop("button")
    assert mock.estopped and ("estop",) in mock.calls
    driver.submit(small())
    assert tick(driver, clock).status.status == Status.ESTOP
    driver.reset()
    assert not mock.estopped and ("clear_faults",) in mock.calls
    assert not tick(driver, clock).output.any()
    driver.submit(small())
    assert tick(driver, clock).output.any()


def test_run_loop_holds_the_rate_and_stops_on_exit():
    driver, faulty, mock, clock = make()
    stop = threading.Event()
    steps = []
    original = driver.step

    def counted():
        steps.append(clock.t)
        if len(steps) == 50:
            stop.set()
        return original()

    driver.step = counted

    def fake_sleep(seconds):
        clock.t += seconds

    driver.run(stop, sleep=fake_sleep, monotonic=clock)
    assert np.allclose(np.diff(steps), driver.period)
    assert mock.calls[-1] == ("stop",)


def test_joint_mismatch_is_refused():
    clock = Clock()
    with pytest.raises(ValueError, match="differ"):
        VelocityDriver(MockBackend(["a"], clock), SafetyLayer.from_profile(PROFILE, PARAMS), clock, 1.0, 5.0)


# --- faults found by the adversarial test (issue 27) -----------------------------------------------------
def until(condition, what, attempts=5000):
    """Poll (1 ms apart) until condition() holds; fails naming `what` if it never does. No timing asserted."""
    for _ in range(attempts):
        if condition():
            return
        time.sleep(0.001)
    raise AssertionError(f"never: {what}")


@pytest.mark.parametrize("error", [OSError("EIO"), TimeoutError("no answer"), ValueError("bad packet"),
                                   KeyError("joint_7"), RuntimeError("driver bug")])
def test_read_state_raising_anything_is_a_fault_and_the_arm_is_stopped(error):
    driver, faulty, mock, clock = make()
    driver.submit(small())
    tick(driver, clock, 3)
    faulty.fail_reads, faulty.read_error = 1, error
    t = tick(driver, clock)
    assert t.status.status == Status.FAULT and "read failed" in t.status.reason and not t.sent
    assert type(error).__name__ in t.status.reason
    assert mock.calls[-1] == ("stop",) and not mock.velocity.any()
    assert not tick(driver, clock).output.any()  # the old command does not come back
    driver.submit(small())
    assert tick(driver, clock).output.any()


def test_read_state_returning_something_else_is_a_fault():
    driver, faulty, mock, clock = make()
    driver.submit(small())
    tick(driver, clock)
    mock.read_state = lambda: None
    t = tick(driver, clock)
    assert t.status.status == Status.FAULT and "not a JointState" in t.status.reason


def test_stop_raising_after_a_failed_send_does_not_escape():
    driver, faulty, mock, clock = make()
    driver.submit(small())
    tick(driver, clock, 2)
    faulty.fail_sends, faulty.send_error = 3, RuntimeError("USB")
    faulty.fail_stop, faulty.stop_error = True, RuntimeError("USB again")
    for _ in range(3):
        t = tick(driver, clock)
        assert t.status.status == Status.FAULT and "send failed" in t.status.reason
    assert any("stop failed: RuntimeError: USB again" in what for _, what in driver.events)


def test_a_hung_send_is_a_fault_by_its_deadline_and_the_arm_is_stopped_meanwhile():
    driver, faulty, mock, clock = make()
    driver.submit(small())
    tick(driver, clock, 3)
    faulty.hang("send", seconds=10.0)
    t = tick(driver, clock)
    assert faulty.hanging == "send"  # step returned while the send is still blocked
    assert t.status.status == Status.FAULT and "did not return" in t.status.reason and not t.sent
    assert mock.calls[-1] == ("stop",)  # on a thread of its own, not behind the hung send
    sends = faulty.calls.count("send")
    driver.submit(small())
    t = tick(driver, clock)
    assert t.status.status == Status.FAULT and "has not returned" in t.status.reason
    assert faulty.calls.count("send") == sends  # nothing queued behind the hung call
    faulty.release()
    for _ in range(5000):
        tick(driver, clock)
        if any("returned after" in what for _, what in driver.events):
            break
        time.sleep(0.001)
    after = [what for _, what in driver.events]
    returned = next(i for i, what in enumerate(after) if "returned after" in what)
    assert after[returned + 1] == "stop issued"  # a stop first, then a fresh command is needed
    assert not driver.last_tick.output.any()
    driver.submit(small())
    t = tick(driver, clock)
    assert t.sent and t.output.any()


def test_estop_never_waits_on_a_hung_send():
    driver, faulty, mock, clock = make()
    driver.submit(small())
    tick(driver, clock, 3)
    faulty.hang("send", seconds=10.0)
    stepping = threading.Thread(target=driver.step)
    stepping.start()
    until(lambda: faulty.hanging == "send", "the send hangs")
    driver.estop("button")
    assert ("estop",) in mock.calls and faulty.hanging == "send"  # the e-stop reached the arm first
    assert mock.estopped
    faulty.release()
    stepping.join()
    assert tick(driver, clock).status.status == Status.ESTOP


@pytest.mark.parametrize("call", ["read_state", "stop", "estop", "clear_faults", "connect"])
def test_every_backend_call_has_a_deadline(call):
    driver, faulty, mock, clock = make(connect_timeout=0.05)
    if call != "connect":
        driver.submit(small())
        tick(driver, clock, 3)
    faulty.hang(call, seconds=10.0)
    if call == "read_state":
        t = tick(driver, clock)
        assert t.status.status == Status.FAULT and "did not return" in t.status.reason
    elif call == "stop":
        faulty.fail_sends = 1  # the stop after the failed send hangs
        assert tick(driver, clock).status.status == Status.FAULT
        assert any("stop failed" in what and "did not return" in what for _, what in driver.events)
    elif call == "estop":
        # the e-stop runs on the caller's thread (no hand-off); a watchdog keeps its deadline
        pressing = threading.Thread(target=driver.estop, args=("button",))
        pressing.start()
        until(lambda: any("hardware estop failed" in what for _, what in driver.events), "the deadline passes")
        assert ("stop",) in mock.calls and driver.layer.estopped  # the fallback, while the e-stop still hangs
    elif call == "clear_faults":
        driver.estop("button")
        driver.reset()
        assert driver.layer.estopped and any("clear_faults failed" in what for _, what in driver.events)
    else:
        t = tick(driver, clock)
        assert t.status.status == Status.FAULT and any("connect failed" in w for _, w in driver.events)
    assert faulty.hanging == call  # the driver went on; the backend still hangs
    faulty.release()
    until(lambda: faulty.hanging is None, "the call returns")
    if call == "estop":
        pressing.join()


def test_a_slow_backend_still_works():
    driver, faulty, mock, clock = make()
    faulty.delay = 0.002
    driver.submit(small())
    t = tick(driver, clock, 3)
    assert t.sent and t.output.any() and t.status.status in (Status.OK, Status.LIMITED)


def test_run_keeps_its_schedule_when_the_wall_clock_steps_back_an_hour():
    driver, faulty, mock, clock = make()
    monotonic = Clock()
    stop = threading.Event()
    sleeps, steps = [], []
    original = driver.step

    def counted():
        steps.append(monotonic.t)
        if len(steps) == 10:
            clock.t -= 3600.0  # someone sets the wall clock back
        if len(steps) == 30:
            stop.set()
        return original()

    def fake_sleep(seconds):
        sleeps.append(seconds)
        monotonic.t += seconds
        clock.t += seconds

    driver.step = counted
    driver.run(stop, sleep=fake_sleep, monotonic=monotonic)
    assert len(steps) == 30 and max(sleeps) <= driver.period + 1e-12
    assert np.allclose(np.diff(steps), driver.period)


def test_events_stay_bounded_under_a_permanently_failing_backend():
    driver, faulty, mock, clock = make()
    faulty.fail_sends = 10 ** 9
    tick(driver, clock, DRIVER.max_events)  # two events a period: a failed send and its stop
    assert len(driver.events) == DRIVER.max_events
    assert driver.events[-1][1] == "stop issued" and driver.events[-1][0] >= clock.t - 2 * driver.period


def test_driver_timeouts_are_validated():
    with pytest.raises(ValueError, match="call_timeout"):
        make(call_timeout=PARAMS.command_timeout)
    with pytest.raises(ConfigError, match="call_timeout"):
        DriverParams.from_dict({**DRIVER.raw, "call_timeout": -1})
    with pytest.raises(ConfigError, match="max_events"):
        DriverParams.from_dict({**DRIVER.raw, "max_events": 0})


def test_estop_latency_bench_prints_every_case_next_to_its_baseline(load_bench, capsys, monkeypatch):
    bench = load_bench("estop_latency")
    monkeypatch.setattr("sys.argv", ["estop_latency.py", "--trials", "2", "--hang-s", "1.0"])
    bench.main()
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.split()[:1] in (["healthy"],
                                                                                               ["slow"], ["hung"])}
    assert set(rows) == {"healthy", "slow", "hung"}
    for row in rows.values():  # baseline median, max; driver median, p95, max: numbers (no timing asserted)
        assert all(float(x) >= 0.0 for x in row[1:6])
    assert "worst e-stop latency" in out


def test_stop_and_close_say_what_went_wrong_and_never_hang_on_the_way_out():
    driver, faulty, mock, clock = make()
    driver.submit(small())
    tick(driver, clock, 3)
    assert driver.stop() is None and mock.calls[-1] == ("stop",)
    faulty.hang("stop", "close", seconds=10.0)
    started = time.monotonic()
    problems = driver.close()
    took = time.monotonic() - started
    # each call gets call_timeout, then the node's shutdown goes on while the backend still hangs
    assert took < 3 * driver.call_timeout + 1.0, took
    assert [p.split(":")[0] for p in problems] == ["stop failed", "close failed"]
    assert all("did not return" in p for p in problems)
    faulty.release()
    until(lambda: faulty.hanging is None, "the calls return")
    until(lambda: not mock.connected, "the late close lands")
    assert driver.stop() == "stop not sent: backend not connected"
    for _ in range(200):  # the late stop lands, the link counts as lost, then comes back an interval later
        tick(driver, clock)
        clock.t += driver.reconnect_interval
        if mock.connected:
            break
        time.sleep(0.005)
    assert mock.connected and driver.close() == [] and driver.events[-1][1] == "closed" and not mock.connected
