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

"""The one small hardware interface (ros2_control style): mock, sim, kortex and gen2_bridge are interchangeable.

All vectors are in the robot profile's joint order, in rad and rad/s; each backend converts to its own units.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np


class BackendError(RuntimeError):
    """The hardware refused or failed a call (the driver stops, reports a fault and carries on)."""


class ConnectionLost(BackendError):
    """The link to the hardware is down; the driver reconnects every `reconnect_interval`."""


class BackendUnavailable(BackendError):
    """The backend cannot be used on this machine (e.g. kortex_api is not installed)."""


@dataclass(frozen=True)
class JointState:
    positions: np.ndarray  # rad
    velocities: np.ndarray | None  # rad/s, None when the hardware does not report them
    stamp: float  # s, on the driver's clock (sim time for the sim backend)


class HardwareBackend(ABC):
    """connect, read joint state, send velocities, stop, e-stop, close (+ clear_faults after an e-stop)."""

    name = "backend"
    # True only for backends whose calls cannot block (in-process: mock, sim). The driver runs every call of
    # any other backend on a worker thread with a deadline, so that a hung link never holds the control loop
    # or the e-stop.
    inline_calls = False

    def __init__(self, joint_names: list[str]):
        self.joint_names = list(joint_names)

    @property
    @abstractmethod
    def connected(self) -> bool: ...

    @abstractmethod
    def connect(self) -> None:
        """Open the link; raises ConnectionLost (retryable) or BackendUnavailable / BackendError."""

    @abstractmethod
    def read_state(self) -> JointState: ...

    @abstractmethod
    def send_velocities(self, velocities: np.ndarray) -> None:
        """Joint velocities in rad/s, profile order (already limited by the safety layer)."""

    @abstractmethod
    def stop(self) -> None:
        """Bring the arm to rest (a normal stop)."""

    @abstractmethod
    def estop(self) -> None:
        """The hardware's emergency stop (latched on the hardware where it has one)."""

    def clear_faults(self) -> None:
        """Clear hardware faults after an e-stop (no-op where there is nothing to clear)."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self):
        self.connect()
        return self

    def __exit__(self, *exc) -> None:
        self.close()
