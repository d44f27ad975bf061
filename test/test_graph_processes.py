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

"""The graph as separate OS processes over real rclpy and Fast DDS, started with exactly the executables,
parameter files and values that launch/sim.launch.py (and, for driver_node, launch/real.launch.py) declare:
read from the launch files themselves (jaco_prog.testing.launch_files), so the two cannot drift apart.

Every run gets its own ROS_DOMAIN_ID and localhost discovery; every wait is bounded and every process is
killed at the end whatever happens. This test process talks to the graph as any other ROS 2 node would.
"""
import time

import numpy as np
import pytest

from jaco_prog import topics
from jaco_prog.nodes import common
from jaco_prog.runtime import load_runtime_params
from jaco_prog.nodes.observer import Observer
from jaco_prog.testing.graph import GraphProcesses, isolated_ros_env
from jaco_prog.testing.launch_files import declared_nodes

EPISODES = 3
STARTUP_S = 60.0  # MuJoCo, torch and the shipped column 1 load in each process on 2 busy cores
EPISODE_S = 10.0  # one 50-step episode is 2.5 s of sim time at real_time_factor 1
RATE_SHARE = 0.9  # of the configured joint state rate


def trigger(observer, key: str):
    srv = topics.SERVICES[key].srv_type
    return observer.call(srv, topics.name(key), common.interface(srv).Request())


def ends(observer) -> list[str]:
    return [m.data for _, m in observer.messages("episode_event") if m.data.startswith("end ")]


# --- the simulated graph: sim_node, tracker_node, policy_node ----------------------------------------------
@pytest.fixture(scope="module")
def sim_graph(tmp_path_factory):
    nodes = declared_nodes("sim.launch.py", {"rviz": "false", "record": "false"})
    assert [n.executable for n in nodes] == ["sim_node", "tracker_node", "policy_node"]
    graph = GraphProcesses(nodes, tmp_path_factory.mktemp("sim_graph"), isolated_ros_env())
    # listening before the nodes start, so that no message is missed while DDS discovers them
    observer = Observer(graph.domain_id)
    try:
        observer.listen("episode_event", "reward", "joint_command", "joint_states", "driver_status", "image")
        graph.start()
        # one episode more than the assertions count: on a loaded machine DDS may match this observer with
        # policy_node's command publisher only after the first episode began
        observer.wait_for(lambda: len(ends(observer)) > EPISODES, STARTUP_S + (EPISODES + 1) * EPISODE_S,
                          f"{EPISODES + 1} episodes to end", graph)
        yield graph, observer
    finally:
        observer.close()
        graph.kill()


def test_the_launched_processes_run_episodes_with_tracker_rewards_and_commands(sim_graph):
    graph, observer = sim_graph
    events = [m.data for _, m in observer.messages("episode_event")]
    assert [e.split()[:2] for e in events[:2 * EPISODES]] == \
        [[kind, str(n)] for n in range(EPISODES) for kind in ("start", "end")]
    returns = [float(e.split()[2]) for e in ends(observer)]
    assert all(0 <= r <= 50 for r in returns)
    rewards = [m.data for _, m in observer.messages("reward")]
    assert len(rewards) >= EPISODES * 50 and set(rewards) <= {0.0, 1.0}
    commands = [m for _, m in observer.messages("joint_command")]
    assert len(commands) >= 0.9 * EPISODES * 50  # one per tick inside episodes, unless an input went stale
    for msg in commands[:50]:
        assert len(msg.points) == 1 and len(msg.points[0].velocities) == len(msg.joint_names) == 9


def test_joint_states_arrive_at_the_configured_rate(sim_graph):
    graph, observer = sim_graph
    rate = load_runtime_params().sim.joint_state_rate
    arrivals = np.array([t for t, _ in observer.messages("joint_states")])
    assert len(arrivals) > 100
    window = arrivals[-1] - arrivals[0]
    measured = (len(arrivals) - 1) / window
    assert measured >= RATE_SHARE * rate, f"{measured:.1f} Hz of {rate} Hz over {window:.1f} s"


