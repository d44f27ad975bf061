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

"""Backends against fakes: kortex (a fake kortex_api that records calls and raises kortex-style
exceptions), gen2_bridge (a recording publish callback), mock, and the backend factory."""
import math
import sys
import types
from types import SimpleNamespace

import numpy as np
import pytest

from jaco_prog.config import ConfigError
from jaco_prog.hardware import BackendError, BackendUnavailable, ConnectionLost, load_driver_params, make_backend
from jaco_prog.hardware.gen2_bridge import Gen2Bridge, Gen2Params
from jaco_prog.hardware.kortex import KortexBackend, KortexParams, load_kortex_api, wrap_degrees
from jaco_prog.hardware.mock import MockBackend
from jaco_prog.robot.profile import load_profile

DRIVER = load_driver_params()


# --- a fake kortex_api -------------------------------------------------------------------------------------
class KServerException(Exception):
    pass


class KClientException(Exception):
    pass


class Repeated(list):
    def __init__(self, factory):
        super().__init__()
        self._factory = factory

    def add(self):
        item = self._factory()
        self.append(item)
        return item


def make_fake_api(n_arm=7, angles_deg=None):
    log = []
    angles = angles_deg or [10.0, 350.0, 180.0, 230.0, 0.0, 55.0, 90.0][:n_arm]
    state = SimpleNamespace(raise_on=None, error=None, angles=angles, gripper_motors=1)

    def record(name, *args):
        log.append((name, args))
        if state.raise_on == name:
            raise state.error

    class TCPTransport:
        def connect(self, ip, port):
            record("TCPTransport.connect", ip, port)

        def disconnect(self):
            record("TCPTransport.disconnect")

    class RouterClient:
        def __init__(self, transport, callback):
            record("RouterClient", transport)

    class SessionManager:
        def __init__(self, router):
            pass

        def CreateSession(self, info):
            record("CreateSession", info)

        def CloseSession(self):
            record("CloseSession")

    class BaseClient:
        def __init__(self, router):
            pass

        def __getattr__(self, name):
            return lambda *args: record(name, *args)

    class BaseCyclicClient:
        def __init__(self, router):
            pass

        def RefreshFeedback(self):
            record("RefreshFeedback")
            actuators = [SimpleNamespace(position=a, velocity=5.0) for a in state.angles]
            motors = [SimpleNamespace(position=50.0, velocity=0.0)] * state.gripper_motors
            return SimpleNamespace(actuators=actuators,
                                   interconnect=SimpleNamespace(gripper_feedback=SimpleNamespace(motor=motors)))

    base_pb2 = SimpleNamespace(
        JointSpeeds=lambda: SimpleNamespace(joint_speeds=Repeated(lambda: SimpleNamespace())),
        ServoingModeInformation=lambda: SimpleNamespace(servoing_mode=None),
        SINGLE_LEVEL_SERVOING=2,
        GripperCommand=lambda: SimpleNamespace(mode=None, gripper=SimpleNamespace(
            finger=Repeated(lambda: SimpleNamespace()))),
        GRIPPER_SPEED=2,
    )
    api = SimpleNamespace(TCPTransport=TCPTransport, RouterClient=RouterClient, SessionManager=SessionManager,
                          BaseClient=BaseClient, BaseCyclicClient=BaseCyclicClient, Base_pb2=base_pb2,
                          Session_pb2=SimpleNamespace(CreateSessionInfo=lambda: SimpleNamespace()),
                          KServerException=KServerException, KClientException=KClientException)
    return api, log, state


ENV = {"KORTEX_ADDRESS": "192.0.2.10", "KORTEX_USERNAME": "operator", "KORTEX_PASSWORD": "from-env"}


def kortex(profile_name="gen3", environ=ENV, clock=lambda: 12.5, **kw):
    profile = load_profile(profile_name)
    n_arm = sum(j.group == "arm" for j in profile.joints)
    api, log, state = make_fake_api(n_arm)
    backend = KortexBackend(profile.joint_names, [j.group for j in profile.joints],
                            KortexParams.from_dict(DRIVER.raw["kortex"]), clock=clock, api=api,
                            environ=environ, **kw)
    return backend, log, state


