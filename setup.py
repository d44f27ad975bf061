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

"""ament_python package jaco_prog; also pip-installable (`pip install -e .[test]`)."""
from glob import glob

from setuptools import find_packages, setup

PACKAGE = "jaco_prog"


def share(folder, pattern="*"):
    return (f"share/{PACKAGE}/{folder}", sorted(glob(f"{folder}/{pattern}")))


setup(
    name=PACKAGE,
    version="0.1.0",
    description="Sim-to-real Jaco reaching with progressive networks (ROS 2 + MuJoCo)",
    license="Apache-2.0",
    maintainer="jaco_prog maintainers",
    maintainer_email="maintainers@jaco-prog.dev",
    python_requires=">=3.10",
    package_dir={"": "src"},
    packages=find_packages("src", exclude=["test"]),
    data_files=[
        ("share/ament_index/resource_index/packages", [f"resource/{PACKAGE}"]),
        (f"share/{PACKAGE}", ["package.xml"]),
        share("config", "*.yaml"),
        share("urdf", "*.urdf"),
        share("launch", "*.py"),
        share("rviz", "*.rviz"),
        (f"share/{PACKAGE}/models", sorted(glob("models/*.pt") + glob("models/*.md"))),  # shipped nets + cards
    ],
    install_requires=[
        "numpy",
        "PyYAML",
        "mujoco>=3.2",
        "gymnasium>=1.0",
        "imageio",
        "imageio-ffmpeg",
        "tqdm",
        "opencv-python-headless",
        "rosbags",
    ],
    extras_require={
        "test": ["pytest", "hypothesis"],
        "train": ["torch==2.13.0", "tensorboard", "matplotlib"],
        "bags": ["mcap-ros2-support"],
        "ray": ["ray[tune]==2.60.0"],  # jaco-prog sweep --ray-address (requirements-ray.txt)
    },
    zip_safe=True,
    entry_points={
        "console_scripts": [
            "jaco-prog = jaco_prog.cli:main",
            # ROS 2 nodes (ros2 run jaco_prog <name>; installed to lib/jaco_prog by setup.cfg)
            "camera_node = jaco_prog.nodes.executables:camera_node",
            "driver_node = jaco_prog.nodes.executables:driver_node",
            "tracker_node = jaco_prog.nodes.executables:tracker_node",
            "policy_node = jaco_prog.nodes.executables:policy_node",
            "sim_node = jaco_prog.nodes.executables:sim_node",
        ],
    },
)
