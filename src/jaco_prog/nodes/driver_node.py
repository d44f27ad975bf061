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

"""driver_node: a lifecycle (managed) node over the safety layer + a hardware backend (docs/safety.md).

    configure: check that config/*.yaml agree (jaco_prog.config_check), load config/driver.yaml + safety.yaml,
               build backend + SafetyLayer + VelocityDriver,
               create publishers (joint_states, driver_status), the joint_command subscription and the
               estop / reset / enable services
    activate:  timer at control_rate -> driver.step() -> joint_states; status timer -> diagnostics;
               gen2_bridge: a publish_rate timer -> bridge.tick()
    deactivate: timers off, the arm is stopped;  cleanup / shutdown: the backend is closed

With `autostart` (default) it configures and activates itself; otherwise drive it with
`ros2 lifecycle set /driver_node configure|activate`. The `sim` backend lives inside sim_node (it owns the
simulator), so this node drives mock, kortex or gen2_bridge.

The estop / reset / enable services are sim_node's too (nodes.common.DriverServices): enable(false) makes the
node ignore commands (the watchdog then holds zero velocity), enable(true) accepts them again.
"""
from __future__ import annotations

from dataclasses import replace

from rclpy.lifecycle import Node, TransitionCallbackReturn

from jaco_prog import config_check
from jaco_prog.config import ConfigError, config_class, setting
from jaco_prog.hardware import BackendError, VelocityDriver, load_driver_params, make_backend
from jaco_prog.nodes import common
from jaco_prog.robot.profile import load_profile
from jaco_prog.safety import SafetyLayer, load_safety_params

NAME = "driver_node"


@config_class("real_nodes.yaml", NAME, "ros__parameters", frozen=True)
class DriverFileParameters:
    """driver_node's parameters in config/real_nodes.yaml (their one home; real.launch.py passes the file)."""
    status_rate: float = setting("driver_status (diagnostics)", unit="Hz", above=0)
    autostart: bool = setting("configure and activate on start (false: a lifecycle manager does)")


FILE = common.file_parameters(DriverFileParameters)
PARAMETERS = {
    "driver_config": "",         # path of a driver.yaml; "" -> the package's config/driver.yaml
    "backend": "",               # mock | kortex | gen2_bridge ("sim" runs inside sim_node); "" -> driver.yaml's
    "robot_profile": "",         # "" -> driver.yaml robot_profile
    "robot_ip": "",              # kortex address; "" -> driver.yaml / KORTEX_ADDRESS
    "kortex_password": "",       # "" -> the environment variable named in driver.yaml
    "status_rate": FILE["status_rate"],
    "autostart": FILE["autostart"],
}