def names(log):
    return [n for n, _ in log]


def test_kortex_connect_uses_environment_credentials_and_port_10000():
    backend, log, _ = kortex()
    backend.connect()
    assert backend.connected
    assert ("TCPTransport.connect", ("192.0.2.10", 10000)) in log
    info = dict(log)["CreateSession"][0]
    assert info.username == "operator" and info.password == "from-env"
    assert info.connection_inactivity_timeout == DRIVER.raw["kortex"]["connection_inactivity_timeout_ms"]
    assert dict(log)["SetServoingMode"][0].servoing_mode == 2


def test_kortex_missing_credentials_is_a_clear_error():
    backend, _, _ = kortex(environ={"KORTEX_ADDRESS": "192.0.2.10"})
    with pytest.raises(BackendError, match="KORTEX_USERNAME"):
        backend.connect()


def test_kortex_password_parameter_wins_over_environment():
    backend, log, _ = kortex(password="from-parameter")
    backend.connect()
    assert dict(log)["CreateSession"][0].password == "from-parameter"


def test_kortex_sends_joint_speeds_in_degrees_and_gripper_speed():
    backend, log, _ = kortex()
    backend.connect()
    v = np.array([0.1, -0.2, 0.3, 0.0, 0.5, -0.6, 0.7, 0.5])
    backend.send_velocities(v)
    speeds = dict(log)["SendJointSpeedsCommand"][0].joint_speeds
    assert [s.joint_identifier for s in speeds] == list(range(7))
    assert np.allclose([s.value for s in speeds], np.degrees(v[:7]))
    assert all(s.duration == backend.params.command_duration_s >= 1 for s in speeds)  # never 0 (no end)
    grip = dict(log)["SendGripperCommand"][0]
    assert grip.mode == 2 and grip.gripper.finger[0].value == pytest.approx(-0.5)
    assert grip.duration == backend.params.command_duration_s
    backend.send_velocities(v)  # unchanged gripper speed is not re-sent
    assert names(log).count("SendGripperCommand") == 1


def test_kortex_feedback_without_a_gripper_motor_is_a_backend_error():
    backend, _, state = kortex()
    backend.connect()
    state.gripper_motors = 0  # the profile has a gripper joint, the arm reports no gripper
    with pytest.raises(BackendError, match="no gripper motor") as err:
        backend.read_state()
    assert not isinstance(err.value, ConnectionLost)


def test_kortex_feedback_without_a_gripper_stops_the_driver_cleanly():
    from jaco_prog.hardware import VelocityDriver
    from jaco_prog.safety import SafetyLayer, Status

    backend, log, state = kortex()
    state.gripper_motors = 0
    driver = VelocityDriver.from_params(DRIVER, backend, SafetyLayer.from_profile(load_profile("gen3")),
                                        clock=lambda: 12.5)
    tick = driver.step()
    assert tick.status.status == Status.FAULT and "no gripper motor" in tick.status.reason
    assert names(log)[-1] == "Stop"


def test_kortex_resends_an_unchanged_gripper_speed_before_its_duration_runs_out():
    clock = Clock()
    backend, log, _ = kortex(clock=clock)
    backend.connect()
    v = np.array([0.0] * 7 + [0.5])
    for k in range(40):  # 4 s at 10 Hz, the same gripper speed throughout
        clock.t = 0.1 * k
        backend.send_velocities(v)
    grips = names(log).count("SendGripperCommand")
    assert names(log).count("SendJointSpeedsCommand") == 40
    assert 4 <= grips <= 10  # re-sent about every half duration, not every period


def test_kortex_command_duration_must_bound_the_command():
    for bad in (0, -1, 0.5, True, "1"):
        with pytest.raises(ConfigError, match="command_duration_s"):
            KortexParams.from_dict({**DRIVER.raw["kortex"], "command_duration_s": bad})


def test_kortex_feedback_in_radians_wrapped():
    backend, _, state = kortex()
    backend.connect()
    js = backend.read_state()
    expected = [math.radians(wrap_degrees(a)) for a in state.angles]
    assert np.allclose(js.positions[:7], expected)
    assert js.positions[1] == pytest.approx(math.radians(-10.0))
    assert js.positions[7] == pytest.approx(0.4)  # 50 % of gripper_closed_rad
    assert np.allclose(js.velocities[:7], math.radians(5.0))
    assert js.stamp == 12.5


