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

import os

os.environ.setdefault("MUJOCO_GL", "egl")
# ROS 2 (real rclpy over Fast DDS): this run's own DDS domain, discovery on this host only, so that node tests
# and graph processes never meet another run's nodes.
os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
os.environ.setdefault("ROS_DOMAIN_ID", str(1 + os.getpid() % 100))

import numpy as np  # noqa: E402
import pytest  # noqa: E402

DEG = np.pi / 180


@pytest.fixture
def make_sim_env():
    """make_env with cleanup: every env a test builds is closed (GL contexts freed) at teardown."""
    from jaco_prog.sim import make_env

    built = []

    def factory(**kwargs):
        env = make_env(**kwargs)
        built.append(env)
        return env

    yield factory
    for env in built:
        env.close()


@pytest.fixture
def fixed_overrides():
    """Every randomisation block off: a fixed scene."""
    blocks = ("target_shape", "target_size", "target_colour", "distractors", "table_colour", "light", "camera",
              "dynamics", "latency")
    return {"randomisation": {b: {"enabled": False} for b in blocks}}


@pytest.fixture(scope="session")
def load_bench():
    """Import a bench/ script as a module by its name (bench/ is not a package)."""
    import importlib.util
    from pathlib import Path

    bench = Path(__file__).resolve().parents[1] / "bench"

    def load(name: str):
        spec = importlib.util.spec_from_file_location(f"bench_{name}", bench / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture(scope="session")
def save_narrow_column():
    """Save a 1-column narrow LSTM net for the reach task, after `edit(net)` (under no_grad) shapes its
    output; returns the checkpoint path inside `directory`."""
    import torch

    from jaco_prog.nets.checkpoint import save_checkpoint
    from jaco_prog.nets.progressive import ProgressiveNet
    from jaco_prog.nets.spec import ColumnSpec, SIZE_PRESETS, spec_for_env
    from jaco_prog.sim import make_env

    def save(directory, edit):
        env = make_env()
        torch.manual_seed(0)
        net = ProgressiveNet(spec_for_env(env.observation_space, env.unwrapped.profile.to_dict(),
                                          ColumnSpec(**SIZE_PRESETS["narrow"], core="lstm")))
        env.close()
        with torch.no_grad():
            edit(net)
        return save_checkpoint(directory / "checkpoint.pt", {"spec": net.spec.to_dict(), "model": net.state_dict()})

    return save


@pytest.fixture
def one_torch_thread():
    """torch on one thread for the test, as train_a2c and the policy node run: small nets gain nothing from a
    second OpenMP thread on a busy 2-core machine, and another thread count sums in another order (weights that
    must equal another path's bit for bit differ in their last bits)."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