class DriverNode(common.DriverServices, Node):
    def __init__(self, **node_kwargs):
        super().__init__(NAME, **node_kwargs)
        self.p = common.declare(self, PARAMETERS)
        self.driver: VelocityDriver | None = None
        self.enabled = True
        self._timers: list = []
        self._entities: dict[str, list] = {"lifecycle_publisher": [], "publisher": [], "subscription": [],
                                           "service": []}
        if self.p["autostart"]:
            if self.trigger_configure() == TransitionCallbackReturn.SUCCESS:
                self.trigger_activate()

    # --- lifecycle ----------------------------------------------------------------------------------------
    def on_configure(self, state) -> TransitionCallbackReturn:
        try:
            self._build()
        except (ConfigError, BackendError, ValueError, ImportError) as err:
            self.get_logger().error(f"configure failed: {err}")
            return TransitionCallbackReturn.FAILURE
        return TransitionCallbackReturn.SUCCESS

    def _build(self) -> None:
        config_check.check_agreement()  # e.g. a watchdog shorter than a policy period: refused before the arm moves
        params = load_driver_params(self.p["driver_config"] or None)
        params = replace(params, backend=self.p["backend"] or params.backend,
                         robot_profile=self.p["robot_profile"] or params.robot_profile,
                         kortex={**params.kortex, "address": self.p["robot_ip"] or params.kortex["address"]})
        if params.backend == "sim":
            raise ConfigError(f"{NAME}: backend", "the sim backend runs inside sim_node; use mock, kortex or "
                                                  "gen2_bridge here")
        self.profile = load_profile(params.robot_profile)
        clock = lambda: common.now_seconds(self)  # noqa: E731
        extra = {"password": self.p["kortex_password"] or None}
        if params.backend == "gen2_bridge":
            extra.update(self._gen2_io(params))
        backend = make_backend(params, self.profile, clock, **extra)
        layer = SafetyLayer.from_profile(self.profile, load_safety_params(self.profile.name))
        self.driver = VelocityDriver.from_params(params, backend, layer, clock)
        self.params = params
        self.joint_pub = common.publisher(self, "joint_states", lifecycle=True)
        self.status_pub = common.publisher(self, "driver_status", lifecycle=True)
        self._entities["lifecycle_publisher"] += [self.joint_pub, self.status_pub]
        self._entities["subscription"].append(common.subscription(self, "joint_command", self.on_command))
        self._entities["service"] += self.create_driver_services()

    def _gen2_io(self, params) -> dict:
        """Publishers/subscription for the Gen2 ROS driver's own topics (kinova_msgs), bound to the bridge, which
        maps its commands and that driver's joint states to and from the messages (jaco_prog.hardware.gen2_bridge)."""
        from jaco_prog.hardware.gen2_bridge import Gen2Params, kinova_message
        g2 = Gen2Params.from_dict(params.raw.get("gen2_bridge"))
        qos = common.qos_profile(common.topics.RELIABLE)
        kinds = g2.kinova_messages()
        try:
            classes = {topic: common.interface(type_name) for topic, (type_name, _) in kinds.items()}
        except ImportError as err:
            raise ImportError("backend gen2_bridge needs kinova_msgs (build the Gen2 ROS 2 driver's messages in "
                              "the workspace)") from err
        publishers = {topic: self.create_publisher(cls, topic, qos) for topic, cls in classes.items()}

        def publish(cmd) -> None:
            publishers[cmd.topic].publish(kinova_message(cmd, classes[cmd.topic], kinds[cmd.topic][1]))

        self._entities["publisher"] += list(publishers.values())
        self._entities["subscription"].append(self.create_subscription(
            common.msg_type("joint_states"), g2.joint_state_topic, lambda msg: self.driver.backend.on_joint_state(msg),
            qos))
        self._gen2_rate = g2.publish_rate
        return {"publish": publish}

    def on_activate(self, state) -> TransitionCallbackReturn:
        self._timers = [self.create_timer(self.driver.period, self.on_control),
                        self.create_timer(1.0 / self.p["status_rate"], self.on_status)]
        if self.params.backend == "gen2_bridge":
            self._timers.append(self.create_timer(1.0 / self._gen2_rate, self.driver.backend.tick))
        return super().on_activate(state)

    def on_deactivate(self, state) -> TransitionCallbackReturn:
        self._cancel_timers()
        self._stop_arm()
        return super().on_deactivate(state)

    def on_cleanup(self, state) -> TransitionCallbackReturn:
        self.close()
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state) -> TransitionCallbackReturn:
        self.close()
        return TransitionCallbackReturn.SUCCESS

    def _cancel_timers(self) -> None:
        for timer in self._timers:
            self.destroy_timer(timer)
        self._timers = []

    def _stop_arm(self) -> None:
        problem = self.driver.stop() if self.driver is not None else None
        if problem is not None:
            self.get_logger().error(problem)

    def close(self) -> None:
        self._cancel_timers()
        if self.driver is None:
            return
        for problem in self.driver.close():
            self.get_logger().error(problem)
        for kind, entities in self._entities.items():
            for entity in entities:
                getattr(self, f"destroy_{kind}")(entity)
            entities.clear()
        self.driver = None

    # --- bindings -----------------------------------------------------------------------------------------
    def on_command(self, msg) -> None:
        if self.enabled:
            self.driver.submit_command(common.topics.read_joint_command(msg))

    def on_control(self) -> None:
        tick = self.driver.step()
        if tick.state is not None:
            self.joint_pub.publish(common.joint_state(self.profile.joint_names, tick.state.positions,
                                                      tick.state.velocities, tick.state.stamp))

    def on_status(self) -> None:
        tick = self.driver.last_tick
        if tick is not None:
            self.status_pub.publish(common.diagnostics([tick.status.to_diagnostic(f"{NAME}/safety")], tick.now,
                                                       self.params.backend))

    # DriverServices (estop, reset, enable)
    def arm_driver(self) -> VelocityDriver:
        return self.driver

    def enable_commands(self, flag: bool) -> None:
        self.enabled = flag


def main(args=None) -> None:
    common.spin(DriverNode, args)


if __name__ == "__main__":
    main()