def test_kortex_stop_estop_clear_close():
    backend, log, _ = kortex()
    backend.connect()
    backend.stop()
    backend.estop()
    backend.clear_faults()
    backend.close()
    assert [n for n in names(log) if n in ("Stop", "ApplyEmergencyStop", "ClearFaults", "CloseSession",
                                           "TCPTransport.disconnect")] == \
        ["Stop", "ApplyEmergencyStop", "ClearFaults", "Stop", "CloseSession", "TCPTransport.disconnect"]
    assert not backend.connected


def test_kortex_exceptions_are_translated():
    backend, _, state = kortex()
    backend.connect()
    state.raise_on, state.error = "SendJointSpeedsCommand", KServerException("robot in fault")
    with pytest.raises(BackendError, match="refused") as err:
        backend.send_velocities(np.zeros(8))
    assert not isinstance(err.value, ConnectionLost) and backend.connected
    state.raise_on, state.error = "RefreshFeedback", KClientException("timeout")
    with pytest.raises(ConnectionLost):
        backend.read_state()
    assert not backend.connected
    with pytest.raises(ConnectionLost):
        backend.send_velocities(np.zeros(8))


def test_kortex_connect_failure_is_retryable():
    backend, _, state = kortex()
    state.raise_on, state.error = "TCPTransport.connect", OSError("no route to host")
    with pytest.raises(ConnectionLost):
        backend.connect()
    state.raise_on = None
    backend.connect()
    assert backend.connected


def test_without_kortex_api_one_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "kortex_api", None)
    with pytest.raises(BackendUnavailable, match="kortex_api.*pip install|pip install.*kortex_api"):
        load_kortex_api()
    profile = load_profile("gen3_lite")
    backend = KortexBackend(profile.joint_names, [j.group for j in profile.joints],
                            KortexParams.from_dict(DRIVER.raw["kortex"]), clock=lambda: 0.0, environ=ENV)
    with pytest.raises(BackendUnavailable, match="Kinova"):
        backend.connect()


def test_load_kortex_api_from_injected_modules(monkeypatch):
    api, _, _ = make_fake_api()
    layout = {
        "kortex_api": {},
        "kortex_api.autogen": {},
        "kortex_api.autogen.client_stubs": {},
        "kortex_api.autogen.client_stubs.BaseClientRpc": {"BaseClient": api.BaseClient},
        "kortex_api.autogen.client_stubs.BaseCyclicClientRpc": {"BaseCyclicClient": api.BaseCyclicClient},
        "kortex_api.autogen.messages": {"Base_pb2": api.Base_pb2, "Session_pb2": api.Session_pb2},
        "kortex_api.Exceptions": {},
        "kortex_api.Exceptions.KClientException": {"KClientException": KClientException},
        "kortex_api.Exceptions.KServerException": {"KServerException": KServerException},
        "kortex_api.RouterClient": {"RouterClient": api.RouterClient},
        "kortex_api.SessionManager": {"SessionManager": api.SessionManager},
        "kortex_api.TCPTransport": {"TCPTransport": api.TCPTransport},
    }
    for name, attrs in layout.items():
        module = types.ModuleType(name)
        module.__path__ = []
        for key, value in attrs.items():
            setattr(module, key, value)
        monkeypatch.setitem(sys.modules, name, module)
    loaded = load_kortex_api()
    assert loaded.BaseClient is api.BaseClient and loaded.KServerException is KServerException


@pytest.mark.parametrize("angle, wrapped", [(0.0, 0.0), (190.0, -170.0), (359.0, -1.0), (180.0, 180.0),
                                            (-190.0, 170.0)])
def test_wrap_degrees(angle, wrapped):
    assert wrap_degrees(angle) == pytest.approx(wrapped)


# --- gen2_bridge ---------------------------------------------------------------------------------------------
class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def gen2(**overrides):
    profile = load_profile("j2n6s300")
    raw = dict(DRIVER.raw["gen2_bridge"], **overrides)
    published, clock = [], Clock()
    bridge = Gen2Bridge(profile.joint_names, [j.group for j in profile.joints], Gen2Params.from_dict(raw),
                        published.append, clock)
    return bridge, published, clock, profile


