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

"""The MuJoCo model: the robot's URDF imported by MuJoCo, wrapped in a scene (table, target, distractors,
lights, the policy camera, velocity actuators, the palm site).

The URDF stays the one robot model: nothing here restates its kinematics. What the scene adds is
arena (table, lights, camera) and task props (target shapes, distractors), kept apart like dm_control's
composer: robot, arena, task.
"""
from __future__ import annotations

import mujoco
import numpy as np

from jaco_prog.config import config_class, setting
from jaco_prog.robot.profile import RobotProfile

TARGET_SHAPES = ("box", "sphere", "cylinder", "capsule")
_GEOM_TYPE = {
    "box": mujoco.mjtGeom.mjGEOM_BOX,
    "sphere": mujoco.mjtGeom.mjGEOM_SPHERE,
    "cylinder": mujoco.mjtGeom.mjGEOM_CYLINDER,
    "capsule": mujoco.mjtGeom.mjGEOM_CAPSULE,
}
# Geoms in this group are not drawn: inactive target shapes and unused distractors are parked there.
HIDDEN_GROUP = 5
VISIBLE_GROUP = 0
TABLE_GEOM = "table_top"
TARGET_BODY = "target"
PALM_SITE = "palm"
POLICY_CAMERA = "policy_camera"
KEY_LIGHT = "key_light"


RGBA = tuple[float, float, float, float]
XYZ = tuple[float, float, float]


@config_class("task.yaml", "scene")
class SceneConfig:
    """Nominal (unrandomised) scene: config/task.yaml `scene:` (its values; SceneConfig() is that section)."""
    physics_dt: float = setting("physics step", unit="s", above=0)
    table_size: tuple[float, float] = setting("table top, x by y", unit="m", above=0)
    table_center: tuple[float, float] = setting("table top centre, base frame", unit="m")
    table_thickness: float = setting("table thickness", unit="m", low=0)
    table_rgba: RGBA = setting("table colour", low=0, high=1)
    floor_rgba: RGBA = setting("floor colour", low=0, high=1)
    backdrop_rgba: RGBA = setting("backdrop colour", low=0, high=1)
    arm_rgba: RGBA = setting("arm colour", low=0, high=1)
    hand_rgba: RGBA = setting("hand colour", low=0, high=1)
    target_rgba: RGBA = setting("target colour", low=0, high=1)
    target_size: float = setting("half-extent of the target in every direction", unit="m", low=0)
    distractor_slots: int = setting("distractor bodies in the model (randomisation draws how many show)", low=1)
    distractor_rgba: RGBA = setting("distractor colour", low=0, high=1)
    light_pos: XYZ = setting("key light position", unit="m")
    light_diffuse: XYZ = setting("key light colour", low=0)
    ambient: XYZ = setting("ambient light", low=0)
    camera_pos: XYZ = setting("policy camera position, base frame", unit="m")
    camera_lookat: XYZ = setting("a point on the policy camera's axis", unit="m")
    camera_fovy: float = setting("policy camera vertical field of view", unit="deg", above=0)
    image_size: int = setting("policy image, square", unit="pixels", low=1)
    render_slices: int = setting("tessellation of round primitives (MuJoCo's 28x16 is 2.5x slower, same at 64 px)",
                                 low=1)
    render_stacks: int = setting("tessellation of round primitives, stacks", low=1)
    actuator_kv: dict[str, float] = setting("velocity actuator gain per joint group", low=0)
    armature: dict[str, float] = setting("joint armature per joint group", low=0)
    # Pairs of URDF links whose blocky stand-in geometry touches where the real arm's does not.
    contact_exclude: tuple[tuple[str, str], ...] = setting("link pairs whose contacts are not violations")


def look_at_quat(pos: np.ndarray, lookat: np.ndarray, up: np.ndarray = np.array([0.0, 0.0, 1.0])) -> np.ndarray:
    """Quaternion (w, x, y, z) of a MuJoCo camera at `pos` looking at `lookat` (camera looks along -z)."""
    forward = np.asarray(lookat, float) - np.asarray(pos, float)
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, up)
    right /= np.linalg.norm(right)
    cam_up = np.cross(right, forward)
    rot = np.column_stack([right, cam_up, -forward])
    quat = np.zeros(4)
    mujoco.mju_mat2Quat(quat, rot.flatten())
    return quat


def _urdf_for_mujoco(urdf_text: str) -> str:
    """Compiler options for the import; `discardvisual` stays off because it would also drop the scene's
    non-colliding props (target, backdrop): build_spec removes the URDF's visual duplicates itself."""
    extension = ('<mujoco><compiler discardvisual="false" fusestatic="true" strippath="false" '
                 'balanceinertia="true"/></mujoco>')
    head, sep, tail = urdf_text.partition("</robot>")
    if not sep:
        raise ValueError("URDF has no closing </robot> tag")
    return head + extension + sep + tail


