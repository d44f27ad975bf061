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

"""Hardware backends behind one interface (base.HardwareBackend) and the fixed-rate driver loop."""
from __future__ import annotations

from typing import Callable

from jaco_prog.hardware.base import (BackendError, BackendUnavailable, ConnectionLost, HardwareBackend,
                                     JointState)
from jaco_prog.hardware.driver import DriverParams, Tick, VelocityDriver, load_driver_params

__all__ = ["BackendError", "BackendUnavailable", "ConnectionLost", "DriverParams", "HardwareBackend",
           "JointState", "Tick", "VelocityDriver", "load_driver_params", "make_backend"]


def make_backend(params: DriverParams, profile, clock: Callable[[], float], **extra) -> HardwareBackend:
    """The backend named by driver.yaml `backend`. extra: `sim` (an ArmSimulator) for sim; `publish`
    (and optionally `estop_callback`) for gen2_bridge; `password` / `api` for kortex."""
    groups = [j.group for j in profile.joints]
    if params.backend == "mock":
        from jaco_prog.hardware.mock import MockBackend
        return MockBackend(profile.joint_names, clock, profile.home)
    if params.backend == "sim":
        from jaco_prog.hardware.sim import SimBackend
        return SimBackend(extra["sim"]) if "sim" in extra else SimBackend.from_profile(profile)
    if params.backend == "kortex":
        from jaco_prog.hardware.kortex import KortexBackend, KortexParams
        return KortexBackend(profile.joint_names, groups, KortexParams.from_dict(params.raw.get("kortex")), clock,
                             api=extra.get("api"), password=extra.get("password"))
    from jaco_prog.hardware.gen2_bridge import Gen2Bridge, Gen2Params
    if "publish" not in extra:
        raise ValueError("gen2_bridge needs a publish callback (the ROS node's publisher)")
    return Gen2Bridge(profile.joint_names, groups, Gen2Params.from_dict(params.raw.get("gen2_bridge")),
                      extra["publish"], clock, extra.get("estop_callback"))
