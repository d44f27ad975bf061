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

"""Per-episode domain randomisation of a compiled scene (appearance, camera, dynamics, action timing).

The randomiser remembers the model's nominal values once and, each episode, restores them and applies a
fresh draw, so draws never accumulate. Everything drawn is returned in an `EpisodeDraw` for logging and
for tests that check the draws stay in their configured ranges.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import mujoco
import numpy as np

from jaco_prog.sim import scene
from jaco_prog.sim.task_config import TaskConfig


@dataclass
class EpisodeDraw:
    target_shape: str
    target_size: float
    target_rgb: np.ndarray
    distractor_count: int = 0
    distractor_sizes: list = field(default_factory=list)
    distractor_rgbs: list = field(default_factory=list)
    table_rgb: np.ndarray | None = None
    light_pos: np.ndarray | None = None
    light_rgb: np.ndarray | None = None
    camera_pos: np.ndarray | None = None
    camera_lookat: np.ndarray | None = None
    camera_fovy: float | None = None
    damping: float = 0.0
    frictionloss: float = 0.0
    armature_scale: float = 1.0
    actuator_gain_scale: float = 1.0
    latency_steps: int = 0
    drop_probability: float = 0.0


class SceneRandomiser:
    def __init__(self, model: mujoco.MjModel, cfg: TaskConfig):
        self.model = model
        self.cfg = cfg
        m = model
        self._target_geoms = {s: m.geom(f"target_{s}").id for s in scene.TARGET_SHAPES}
        self._distractor_geoms = [m.geom(f"distractor_{i}").id for i in range(cfg.scene.distractor_slots)]
        self._table = m.geom(scene.TABLE_GEOM).id
        self._light = m.light(scene.KEY_LIGHT).id
        self._camera = m.camera(scene.POLICY_CAMERA).id
        self._nominal = {
            "geom_rgba": m.geom_rgba.copy(), "geom_size": m.geom_size.copy(), "geom_rbound": m.geom_rbound.copy(),
            "geom_group": m.geom_group.copy(), "light_pos": m.light_pos.copy(), "light_diffuse": m.light_diffuse.copy(),
            "cam_pos": m.cam_pos.copy(), "cam_quat": m.cam_quat.copy(), "cam_fovy": m.cam_fovy.copy(),
            "dof_damping": m.dof_damping.copy(), "dof_frictionloss": m.dof_frictionloss.copy(),
            "dof_armature": m.dof_armature.copy(), "actuator_gainprm": m.actuator_gainprm.copy(),
            "actuator_biasprm": m.actuator_biasprm.copy(),
        }

    def _restore(self) -> None:
        for name, value in self._nominal.items():
            getattr(self.model, name)[:] = value

    def apply(self, rng: np.random.Generator) -> EpisodeDraw:
        """Restore the nominal scene, then draw and apply this episode's perturbations."""
        self._restore()
        m, dr, sc, dyn = self.model, self.cfg.randomisation, self.cfg.scene, self.cfg.dynamics
        draw = EpisodeDraw(
            target_shape=rng.choice(dr.target_shape.shapes) if dr.target_shape.enabled else scene.TARGET_SHAPES[0],
            target_size=float(rng.uniform(*dr.target_size.range)) if dr.target_size.enabled else sc.target_size,
            target_rgb=(rng.uniform(dr.target_colour.low, dr.target_colour.high) if dr.target_colour.enabled
                        else np.array(sc.target_rgba[:3])),
            damping=dyn.damping, frictionloss=dyn.frictionloss, actuator_gain_scale=dyn.actuator_gain_scale,
            latency_steps=dyn.latency_steps, drop_probability=dyn.drop_probability,
        )
        draw.target_shape = str(draw.target_shape)
        for shape, gid in self._target_geoms.items():
            active = shape == draw.target_shape
            m.geom_group[gid] = scene.VISIBLE_GROUP if active else scene.HIDDEN_GROUP
            m.geom_size[gid] = scene.shape_size(shape, draw.target_size)
            m.geom_rbound[gid] = draw.target_size * np.sqrt(3)
            m.geom_rgba[gid, :3] = draw.target_rgb

        if dr.distractors.enabled:
            lo, hi = dr.distractors.count
            draw.distractor_count = int(rng.integers(int(lo), int(hi) + 1))
            for i in range(draw.distractor_count):
                gid = self._distractor_geoms[i]
                size = float(rng.uniform(*dr.distractors.size))
                rgb = rng.uniform(dr.distractors.low, dr.distractors.high)
                m.geom_group[gid] = scene.VISIBLE_GROUP
                m.geom_size[gid] = [size, size, size]
                m.geom_rbound[gid] = size * np.sqrt(3)
                m.geom_rgba[gid, :3] = rgb
                draw.distractor_sizes.append(size)
                draw.distractor_rgbs.append(rgb)

        if dr.table_colour.enabled:
            draw.table_rgb = rng.uniform(dr.table_colour.low, dr.table_colour.high)
            m.geom_rgba[self._table, :3] = draw.table_rgb

        if dr.light.enabled:
            nominal = self._nominal["light_pos"][self._light]
            offset = rng.uniform(-dr.light.xy_offset, dr.light.xy_offset, size=2)
            draw.light_pos = np.array([nominal[0] + offset[0], nominal[1] + offset[1], rng.uniform(*dr.light.height)])
            draw.light_rgb = rng.uniform(dr.light.colour_low, dr.light.colour_high)
            m.light_pos[self._light] = draw.light_pos
            m.light_diffuse[self._light] = draw.light_rgb

        if dr.camera.enabled:
            draw.camera_pos = np.array(sc.camera_pos) + rng.normal(0, dr.camera.pos_std, 3)
            draw.camera_lookat = np.array(sc.camera_lookat) + rng.normal(0, dr.camera.lookat_std, 3)
            draw.camera_fovy = float(sc.camera_fovy + rng.normal(0, dr.camera.fovy_std))
            m.cam_pos[self._camera] = draw.camera_pos
            m.cam_quat[self._camera] = scene.look_at_quat(draw.camera_pos, draw.camera_lookat)
            m.cam_fovy[self._camera] = draw.camera_fovy

        if dr.dynamics.enabled:
            draw.damping += float(rng.uniform(*dr.dynamics.damping))
            draw.frictionloss += float(rng.uniform(*dr.dynamics.frictionloss))
            draw.armature_scale = float(rng.uniform(*dr.dynamics.armature_scale))
            draw.actuator_gain_scale *= float(rng.uniform(*dr.dynamics.actuator_gain_scale))
        m.dof_damping[:] = self._nominal["dof_damping"] + draw.damping
        m.dof_frictionloss[:] = self._nominal["dof_frictionloss"] + draw.frictionloss
        m.dof_armature[:] = self._nominal["dof_armature"] * draw.armature_scale
        # velocity actuator: force = kv * (ctrl - qvel), i.e. gainprm[0] = kv and biasprm[2] = -kv
        m.actuator_gainprm[:, 0] = self._nominal["actuator_gainprm"][:, 0] * draw.actuator_gain_scale
        m.actuator_biasprm[:, 2] = self._nominal["actuator_biasprm"][:, 2] * draw.actuator_gain_scale

        if dr.latency.enabled:
            draw.latency_steps = int(rng.integers(int(dr.latency.steps[0]), int(dr.latency.steps[1]) + 1))
            draw.drop_probability = dr.latency.drop_probability
        return draw