def build_spec(profile: RobotProfile, cfg: SceneConfig) -> mujoco.MjSpec:
    urdf_text = profile.urdf_file().read_text()
    spec = mujoco.MjSpec.from_string(_urdf_for_mujoco(urdf_text))
    spec.option.timestep = cfg.physics_dt
    spec.option.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    spec.visual.quality.shadowsize = 0
    spec.visual.quality.offsamples = 0
    spec.visual.quality.numslices = cfg.render_slices
    spec.visual.quality.numstacks = cfg.render_stacks
    spec.visual.headlight.ambient = list(cfg.ambient)
    spec.visual.headlight.diffuse = [0.0, 0.0, 0.0]
    spec.visual.headlight.specular = [0.0, 0.0, 0.0]

    robot_bodies = [b for b in spec.bodies if b.name and b.name != "world"]
    groups = {j.name: j.group for j in profile.joints}
    for body in robot_bodies:
        body.gravcomp = 1.0  # the Jaco's own controller compensates gravity; a velocity command is all it sees
        for geom in list(body.geoms):
            if geom.contype == 0 and geom.conaffinity == 0:  # a URDF <visual>: same primitive as <collision>
                spec.delete(geom)
        for geom in body.geoms:
            geom.rgba = list(cfg.hand_rgba if "finger" in body.name or body.name.endswith("_6") else cfg.arm_rgba)
            geom.group = VISIBLE_GROUP

    palm = spec.body(profile.palm_link)
    if palm is None:
        raise ValueError(f"palm_link {profile.palm_link!r} is not a link of {profile.urdf}")
    palm.add_site(name=PALM_SITE, size=[0.01, 0.01, 0.01], rgba=[0, 1, 0, 0], group=HIDDEN_GROUP)

    world = spec.worldbody
    tx, ty = cfg.table_center
    world.add_geom(name=TABLE_GEOM, type=mujoco.mjtGeom.mjGEOM_BOX,
                   size=[cfg.table_size[0] / 2, cfg.table_size[1] / 2, cfg.table_thickness / 2],
                   pos=[tx, ty, -cfg.table_thickness / 2], rgba=list(cfg.table_rgba))
    world.add_geom(name="floor", type=mujoco.mjtGeom.mjGEOM_PLANE, size=[3, 3, 0.1], pos=[0, 0, -0.75],
                   rgba=list(cfg.floor_rgba), contype=0, conaffinity=0)
    world.add_geom(name="backdrop", type=mujoco.mjtGeom.mjGEOM_BOX, size=[0.02, 2.5, 1.5], pos=[-0.9, 0, 0.5],
                   rgba=list(cfg.backdrop_rgba), contype=0, conaffinity=0)

    target = world.add_body(name=TARGET_BODY, mocap=True, pos=[0.45, 0.0, cfg.target_size])
    for shape in TARGET_SHAPES:
        target.add_geom(name=f"target_{shape}", type=_GEOM_TYPE[shape], size=_shape_size(shape, cfg.target_size),
                        rgba=list(cfg.target_rgba), contype=0, conaffinity=0,
                        group=VISIBLE_GROUP if shape == TARGET_SHAPES[0] else HIDDEN_GROUP)
    for i in range(cfg.distractor_slots):
        body = world.add_body(name=f"distractor_{i}", mocap=True, pos=[0.0, 0.8 + 0.1 * i, 0.02])
        body.add_geom(name=f"distractor_{i}", type=mujoco.mjtGeom.mjGEOM_BOX, size=[0.02, 0.02, 0.02],
                      rgba=list(cfg.distractor_rgba), contype=0, conaffinity=0, group=HIDDEN_GROUP)

    world.add_light(name=KEY_LIGHT, pos=list(cfg.light_pos), dir=[0, 0, -1], diffuse=list(cfg.light_diffuse),
                    castshadow=False)
    world.add_camera(name=POLICY_CAMERA, pos=list(cfg.camera_pos),
                     quat=list(look_at_quat(np.array(cfg.camera_pos), np.array(cfg.camera_lookat))),
                     fovy=cfg.camera_fovy)

    for joint in profile.joints:
        if spec.joint(joint.name) is None:
            raise ValueError(f"joint {joint.name!r} of profile {profile.name!r} is not in {profile.urdf}")
        spec.joint(joint.name).armature = cfg.armature[groups[joint.name]]
        act = spec.add_actuator(name=f"{joint.name}_velocity", target=joint.name,
                                trntype=mujoco.mjtTrn.mjTRN_JOINT)
        act.set_to_velocity(kv=cfg.actuator_kv[groups[joint.name]])
    for a, b in cfg.contact_exclude:
        spec.add_exclude(bodyname1=a, bodyname2=b)
    return spec


def _shape_size(shape: str, size: float) -> list[float]:
    """MuJoCo size parameters for a target whose half-extent is `size` in every direction."""
    if shape == "box":
        return [size, size, size]
    if shape == "sphere":
        return [size, 0, 0]
    if shape == "cylinder":
        return [size, size, 0]
    return [size * 0.6, size * 0.4, 0]  # capsule: radius, half-length (lies along z: total height 2*size)


def shape_size(shape: str, size: float) -> np.ndarray:
    out = np.zeros(3)
    vals = _shape_size(shape, size)
    out[:len(vals)] = vals
    return out


def build_model(profile: RobotProfile, cfg: SceneConfig) -> mujoco.MjModel:
    return build_spec(profile, cfg).compile()
