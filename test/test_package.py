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

"""The repository is a well-formed ament_python package: colcon builds and tests it without ROS installed."""
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_package_xml_is_format_3_ament_python_with_a_valid_maintainer():
    root = ET.parse(ROOT / "package.xml").getroot()
    assert root.get("format") == "3"
    assert root.findtext("name") == "jaco_prog"
    assert root.find("export/build_type").text == "ament_python"
    email = root.find("maintainer").get("email")
    assert re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", email)
    version = root.findtext("version")
    assert f'version="{version}"' in (ROOT / "setup.py").read_text()


def test_resource_marker_and_data_folders_exist():
    assert (ROOT / "resource" / "jaco_prog").is_file()
    for folder in ("config", "urdf"):
        assert any((ROOT / folder).iterdir()), folder


@pytest.mark.skipif(shutil.which("colcon") is None and not (Path(sys.executable).parent / "colcon").exists(),
                    reason="colcon-common-extensions is not installed")
def test_colcon_build_installs_data_and_executable_and_colcon_test_runs(tmp_path):
    colcon = shutil.which("colcon") or str(Path(sys.executable).parent / "colcon")
    common = ["--log-base", str(tmp_path / "log")]
    paths = ["--base-paths", str(ROOT), "--build-base", str(tmp_path / "build"),
             "--install-base", str(tmp_path / "install")]
    build = subprocess.run([colcon, *common, "build", *paths], capture_output=True, text=True, cwd=tmp_path)
    assert build.returncode == 0, build.stdout + build.stderr
    prefix = tmp_path / "install" / "jaco_prog"
    share = prefix / "share" / "jaco_prog"
    assert (share / "package.xml").is_file()
    assert (share / "config" / "robots.yaml").is_file()
    assert (share / "urdf" / "j2n6s300.urdf").is_file()
    assert (prefix / "share" / "ament_index" / "resource_index" / "packages" / "jaco_prog").is_file()
    assert (prefix / "lib" / "jaco_prog" / "jaco-prog").is_file()
    test = subprocess.run([colcon, *common, "test", *paths, "--pytest-args", "-k", "test_kinematics"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert test.returncode == 0, test.stdout + test.stderr
    results = list((tmp_path / "build" / "jaco_prog").rglob("pytest.xml"))
    assert results, "colcon test wrote no pytest results"
    suite = ET.parse(results[0]).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    assert int(suite.get("tests")) >= 3 and int(suite.get("failures")) == 0 and int(suite.get("errors")) == 0


def test_every_python_file_carries_the_licence_of_package_xml():
    """ament_copyright (the ROS 2 image's linter) wants a copyright line and the licence's header in the first
    comment block; the SPDX line names the licence package.xml declares."""
    licence = ET.parse(ROOT / "package.xml").getroot().find("license").text.strip()
    files = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert files
    missing = []
    for name in files:
        head = (ROOT / name).read_text().split("\n", 20)[:20]
        if not any(line.startswith("# Copyright ") for line in head) or \
                f"# SPDX-License-Identifier: {licence}" not in head or \
                not any("Licensed under the Apache License, Version 2.0" in line for line in head):
            missing.append(name)
    assert not missing, missing


ROS_PACKAGES = ("rclpy", "rcl_", "rmw", "rosidl", "builtin_interfaces", "launch", "launch_ros", "ament_index")


def test_no_core_module_imports_a_ros_package_even_where_it_defers_the_import():
    """The import check below sees what importing a module loads; an import inside a function (say, one that
    builds launch objects) escapes it. Read every core module's imports from its source instead; paths.py's
    lookup of an ament install tree is the one allowed (see below)."""
    import ast

    found = []
    for path in sorted((ROOT / "src" / "jaco_prog").rglob("*.py")):
        relative = path.relative_to(ROOT / "src" / "jaco_prog")
        if relative.parts[0] == "nodes":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
            for name in names:
                root = name.split(".")[0]
                ros = root.startswith(ROS_PACKAGES) or root.endswith(("_msgs", "_srvs"))
                if ros and not (str(relative) == "paths.py" and root == "ament_index_python"):
                    found.append(f"{relative}:{node.lineno} imports {name}")
    assert not found, found


def test_the_core_imports_no_ros_package():
    """Every module but jaco_prog.nodes imports without rclpy or a message package (ament_index_python, a plain
    resource lookup that paths.share_dir asks where a colcon install keeps the data files, is not ROS runtime)."""
    script = (
        "import importlib, pkgutil, sys\n"
        "import jaco_prog\n"
        "for m in pkgutil.walk_packages(jaco_prog.__path__, 'jaco_prog.'):\n"
        "    if not m.name.startswith('jaco_prog.nodes'):\n"
        "        importlib.import_module(m.name)\n"
        "roots = {n.split('.')[0] for n in sys.modules}\n"
        "print(sorted(r for r in roots if r.startswith(('rclpy', 'rcl_', 'rmw', 'rosidl', 'builtin_interfaces'))\n"
        "             or r.endswith(('_msgs', '_srvs'))))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "MUJOCO_GL": "egl"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", result.stdout
