"""The reaching task of Rusu et al. 2017 (section 4) as a gymnasium environment, plus the conveyor variant.

Observation: {"pixels": 64x64x3 uint8 from the fixed policy camera, "proprio": joint angles then joint
velocities}. Privileged state (target and palm positions) is in `info["privileged"]` for training code only.
Action: one choice per profile joint in {0: -v, 1: 0, 2: +v}, applied as a velocity command for one control
period. Reward: +1 for every step the palm is within `reward_radius` of the target centre. An episode ends on
a safety violation (self-collision, table contact, a joint at its set limit) or after `episode_steps`.
"""
from __future__ import annotations

from collections import deque

import gymnasium as gym
import mujoco
import numpy as np
from gymnasium import spaces

from jaco_prog.config import ConfigError
from jaco_prog.robot.profile import RobotProfile, load_profile
from jaco_prog.sim import scene
from jaco_prog.sim.randomisation import EpisodeDraw, SceneRandomiser
from jaco_prog.sim.render import SceneRenderer, View
from jaco_prog.sim.simulator import ArmSimulator
from jaco_prog.sim.task_config import TaskConfig, load_task_config

ACTION_CHOICES = 3  # {-v, 0, +v}


class ConveyorMotion:
    """A target sliding along one table axis at a per-episode speed, reversing at random (Poisson) times
    and at the edge of the target area; the velocity follows its set-point through a first-order lag so
    reversals are smooth, as with the paper's motorised pulley."""

    def __init__(self, cfg: TaskConfig):
        c = cfg.conveyor
        self.direction = np.array(c.direction, float) / np.linalg.norm(c.direction)
        self.cfg = c
        centre = np.array(cfg.task.target_area_center)
        half = np.array(cfg.task.target_area_size) / 2
        self.low, self.high = centre - half, centre + half
        self.velocity = 0.0
        self.setpoint = 0.0

    def reset(self, rng: np.random.Generator) -> None:
        self.setpoint = float(rng.uniform(*self.cfg.speed)) * (1 if rng.random() < 0.5 else -1)
        self.velocity = self.setpoint

    def advance(self, xy: np.ndarray, dt: float, rng: np.random.Generator) -> np.ndarray:
        if rng.random() < 1 - np.exp(-self.cfg.reversal_rate * dt):
            self.setpoint = -self.setpoint
        ahead = xy + self.direction * np.sign(self.setpoint) * 0.02
        if np.any(ahead < self.low) or np.any(ahead > self.high):
            self.setpoint = -self.setpoint  # the belt end: turn around before leaving the area
        alpha = 1 - np.exp(-dt / self.cfg.velocity_time_constant)
        self.velocity += alpha * (self.setpoint - self.velocity)
        return np.clip(xy + self.direction * self.velocity * dt, self.low, self.high)


