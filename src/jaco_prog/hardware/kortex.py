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

"""`kortex` backend: Kinova Gen3 / Gen3 lite through Kinova's kortex_api (high-level API, TCP port 10000).

  connect        TCPTransport + RouterClient, SessionManager.CreateSession (credentials from parameters or
                 the environment, never from code), BaseClient / BaseCyclicClient, single-level servoing
  read_state     BaseCyclic.RefreshFeedback: actuators[i].position / .velocity (deg, deg/s; wrapped to
                 (-180, 180]), gripper from interconnect.gripper_feedback.motor[0].position (percent)
  send           Base.SendJointSpeedsCommand (deg/s) for the arm joints; Base.SendGripperCommand in
                 GRIPPER_SPEED mode for the gripper joint. Both carry a duration of `command_duration_s`
                 (whole seconds, the API's unit): a bound on how long the arm acts on a command if nothing
                 follows it. Kinova documents JointSpeed.duration as "not implemented yet", so on today's
                 firmware the arm-side bound is the session's connection_inactivity_timeout; GripperCommand's
                 is honoured, and the gripper command is re-sent before it runs out.
  stop / estop   Base.Stop / Base.ApplyEmergencyStop; clear_faults: Base.ClearFaults

kortex_api is optional: without it, connect() raises BackendUnavailable saying how to install Kinova's wheel.
Errors: kortex client-side exceptions (KClientException: transport, timeouts) and socket errors mean the
link is down (ConnectionLost, the driver reconnects); server-side ones (KServerException: the robot refused
the call) are BackendError, and so is feedback that lacks what the profile needs (an actuator, the gripper).
"""
from __future__ import annotations

import math
import os
from types import SimpleNamespace
from typing import Any, Callable

import numpy as np

from jaco_prog.config import ConfigError, config_class, from_mapping, setting
from jaco_prog.hardware.base import BackendError, BackendUnavailable, ConnectionLost, HardwareBackend, JointState

INSTALL_HINT = (
    "the kortex backend needs Kinova's kortex_api Python wheel, which is not on PyPI: download "
    "kortex_api-<version>-py3-none-any.whl from Kinova's artifactory (linked from "
    "https://github.com/Kinovarobotics/kortex, section 'Python API') and `pip install` it into this "
    "environment (it pins protobuf 3.20.x)")


def load_kortex_api() -> SimpleNamespace:
    """The kortex_api names this backend uses, or BackendUnavailable with the install instructions."""
    try:
        from kortex_api.autogen.client_stubs.BaseClientRpc import BaseClient
        from kortex_api.autogen.client_stubs.BaseCyclicClientRpc import BaseCyclicClient
        from kortex_api.autogen.messages import Base_pb2, Session_pb2
        from kortex_api.Exceptions.KClientException import KClientException
        from kortex_api.Exceptions.KServerException import KServerException
        from kortex_api.RouterClient import RouterClient
        from kortex_api.SessionManager import SessionManager
        from kortex_api.TCPTransport import TCPTransport
    except ImportError as err:
        raise BackendUnavailable(f"{INSTALL_HINT} (import failed: {err})") from err
    return SimpleNamespace(BaseClient=BaseClient, BaseCyclicClient=BaseCyclicClient, Base_pb2=Base_pb2,
                           Session_pb2=Session_pb2, KClientException=KClientException,
                           KServerException=KServerException, RouterClient=RouterClient,
                           SessionManager=SessionManager, TCPTransport=TCPTransport)