def test_the_estop_service_zeroes_the_commanded_velocity(sim_graph):
    graph, observer = sim_graph
    assert trigger(observer, "estop").success
    since = time.monotonic()

    def stopped():
        statuses = [(t, common.diagnostic_dicts(m)) for t, m in observer.messages("driver_status") if t > since]
        return [s for t, ss in statuses for s in ss if s["values"].get("status") == "estop"]

    observer.wait_for(stopped, 5.0, "driver_status to report the e-stop", graph)
    # the arm decelerates within a few periods; then the joint states say it stands. Waiting for states that
    # arrive after the settling time, rather than looking at a fixed last 0.1 s, keeps a loaded machine (whose
    # DDS delivery pauses for longer than that) from failing the test for want of a sample
    settled_after = time.monotonic() + 0.3

    def settled_states():
        states = [m for t, m in observer.messages("joint_states") if t > settled_after]
        return states if len(states) >= 5 else None

    settled = observer.wait_for(settled_states, 10.0, "five joint states after the arm settled", graph)
    assert max(abs(v) for m in settled for v in m.velocity[:6]) < 0.05
    assert trigger(observer, "reset").success


def test_one_sigint_ends_every_process_with_exit_0_even_pressed_again_during_shutdown(sim_graph):
    graph, _ = sim_graph
    assert all(graph.alive().values())
    codes = graph.interrupt(second_after=0.05)
    assert codes == {name: 0 for name in graph.processes}, {n: graph.log(n)[-1500:] for n in graph.processes}


# --- driver_node as real.launch.py declares it, on the mock backend, managed from this process -----------
def test_driver_node_lifecycle_and_estop_from_another_process(tmp_path):
    from lifecycle_msgs.msg import Transition

    (node,) = [n for n in declared_nodes("real.launch.py", {"backend": "mock", "rviz": "false"})
               if n.executable == "driver_node"]
    graph = GraphProcesses([node], tmp_path, isolated_ros_env(), extra_parameters={"driver_node": {
        "autostart": False}})
    observer = None
    try:
        graph.start()
        observer = Observer(graph.domain_id)
        observer.listen("joint_states", "driver_status")
        change, get = "lifecycle_msgs/srv/ChangeState", "lifecycle_msgs/srv/GetState"
        state = lambda: observer.call(get, "/driver_node/get_state", common.interface(get).Request(),  # noqa: E731
                                      timeout=STARTUP_S).current_state.label
        assert state() == "unconfigured"
        assert not observer.messages("joint_states")

        def transition(id_):
            request = common.interface(change).Request()
            request.transition.id = id_
            return observer.call(change, "/driver_node/change_state", request).success

        assert transition(Transition.TRANSITION_CONFIGURE) and state() == "inactive"
        assert transition(Transition.TRANSITION_ACTIVATE) and state() == "active"
        observer.wait_for(lambda: len(observer.messages("joint_states")) > 10, 10.0, "joint states", graph)
        first = observer.messages("joint_states")[-1][1]
        names = list(first.name)
        publisher = observer.node.create_publisher(common.msg_type("joint_command"), topics.name("joint_command"),
                                                   common.qos_profile(topics.TOPICS["joint_command"].publisher_qos))
        moving = np.zeros(len(names))
        moving[0] = 0.2

        def command_and_read(v, seconds):
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                publisher.publish(common.joint_command(names, v, 0.0, 0.1))
                time.sleep(0.02)
            return observer.messages("joint_states")[-1][1]

        assert command_and_read(moving, 1.0).velocity[0] > 0.1  # the mock arm follows the command
        assert trigger(observer, "estop").success
        assert command_and_read(moving, 0.5).velocity[0] == 0.0  # commands keep coming: zero while latched
        assert trigger(observer, "reset").success
        assert transition(Transition.TRANSITION_DEACTIVATE) and state() == "inactive"
        count = len(observer.messages("joint_states"))
        time.sleep(0.5)
        assert len(observer.messages("joint_states")) <= count + 1  # inactive: no more joint states
        codes = graph.interrupt()
        assert codes == {"driver_node": 0}, graph.log("driver_node")[-1500:]
    finally:
        if observer is not None:
            observer.close()
        graph.kill()