def test_gen2_needs_joint_state_to_connect_and_reorders_it():
    bridge, _, clock, profile = gen2()
    with pytest.raises(ConnectionLost, match="joint state"):
        bridge.connect()
    names = list(reversed(profile.joint_names)) + ["some_other_joint"]
    bridge.update_joint_state(names, list(range(10)))
    bridge.connect()
    assert np.allclose(bridge.read_state().positions, list(reversed(range(9))))
    clock.t = 0.5  # no state for longer than state_timeout: the link is down
    assert not bridge.connected
    with pytest.raises(ConnectionLost):
        bridge.read_state()


def test_gen2_publishes_limited_velocities_at_100hz_in_deg_s_then_zero_after_hold_timeout():
    bridge, published, clock, profile = gen2(command_topic="/my_arm/in/joint_velocity")
    bridge.update_joint_state(profile.joint_names, np.zeros(9))
    bridge.connect()
    v = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    bridge.send_velocities(v)
    arm = [m for m in published if m.topic == "/my_arm/in/joint_velocity"]
    assert len(arm) == 1 and np.allclose(arm[0].velocities, np.degrees(v[:6])) and arm[0].units == "deg_s"
    fingers = [m for m in published if m.topic == DRIVER.raw["gen2_bridge"]["finger_command_topic"]]
    assert np.allclose(fingers[0].velocities, np.degrees(v[6:]))
    assert not bridge.tick()  # already published this period
    published.clear()
    # the driver goes silent: the 100 Hz timer keeps publishing, the last velocity only up to hold_timeout
    rate = DRIVER.raw["gen2_bridge"]["publish_rate"]
    hold = DRIVER.raw["gen2_bridge"]["hold_timeout"]
    for k in range(1, 31):
        clock.t = k / rate
        assert bridge.tick()
    arm = [m for m in published if m.topic == "/my_arm/in/joint_velocity"]
    assert len(arm) == 30
    for m in arm:
        expected = np.degrees(v[:6]) if m.stamp <= hold + 1e-9 else np.zeros(6)
        assert np.allclose(m.velocities, expected), m


def test_gen2_estop_publishes_zero_until_cleared():
    calls = []
    bridge, published, clock, profile = gen2()
    bridge.estop_callback = lambda: calls.append("stop service")
    bridge.update_joint_state(profile.joint_names, np.zeros(9))
    bridge.connect()
    bridge.estop()
    bridge.send_velocities(np.full(9, 0.3))
    assert calls == ["stop service"]
    assert all(not any(m.velocities) for m in published)
    bridge.clear_faults()
    bridge.send_velocities(np.full(9, 0.3))
    assert any(published[-1].velocities)


def test_gen2_rad_s_units():
    bridge, published, _, profile = gen2(units="rad_s")
    bridge.send_velocities(np.full(9, 0.25))
    assert np.allclose(published[0].velocities, 0.25)


# --- mock and factory ------------------------------------------------------------------------------------------
def test_mock_integrates_commands():
    clock = Clock()
    mock = MockBackend(["a", "b"], clock)
    mock.connect()
    mock.send_velocities(np.array([1.0, -2.0]))
    clock.t = 0.5
    assert np.allclose(mock.read_state().positions, [0.5, -1.0])
    mock.estop()
    clock.t = 1.0
    assert np.allclose(mock.read_state().positions, [0.5, -1.0])


def test_make_backend_for_each_kind():
    for kind, robot in (("mock", "j2n6s300"), ("kortex", "gen3"), ("gen2_bridge", "j2n6s300")):
        profile = load_profile(robot)
        params = DRIVER.__class__(**{**DRIVER.__dict__, "backend": kind})
        backend = make_backend(params, profile, clock=lambda: 0.0, publish=lambda m: None)
        assert backend.name == kind and backend.joint_names == profile.joint_names
    with pytest.raises(ValueError, match="publish"):
        make_backend(DRIVER.__class__(**{**DRIVER.__dict__, "backend": "gen2_bridge"}), load_profile("j2n6s300"),
                     clock=lambda: 0.0)
