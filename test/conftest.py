import os

os.environ.setdefault("MUJOCO_GL", "egl")

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
