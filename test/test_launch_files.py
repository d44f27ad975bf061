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

"""Launch files, rviz config, node parameter files and docker: they name only executables, parameters,
launch arguments and files that exist.

Checked statically (AST + YAML) everywhere; where the ROS 2 `launch` package is importable (the docker image)
each launch file is also loaded and its LaunchDescription inspected. No node is started here: the
launch_testing tests in test/launch/ start sim.launch.py in the ROS 2 image.
"""
import ast
import importlib.util
from pathlib import Path

import pytest
import yaml

from jaco_prog import topics
from jaco_prog.testing.launch_files import declared_nodes, launch_arguments

ROOT = Path(__file__).resolve().parents[1]
LAUNCH = ROOT / "launch"
LAUNCH_FILES = ["sim.launch.py", "real.launch.py", "replay.launch.py"]
ROS_BUILTIN_PARAMETERS = {"use_sim_time"}
REQUIRED_ARGS = {
    "sim.launch.py": {"checkpoint", "robot_profile", "rviz", "record", "task"},
    "real.launch.py": {"checkpoint", "robot_profile", "rviz", "record", "camera_device", "robot_ip", "backend"},
    "replay.launch.py": {"bag", "rviz"},
}


# --- static helpers ---------------------------------------------------------------------------------------
def entry_points() -> dict[str, str]:
    """console_scripts of setup.py: name -> 'module:function'."""
    tree = ast.parse((ROOT / "setup.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value == "console_scripts":
                    pairs = [ast.literal_eval(e).split("=") for e in value.elts]
                    return {name.strip(): target.strip() for name, target in pairs}
    raise AssertionError("setup.py has no console_scripts")


def node_module(executable: str) -> Path:
    """The source of a node executable's module: its console script runs jaco_prog.nodes.executables' function
    of the same name, which runs jaco_prog.nodes.<name>'s main."""
    module, function = entry_points()[executable].split(":")
    assert (module, function) == ("jaco_prog.nodes.executables", executable), entry_points()[executable]
    return ROOT / "src" / "jaco_prog" / "nodes" / f"{executable}.py"


def node_parameters(executable: str) -> dict:
    """The PARAMETERS table (name -> default) of a node module, read without importing it (no rclpy needed)."""
    path = node_module(executable)
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if isinstance(target, ast.Name) and target.id == "PARAMETERS":
                assert isinstance(node.value, ast.Dict), f"{path.name}: PARAMETERS must be a dict literal"
                out = {}
                for k, v in zip(node.value.keys, node.value.values):
                    assert isinstance(k, ast.Constant), f"{path.name}: PARAMETERS keys must be literals"
                    try:
                        out[k.value] = ast.literal_eval(v)
                    except ValueError:
                        out[k.value] = None  # computed default (e.g. from a config file)
                return out
    raise AssertionError(f"{path} has no PARAMETERS table")


def calls(tree, name: str):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == name:
            yield node


def kw(call: ast.Call, name: str):
    for k in call.keywords:
        if k.arg == name:
            return k.value
    return None


def parse_launch(name: str) -> dict:
    """Nodes and declared arguments as the launch file makes them (executed with jaco_prog.testing.launch_files'
    stand-ins for `launch`, so what it takes from jaco_prog.nodes.launch_arguments counts); the files, the
    arguments used and the processes' commands read from its text."""
    tree = ast.parse((LAUNCH / name).read_text(), name)
    nodes = [{"package": n.package, "executable": n.executable, "name": n.name, "parameters": set(n.parameters)}
             for n in declared_nodes(name, package=None)]
    files = []  # PathJoinSubstitution([share, "<folder>", "<file>"])
    for call in calls(tree, "PathJoinSubstitution"):
        parts = [e.value for e in call.args[0].elts if isinstance(e, ast.Constant)]
        files.append(tuple(parts))
    used = {ast.literal_eval(c.args[0]) for name_ in ("LaunchConfiguration", "arg") for c in calls(tree, name_)
            if c.args and isinstance(c.args[0], ast.Constant)}
    commands = [[ast.unparse(e) for e in kw(c, "cmd").elts] for c in calls(tree, "ExecuteProcess")]
    return {"nodes": nodes, "files": files, "declared": set(launch_arguments(name)), "used": used,
            "commands": commands}


def exec_depends() -> set[str]:
    import xml.etree.ElementTree as ET
    root = ET.parse(ROOT / "package.xml").getroot()
    return {e.text for e in root.findall("exec_depend")} | {e.text for e in root.findall("depend")}


# --- tests ------------------------------------------------------------------------------------------------
def test_every_node_has_an_entry_point_to_an_existing_main():
    scripts = entry_points()
    assert scripts["jaco-prog"] == "jaco_prog.cli:main"
    wrappers = ast.parse((ROOT / "src" / "jaco_prog" / "nodes" / "executables.py").read_text())
    for node in ("camera_node", "tracker_node", "policy_node", "driver_node", "sim_node"):
        assert scripts[node] == f"jaco_prog.nodes.executables:{node}"
        assert any(isinstance(n, ast.FunctionDef) and n.name == node for n in wrappers.body), f"{node}: no wrapper"
        path = node_module(node)
        assert path.is_file(), f"{node}: {path} missing"
        tree = ast.parse(path.read_text())
        assert any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body), f"{node}: no main"
        assert set(node_parameters(node)), f"{node}: empty PARAMETERS"


@pytest.mark.parametrize("name", LAUNCH_FILES)
def test_launch_file_names_only_existing_executables_parameters_and_files(name):
    info = parse_launch(name)
    scripts = entry_points()
    assert info["nodes"], f"{name} starts no node"
    for node in info["nodes"]:
        if node["package"] == "jaco_prog":
            assert node["executable"] in scripts, f"{name}: no entry point {node['executable']}"
            assert node["name"] == node["executable"], "node name = executable, so the parameter files match"
            unknown = node["parameters"] - set(node_parameters(node["executable"])) - ROS_BUILTIN_PARAMETERS
            assert not unknown, f"{name}: {node['executable']} declares no parameter(s) {sorted(unknown)}"
        else:
            assert node["package"] in exec_depends(), f"{name}: {node['package']} is not an exec_depend"
    for parts in info["files"]:
        if len(parts) == 2:
            assert (ROOT / parts[0] / parts[1]).is_file(), f"{name}: {'/'.join(parts)} does not exist"
    undeclared, missing = info["used"] - info["declared"], REQUIRED_ARGS[name] - info["declared"]
    assert not undeclared, f"{name}: undeclared launch argument(s) {undeclared}"
    assert not missing, f"{name}: missing launch argument(s) {missing}"


def test_sim_and_real_launch_start_the_graph_with_rsp_rviz_and_an_mcap_recorder():
    sim, real = parse_launch("sim.launch.py"), parse_launch("real.launch.py")
    executables = {n["executable"] for n in sim["nodes"]}, {n["executable"] for n in real["nodes"]}
    common = {"tracker_node", "policy_node", "robot_state_publisher", "rviz2"}
    assert executables[0] == common | {"sim_node"}
    assert executables[1] == common | {"camera_node", "driver_node"}
    for info in (sim, real):
        assert ("urdf", "j2n6s300.urdf") in info["files"] and ("rviz", "jaco_prog.rviz") in info["files"]
        (record,) = [c for c in info["commands"] if "'record'" in c]
        assert record[:6] == ["'ros2'", "'bag'", "'record'", "'-s'", "'mcap'", record[5]]


def test_sim_and_real_launch_give_policy_node_the_shared_learn_arguments_as_typed_parameters():
    """One learn block (jaco_prog.nodes.launch_arguments) in both launch files: the same arguments, the same
    parameters."""
    from jaco_prog.nodes.launch_arguments import LEARN

    given = {"learn": "true", "run_dir": "runs/online", "learn_mode": "finetune", "learn_steps": "1200",
             "train_config": "site.yaml"}
    assert set(given) == set(LEARN)
    for name in ("sim.launch.py", "real.launch.py"):
        assert {k: v for k, v in launch_arguments(name).items() if k in LEARN} == \
            {k: default for k, (_, default, _) in LEARN.items()}
        (policy,) = [n for n in declared_nodes(name, given) if n.executable == "policy_node"]
        assert {k: policy.parameters[k] for k in LEARN} == {"learn": True, "run_dir": "runs/online",
                                                            "learn_mode": "finetune", "learn_steps": 1200,
                                                            "train_config": "site.yaml"}


@pytest.mark.parametrize("file, nodes", [("sim_nodes.yaml", {"sim_node", "tracker_node", "policy_node"}),
                                         ("real_nodes.yaml", {"camera_node", "driver_node", "tracker_node",
                                                              "policy_node"})])
def test_node_parameter_files_set_declared_parameters_with_the_default_types(file, nodes):
    data = yaml.safe_load((ROOT / "config" / file).read_text())
    assert set(data) <= nodes  # a node the graph's launch file starts; one its defaults suit needs no entry
    for node, section in data.items():
        assert set(section) == {"ros__parameters"}, f"{file}: {node} must hold only ros__parameters"
        declared = node_parameters(node)
        for key, value in section["ros__parameters"].items():
            assert key in declared or key in ROS_BUILTIN_PARAMETERS, f"{file}: {node} has no parameter {key}"
            default = declared.get(key)
            if default is not None:  # ROS refuses a value of another type than the declared one (30 for 30.0)
                ok = type(value) is type(default)
                assert ok, f"{file}: {node}.{key} = {value!r} has another type than the default {default!r}"


def test_rviz_shows_robot_tf_camera_target_and_reward_on_contract_topics():
    cfg = yaml.safe_load((ROOT / "rviz" / "jaco_prog.rviz").read_text())
    manager = cfg["Visualization Manager"]
    displays = {d["Class"].split("/")[-1]: d for d in manager["Displays"]}
    assert {"RobotModel", "TF", "Image", "Marker"} <= set(displays)
    assert displays["RobotModel"]["Description Topic"]["Value"] == "/robot_description"
    image = displays["Image"]["Topic"]
    assert image["Value"] == topics.name("image") and image["Reliability Policy"] == "Best Effort"
    assert displays["Marker"]["Topic"]["Value"] == topics.name("target_marker")
    assert set(displays["Marker"]["Namespaces"]) == {"target", "reward"}  # the reward is a text marker
    assert displays["PointStamped"]["Topic"]["Value"] == topics.name("target_point")
    assert manager["Global Options"]["Fixed Frame"] == "world"


def test_docker_image_builds_the_package_and_compose_has_sim_and_test():
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert dockerfile.splitlines()[[i for i, l in enumerate(dockerfile.splitlines())
                                    if l.startswith("FROM")][0]] == "FROM ros:jazzy-ros-base"
    assert "colcon build" in dockerfile and "ros-jazzy-launch-testing" in dockerfile
    assert "ros-jazzy-rosbag2-storage-mcap" in dockerfile
    for dep in exec_depends():
        if dep.startswith("python3-"):
            continue
        assert f"ros-jazzy-{dep.replace('_', '-')}" in dockerfile or dep in ("rclpy", "launch", "launch_ros"), dep
    compose = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
    assert {"sim", "test"} <= set(compose["services"])
    assert "colcon test" in " ".join(compose["services"]["test"]["command"])
    assert "sim.launch.py" in compose["services"]["sim"]["command"]


def _real_launch_available() -> bool:
    # the repository's own launch/ folder is importable as a namespace package: that is not ROS's `launch`
    spec = importlib.util.find_spec("launch")
    return spec is not None and spec.origin is not None and importlib.util.find_spec("launch_ros") is not None


@pytest.mark.skipif(not _real_launch_available(), reason="the ROS 2 `launch`/`launch_ros` packages are not "
                                                         "installed (they are in the docker/ image)")
@pytest.mark.parametrize("name", LAUNCH_FILES)
def test_launch_file_loads_with_ros2_launch(name):
    from launch.actions import DeclareLaunchArgument
    from launch_ros.actions import Node
    spec = importlib.util.spec_from_file_location(name.replace(".", "_"), LAUNCH / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    description = module.generate_launch_description()
    declared = {a.name for a in description.entities if isinstance(a, DeclareLaunchArgument)}
    assert REQUIRED_ARGS[name] <= declared
    scripts = entry_points()

    def text(value):
        if isinstance(value, str):
            return value
        return "".join(getattr(s, "text", "?") for s in value)
    for entity in description.entities:
        if isinstance(entity, Node) and text(entity.node_package) == "jaco_prog":
            assert text(entity.node_executable) in scripts
