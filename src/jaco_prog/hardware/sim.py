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

"""`sim` backend: the MuJoCo arm (jaco_prog.sim.simulator.ArmSimulator) behind the hardware interface.

The backend does not step physics: whoever owns the simulator (the sim node, a test harness) calls
`sim.advance(period)` between control periods, and the driver's clock is `lambda: sim.time`.
"""
from __future__ import annotations

import numpy as np

from jaco_prog.hardware.base import ConnectionLost, HardwareBackend, JointState


class SimBackend(HardwareBackend):
    name = "sim"
    inline_calls = True  # in-process: a call cannot hang

    def __init__(self, sim):
        super().__init__(list(sim.joint_names))
        self.sim = sim
        self._connected = False
        self.estopped = False
        self.last_sent = np.zeros(len(self.joint_names))

    @classmethod
    def from_profile(cls, profile, **sim_kwargs) -> "SimBackend":
        from jaco_prog.sim.simulator import ArmSimulator
        return cls(ArmSimulator.from_profile(profile, **sim_kwargs))

    @property
    def connected(self) -> bool:
        return self._connected

    def connect(self) -> None:
        self._connected = True

    def _require(self) -> None:
        if not self._connected:
            raise ConnectionLost("sim backend is not connected")

    def read_state(self) -> JointState:
        if not self._connected:
            self._require()
        sim = self.sim
        return JointState(sim.joint_positions(), sim.joint_velocities(), sim.time)

    def _command(self, velocities: np.ndarray) -> None:
        self.last_sent = np.array(velocities, float)
        self.sim.set_velocity_command(self.last_sent)

    def send_velocities(self, velocities: np.ndarray) -> None:
        if not self._connected:
            self._require()
        # a latched hardware e-stop ignores velocity commands until its faults are cleared
        self._command(np.zeros(len(self.joint_names)) if self.estopped else velocities)

    def stop(self) -> None:
        self._require()
        self._command(np.zeros(len(self.joint_names)))

    def estop(self) -> None:
        self._require()
        self.estopped = True
        self._command(np.zeros(len(self.joint_names)))

    def clear_faults(self) -> None:
        self._require()
        self.estopped = False

    def close(self) -> None:
        if self._connected:
            self._command(np.zeros(len(self.joint_names)))
        self._connected = False