class JacoReachEnv(gym.Env):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 20}

    def __init__(self, config: TaskConfig | None = None, profile: str | RobotProfile = "j2n6s300",
                 conveyor: bool = False, render_mode: str | None = "rgb_array", own_renderer: bool = True):
        self.cfg = config or load_task_config()
        self.profile = load_profile(profile) if isinstance(profile, str) else profile
        self.conveyor = conveyor
        self.render_mode = render_mode
        t = self.cfg.task
        n = self.profile.n_joints
        if len(t.start_noise_deg) != n:
            raise ConfigError("task.yaml: task.start_noise_deg",
                              f"needs one value per joint of profile {self.profile.name!r} ({n}), got "
                              f"{len(t.start_noise_deg)}")
        self.sim = ArmSimulator.from_profile(self.profile, self.cfg.scene, np.radians(t.joint_limit_margin_deg))
        self.model, self.data = self.sim.model, self.sim.data
        self.randomiser = SceneRandomiser(self.model, self.cfg)
        self.view = View(self.model, self.data, scene.POLICY_CAMERA)
        size = self.cfg.scene.image_size
        self._renderer = SceneRenderer(self.model, size, size) if own_renderer else None
        self._video_renderer: SceneRenderer | None = None
        self._target_mocap = self.model.body_mocapid[self.model.body(scene.TARGET_BODY).id]
        self._distractor_mocap = [self.model.body_mocapid[self.model.body(f"distractor_{i}").id]
                                  for i in range(self.cfg.scene.distractor_slots)]
        self.physics_substeps = max(1, int(round(1.0 / (t.control_hz * self.cfg.scene.physics_dt))))
        self._action_v = self.profile.action_velocities
        self._limits = self.sim.joint_limits
        self._conveyor = ConveyorMotion(self.cfg) if conveyor else None

        self.observation_space = spaces.Dict({
            "pixels": spaces.Box(0, 255, (size, size, 3), np.uint8),
            "proprio": spaces.Box(-np.inf, np.inf, (2 * n,), np.float32),
        })
        self.action_space = spaces.MultiDiscrete([ACTION_CHOICES] * n)
        self.draw: EpisodeDraw | None = None
        self._steps = 0
        self._pixels: np.ndarray | None = None
        self._pending: deque = deque()
        self._applied = np.zeros(n)

    # --- episode -------------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        self.reset_state(seed, options)
        return self._observation(self._render_own()), self._info(None, False)

    def reset_state(self, seed: int | None = None, options: dict | None = None) -> None:
        """A new episode's world, without rendering it (a vector env renders many at once)."""
        super().reset(seed=seed)
        options = options or {}
        rng, t = self.np_random, self.cfg.task
        self.draw = self.randomiser.apply(rng)
        q = options.get("joint_positions")
        self._start_arm(rng, None if q is None else np.asarray(q, float))  # resets MjData: before the props
        target_xy = options.get("target_xy")
        if target_xy is None:
            centre, size = np.array(t.target_area_center), np.array(t.target_area_size)
            target_xy = centre + rng.uniform(-size / 2, size / 2)
        self._place_distractors(rng, np.asarray(target_xy, float))
        self.set_target(np.asarray(target_xy, float))
        if self._conveyor:
            self._conveyor.reset(rng)
        self._steps = 0
        self._applied = np.zeros(self.profile.n_joints)
        self._pending = deque([self._applied.copy()] * self.draw.latency_steps)

    def set_target(self, xy: np.ndarray) -> None:
        """Place the target's centre on the table at `xy` (its base rests on the table top)."""
        self.data.mocap_pos[self._target_mocap] = [xy[0], xy[1], self.draw.target_size]
        mujoco.mj_forward(self.model, self.data)

    def _place_distractors(self, rng: np.random.Generator, target_xy: np.ndarray) -> None:
        t, d = self.cfg.task, self.cfg.randomisation.distractors
        centre, size = np.array(t.target_area_center), np.array(t.target_area_size) + 0.2
        placed = [target_xy]
        for i, mocap in enumerate(self._distractor_mocap):
            if i >= self.draw.distractor_count:
                self.data.mocap_pos[mocap] = [0.0, 0.8 + 0.1 * i, -0.5]  # parked under the table
                continue
            for _ in range(100):
                xy = centre + rng.uniform(-size / 2, size / 2)
                if all(np.linalg.norm(xy - p) >= d.min_distance for p in placed):
                    break
            placed.append(xy)
            self.data.mocap_pos[mocap] = [xy[0], xy[1], self.draw.distractor_sizes[i]]

    def _start_arm(self, rng: np.random.Generator, q: np.ndarray | None) -> None:
        t = self.cfg.task
        if q is not None:
            self.sim.reset(q)
            return
        noise = np.radians(np.array(t.start_noise_deg))
        margin = np.radians(t.joint_limit_margin_deg) + 0.05
        low, high = self._limits[:, 0] + margin, self._limits[:, 1] - margin
        for _ in range(t.max_start_tries):
            q = np.clip(self.profile.home + rng.uniform(-noise, noise), low, high)
            self.sim.reset(q)
            if self.sim.violation() is None and self.sim.palm_position()[2] >= t.start_min_palm_height:
                return
        self.sim.reset(self.profile.home)

    # --- stepping ------------------------------------------------------------------------------------
    def step(self, action):
        reward, terminated, truncated, info = self.advance(action)
        return self._observation(self._render_own()), reward, terminated, truncated, info

    def velocity_command(self, action) -> np.ndarray:
        action = np.asarray(action)
        if action.shape != (self.profile.n_joints,) or np.any((action < 0) | (action >= ACTION_CHOICES)):
            raise ValueError(f"action must be {self.profile.n_joints} integers in 0..{ACTION_CHOICES - 1}, "
                             f"got {action!r}")
        return (action.astype(float) - 1.0) * self._action_v

    def advance(self, action):
        """One control step without rendering: (reward, terminated, truncated, info). A vector env renders its
        envs together afterwards; privileged controllers need no pixels at all."""
        command = self.velocity_command(action)
        rng = self.np_random
        self._pending.append(command)
        due = self._pending.popleft()
        if not (self.draw.drop_probability and rng.random() < self.draw.drop_probability):
            self._applied = due
        self.sim.set_velocity_command(self._applied)
        # The command is constant over the control period, so a contact or limit reached mid-period is still
        # there at its end: one check per control step sees every violation.
        mujoco.mj_step(self.model, self.data, nstep=self.physics_substeps)
        violation = self.sim.violation()
        if self._conveyor:
            xy = self.data.mocap_pos[self._target_mocap, :2]
            period = 1.0 / self.cfg.task.control_hz
            self.data.mocap_pos[self._target_mocap, :2] = self._conveyor.advance(xy, period, rng)
            mujoco.mj_kinematics(self.model, self.data)
        self._steps += 1
        distance = self.palm_target_distance()
        within = distance <= self.cfg.task.reward_radius
        reward = 1.0 if within and violation is None else 0.0
        terminated = violation is not None
        truncated = not terminated and self._steps >= self.cfg.task.episode_steps
        return reward, terminated, truncated, self._info(violation, within, distance)

    # --- observations --------------------------------------------------------------------------------
    def target_position(self) -> np.ndarray:
        return self.data.mocap_pos[self._target_mocap].copy()

    def palm_target_distance(self) -> float:
        return float(np.linalg.norm(self.sim.palm_position() - self.target_position()))

    def _render_own(self) -> np.ndarray:
        self._pixels = self._renderer.render([self.view])[0]
        return self._pixels

    def _observation(self, pixels: np.ndarray) -> dict:
        self._pixels = pixels
        proprio = np.concatenate([self.sim.joint_positions(), self.sim.joint_velocities()]).astype(np.float32)
        return {"pixels": pixels, "proprio": proprio}

    def _info(self, violation: str | None, within: bool, distance: float | None = None) -> dict:
        return {
            "privileged": {"target_pos": self.target_position().astype(np.float32),
                           "palm_pos": self.sim.palm_position().astype(np.float32)},
            "violation": violation,
            "within_radius": bool(within),
            "distance": self.palm_target_distance() if distance is None else distance,
            "step": self._steps,
        }

    def render(self):
        return None if self._pixels is None else self._pixels.copy()

    def render_camera(self, width: int = 256, height: int = 256) -> np.ndarray:
        """The policy camera at a viewing resolution (videos), from a second, lazily built context."""
        if self._video_renderer is None or (self._video_renderer.width, self._video_renderer.height) != (width, height):
            self._video_renderer = SceneRenderer(self.model, width, height)
        return self._video_renderer.render([self.view])[0]

    def close(self):
        for r in (self._renderer, self._video_renderer):
            if r is not None:
                r.close()
        self._renderer = self._video_renderer = None
