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

"""`gen2_bridge` backend: Jaco Gen2 arms (which kortex_api does not drive) through a Gen2 ROS 2 driver.

The bridge re-publishes the safety-limited velocities at `publish_rate` (100 Hz: the Gen2 controller
needs a velocity command every 10 ms or the arm stops) on a configurable command topic. ROS-free: it is
given a `publish(Gen2Command)` callback and a clock; the ROS node binds the callback to a publisher per command
topic (`Gen2Params.kinova_messages`: kinova_msgs/JointVelocity, joint1..joint7 in deg/s, and FingerPosition) and
turns each command into its message with `kinova_message`, feeds `on_joint_state` the Gen2 driver's
sensor_msgs/JointState messages and calls `tick()` from a `publish_rate` timer.

It never republishes a velocity longer than `hold_timeout` after the driver last sent it: after that it
publishes zeros, so a dead driver loop cannot leave the arm moving through the bridge.

The driver calls the bridge from its worker thread (calls with a deadline) while the ROS executor calls
`tick()` and `update_joint_state()`: a lock keeps the published velocity and its timestamps consistent.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from jaco_prog.config import ConfigError, config_class, from_mapping, setting
from jaco_prog.hardware.base import ConnectionLost, HardwareBackend, JointState

UNITS = ("deg_s", "rad_s")
# The Gen2 ROS driver's messages (kinova_msgs): the type on each command topic and the fields, in joint order,
# that a command's velocities go in (fields beyond the command's joints stay 0)
KINOVA_ARM = ("kinova_msgs/msg/JointVelocity", tuple(f"joint{i}" for i in range(1, 8)))
KINOVA_FINGERS = ("kinova_msgs/msg/FingerPosition", ("finger1", "finger2", "finger3"))


def _topic(value, where: str) -> str:
    if not isinstance(value, str) or not value.startswith("/"):
        raise ConfigError(where, f"must be an absolute topic name (got {value!r})")
    return value


@config_class("driver.yaml", "gen2_bridge", frozen=True)
class Gen2Params:
    """driver.yaml `gen2_bridge` (jaco_prog.config's typed loader: every key, nothing unknown, finite numbers)."""
    command_topic: str = setting("the Gen2 driver's arm joint velocity topic (kinova_msgs/JointVelocity)",
                                 parse=_topic)
    finger_command_topic: str = setting("its finger velocity topic (kinova_msgs/FingerPosition)", parse=_topic)
    joint_state_topic: str = setting("its sensor_msgs/JointState topic", parse=_topic)
    publish_rate: float = setting("the Gen2 controller stops without a velocity command this often", unit="Hz",
                                  above=0)
    hold_timeout: float = setting("the last limited velocity is republished at most this long, then zeros",
                                  unit="s", above=0)
    units: str = setting("units of the published velocities", choices=UNITS)
    state_timeout: float = setting("the link counts as lost when no joint state arrived for this long", unit="s",
                                   above=0)

    @classmethod
    def from_dict(cls, raw: dict, where: str = "driver.yaml: gen2_bridge") -> "Gen2Params":
        return from_mapping(cls, raw, where)

    def kinova_messages(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Command topic -> (the kinova_msgs type published on it, the fields a command's velocities go in)."""
        return {self.command_topic: KINOVA_ARM, self.finger_command_topic: KINOVA_FINGERS}


@dataclass(frozen=True)
class Gen2Command:
    """One message for the ROS adapter to publish."""
    topic: str
    joint_names: tuple[str, ...]
    velocities: tuple[float, ...]  # in `units`
    units: str
    stamp: float


def kinova_message(cmd: Gen2Command, msg_class, fields: Sequence[str]):
    """`cmd` as a kinova_msgs message: an instance of `msg_class` (supplied by the side that publishes it) with
    the velocities in `fields` (Gen2Params.kinova_messages()[cmd.topic])."""
    msg = msg_class()
    for field, value in zip(fields, cmd.velocities):
        setattr(msg, field, float(value))
    return msg


class Gen2Bridge(HardwareBackend):
    name = "gen2_bridge"

    def __init__(self, joint_names: list[str], groups: list[str], params: Gen2Params,
                 publish: Callable[[Gen2Command], None], clock: Callable[[], float],
                 estop_callback: Callable[[], None] | None = None):
        super().__init__(joint_names)
        self.params = params
        self.publish = publish
        self.clock = clock
        self.estop_callback = estop_callback
        self.arm = [i for i, g in enumerate(groups) if g == "arm"]
        self.fingers = [i for i, g in enumerate(groups) if g == "gripper"]
        self._index = {n: i for i, n in enumerate(joint_names)}
        self._opened = False
        self.estopped = False
        self._state: JointState | None = None
        self._velocity = np.zeros(len(joint_names))
        self._sent_at = -np.inf
        self._published_at = -np.inf
        self.published = 0
        self._lock = threading.RLock()

    # --- ROS side ----------------------------------------------------------------------------------------
    def update_joint_state(self, names: Sequence[str], positions: Sequence[float],
                           velocities: Sequence[float] | None = None, stamp: float | None = None) -> None:
        """From the Gen2 driver's sensor_msgs/JointState (any order, extra joints ignored)."""
        q = np.full(len(self.joint_names), np.nan)
        qd = np.full(len(self.joint_names), np.nan) if velocities is not None else None
        for k, name in enumerate(names):
            i = self._index.get(name)
            if i is not None:
                q[i] = positions[k]
                if qd is not None:
                    qd[i] = velocities[k]
        self._state = JointState(q, qd, self.clock() if stamp is None else stamp)

    def on_joint_state(self, msg) -> None:
        """A sensor_msgs/JointState of the Gen2 driver (rclpy's or any with its fields): velocities only when
        there is one per name."""
        self.update_joint_state(list(msg.name), list(msg.position),
                                list(msg.velocity) if len(msg.velocity) == len(msg.name) else None)

    def tick(self) -> bool:
        """Publish-rate timer: republish the last limited velocity (zeros once it is older than hold_timeout).
        Skips when send_velocities already published within the last half period (the driver, at the same
        rate, published this period's command). Returns whether it published."""
        with self._lock:
            now = self.clock()
            if now - self._published_at < 0.5 / self.params.publish_rate:
                return False
            if self.estopped or now - self._sent_at > self.params.hold_timeout:
                self._publish(np.zeros(len(self.joint_names)), now)
            else:
                self._publish(self._velocity, now)
            return True

    def _publish(self, velocities: np.ndarray, now: float) -> None:
        values = np.degrees(velocities) if self.params.units == "deg_s" else np.asarray(velocities, float)
        for topic, idx in ((self.params.command_topic, self.arm), (self.params.finger_command_topic, self.fingers)):
            if idx:
                self.publish(Gen2Command(topic, tuple(self.joint_names[i] for i in idx),
                                         tuple(float(values[i]) for i in idx), self.params.units, now))
        self._published_at = now
        self.published += 1

    # --- hardware interface ------------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._opened and self._fresh_state() is not None

    def _fresh_state(self) -> JointState | None:
        state = self._state
        if state is None or self.clock() - state.stamp > self.params.state_timeout:
            return None
        if not np.isfinite(state.positions).all():
            return None
        return state

    def connect(self) -> None:
        if self._fresh_state() is None:
            raise ConnectionLost(f"gen2_bridge: no complete joint state on {self.params.joint_state_topic} "
                                 f"within {self.params.state_timeout} s")
        self._opened = True

    def read_state(self) -> JointState:
        state = self._fresh_state() if self._opened else None
        if state is None:
            self._opened = False
            raise ConnectionLost(f"gen2_bridge: joint state on {self.params.joint_state_topic} is missing, "
                                 f"incomplete or older than {self.params.state_timeout} s")
        return state

    def send_velocities(self, velocities: np.ndarray) -> None:
        with self._lock:
            now = self.clock()
            self._velocity = np.zeros(len(self.joint_names)) if self.estopped else np.array(velocities, float)
            self._sent_at = now
            self._publish(self._velocity, now)

    def stop(self) -> None:
        with self._lock:
            now = self.clock()
            self._velocity = np.zeros(len(self.joint_names))
            self._sent_at = now
            self._publish(self._velocity, now)

    def estop(self) -> None:
        with self._lock:
            self.estopped = True
            self.stop()
        if self.estop_callback is not None:
            self.estop_callback()  # e.g. the Gen2 driver's stop service

    def clear_faults(self) -> None:
        self.estopped = False

    def close(self) -> None:
        if self._opened:
            self.stop()
        self._opened = False
