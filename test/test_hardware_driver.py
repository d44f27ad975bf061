"""The driver loop with the mock backend: fixed rate, backend failures, reconnects, e-stop (fake clock)."""
import threading

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


def make():
    clock = Clock()
    q0 = PROFILE.home.copy()
    q0[6:] = 0.5
    mock = MockBackend(PROFILE.joint_names, clock, q0)
    faulty = FaultInjectingBackend(mock)
    driver = VelocityDriver.from_params(DRIVER, faulty, SafetyLayer.from_profile(PROFILE, PARAMS), clock)
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

    driver.run(stop, sleep=fake_sleep)
    assert np.allclose(np.diff(steps), driver.period)
    assert mock.calls[-1] == ("stop",)


def test_joint_mismatch_is_refused():
    clock = Clock()
    with pytest.raises(ValueError, match="differ"):
        VelocityDriver(MockBackend(["a"], clock), SafetyLayer.from_profile(PROFILE, PARAMS), clock, 1.0, 5.0)