def _name(value, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(where, f"must be a non-empty string (got {value!r})")
    return value


@config_class("driver.yaml", "kortex", frozen=True)
class KortexParams:
    """driver.yaml `kortex` (jaco_prog.config's typed loader: every key, nothing unknown, finite numbers)."""
    address: str | None = setting("robot IP", nonempty=True, unset="the environment variable named by address_env")
    address_env: str = setting("environment variable with the robot IP", parse=_name)
    port: int = setting("TCP port of the high-level API (RouterClient / SessionManager)", low=1, high=65535)
    username: str | None = setting("session user", nonempty=True,
                                   unset="the environment variable named by username_env")
    username_env: str = setting("environment variable with the session user", parse=_name)
    password_env: str = setting("environment variable with the password (it never comes from a file)",
                                parse=_name)
    session_inactivity_timeout_ms: int = setting("SessionManager session inactivity timeout", unit="ms", low=1)
    connection_inactivity_timeout_ms: int = setting("SessionManager connection inactivity timeout: the arm-side "
                                                    "bound of a command on today's firmware", unit="ms", low=1)
    gripper_speed_scale: float = setting("gripper joint velocity of a full-speed gripper command", unit="rad/s",
                                         above=0)
    gripper_closed_rad: float = setting("gripper joint angle at 100 % closed (for the position feedback)",
                                        unit="rad", above=0)
    command_duration_s: int = setting("arm-side bound of every joint-speed / gripper command (whole seconds, the "
                                      "API's unit; 0 would mean a command without end)", unit="s", low=1)

    @classmethod
    def from_dict(cls, raw: dict, where: str = "driver.yaml: kortex") -> "KortexParams":
        return from_mapping(cls, raw, where)


def wrap_degrees(angle: float) -> float:
    """Kortex reports [0, 360); the safety layer's limits are in (-180, 180]."""
    wrapped = math.fmod(angle, 360.0)
    if wrapped > 180.0:
        wrapped -= 360.0
    elif wrapped <= -180.0:
        wrapped += 360.0
    return wrapped


class KortexBackend(HardwareBackend):
    name = "kortex"

    def __init__(self, joint_names: list[str], groups: list[str], params: KortexParams,
                 clock: Callable[[], float], api: Any = None, password: str | None = None,
                 environ: dict | None = None):
        super().__init__(joint_names)
        self.arm = [i for i, g in enumerate(groups) if g == "arm"]
        self.gripper = [i for i, g in enumerate(groups) if g == "gripper"]
        if self.arm != list(range(len(self.arm))):
            raise ValueError("kortex backend: the arm joints must come first in the profile")
        if len(self.gripper) > 1:
            raise ValueError("kortex backend: at most one gripper joint (Kortex drives one gripper motor)")
        self.params = params
        self.clock = clock
        self._api = api
        self._password = password
        self._environ = os.environ if environ is None else environ
        self._transport = self._router = self._sessions = self._base = self._cyclic = None
        self._connected = False
        self._last_gripper_value: float | None = None
        self._gripper_sent_at = -math.inf

    # --- helpers ---------------------------------------------------------------------------------------
    def _setting(self, value: str | None, env: str, what: str) -> str:
        if value:
            return value
        found = self._environ.get(env)
        if not found:
            raise BackendError(f"kortex: no {what}: set the parameter or the environment variable {env}")
        return found

    def _call(self, what: str, fn: Callable, *args):
        """Run one kortex call, translating its exceptions."""
        api = self._api
        try:
            return fn(*args)
        except api.KServerException as err:
            raise BackendError(f"kortex {what} refused by the robot: {err}") from err
        except (api.KClientException, OSError, TimeoutError) as err:
            self._connected = False
            raise ConnectionLost(f"kortex {what}: {err}") from err

    # --- interface -------------------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._connected

    def connect(self) -> None:
        if self._api is None:
            self._api = load_kortex_api()
        api, p = self._api, self.params
        address = self._setting(p.address, p.address_env, "robot address")
        username = self._setting(p.username, p.username_env, "username")
        password = self._setting(self._password, p.password_env, "password")
        self._transport = api.TCPTransport()
        self._router = api.RouterClient(self._transport, lambda err: None)
        self._call("connect", self._transport.connect, address, p.port)
        info = api.Session_pb2.CreateSessionInfo()
        info.username = username
        info.password = password
        info.session_inactivity_timeout = p.session_inactivity_timeout_ms
        info.connection_inactivity_timeout = p.connection_inactivity_timeout_ms
        self._sessions = api.SessionManager(self._router)
        self._call("CreateSession", self._sessions.CreateSession, info)
        self._base = api.BaseClient(self._router)
        self._cyclic = api.BaseCyclicClient(self._router)
        mode = api.Base_pb2.ServoingModeInformation()
        mode.servoing_mode = api.Base_pb2.SINGLE_LEVEL_SERVOING
        self._call("SetServoingMode", self._base.SetServoingMode, mode)
        self._connected = True
        self._last_gripper_value = None

    def _require(self) -> None:
        if not self._connected:
            raise ConnectionLost("kortex: not connected")

    def read_state(self) -> JointState:
        self._require()
        feedback = self._call("RefreshFeedback", self._cyclic.RefreshFeedback)
        n = len(self.joint_names)
        positions, velocities = np.zeros(n), np.zeros(n)
        actuators = getattr(feedback, "actuators", ())
        if len(actuators) < len(self.arm):
            raise BackendError(f"kortex feedback has {len(actuators)} actuators, "
                               f"the profile {len(self.arm)} arm joints")
        for i in self.arm:
            positions[i] = math.radians(wrap_degrees(actuators[i].position))
            velocities[i] = math.radians(actuators[i].velocity)
        for i in self.gripper:
            try:
                motor = feedback.interconnect.gripper_feedback.motor[0]
            except (AttributeError, IndexError):
                raise BackendError(f"kortex feedback has no gripper motor, but the profile has the gripper joint "
                                   f"{self.joint_names[i]!r}: is the gripper attached and configured on the "
                                   "arm, or is this the profile of another arm?") from None
            positions[i] = motor.position / 100.0 * self.params.gripper_closed_rad
            velocities[i] = motor.velocity / 100.0 * self.params.gripper_closed_rad
        return JointState(positions, velocities, self.clock())

    def send_velocities(self, velocities: np.ndarray) -> None:
        self._require()
        api = self._api
        speeds = api.Base_pb2.JointSpeeds()
        for i in self.arm:
            js = speeds.joint_speeds.add()
            js.joint_identifier = i
            js.value = math.degrees(float(velocities[i]))
            js.duration = self.params.command_duration_s
        self._call("SendJointSpeedsCommand", self._base.SendJointSpeedsCommand, speeds)
        now = self.clock()
        for i in self.gripper:
            # Kortex speed mode: positive opens; the profile's gripper joint closes with positive velocity.
            value = float(np.clip(-velocities[i] / self.params.gripper_speed_scale, -1.0, 1.0))
            # unchanged speeds are not re-sent, except before the command's duration runs out
            if value != self._last_gripper_value or now - self._gripper_sent_at >= 0.5 * self.params.command_duration_s:
                cmd = api.Base_pb2.GripperCommand()
                cmd.mode = api.Base_pb2.GRIPPER_SPEED
                cmd.duration = self.params.command_duration_s
                finger = cmd.gripper.finger.add()
                finger.finger_identifier = 1
                finger.value = value
                self._call("SendGripperCommand", self._base.SendGripperCommand, cmd)
                self._last_gripper_value = value
                self._gripper_sent_at = now

    def stop(self) -> None:
        self._require()
        self._call("Stop", self._base.Stop)
        self._last_gripper_value = None

    def estop(self) -> None:
        self._require()
        self._call("ApplyEmergencyStop", self._base.ApplyEmergencyStop)

    def clear_faults(self) -> None:
        self._require()
        self._call("ClearFaults", self._base.ClearFaults)

    def close(self) -> None:
        if self._connected:
            for what, fn in (("Stop", self._base.Stop), ("CloseSession", self._sessions.CloseSession)):
                try:
                    self._call(what, fn)
                except BackendError:
                    pass
        if self._transport is not None:
            try:
                self._transport.disconnect()
            except Exception:  # noqa: BLE001 - closing a dead link must not raise
                pass
        self._connected = False
