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

"""The colour-target tracker (paper section 4.2): threshold the target's colour, pick the blob that can be the
target, estimate the target's size from its image, cast the blob's centroid onto the plane of the target's
centre through the calibrated camera, and score the palm against it.

On the real robot this is the reward: +1 when the palm (forward kinematics of the measured joint angles)
is within `reward_radius` of the tracked target. The colour thresholds and the occlusion rule are in
config/tracker.yaml; what the target can be (shapes, sizes) and the reward radius are the task's
(config/task.yaml), read from there.

Why each step (docs/task.md "The tracker and the randomisation"):
- blob choice: a component of the colour mask larger than any target could look at its place in the image
  (a reddish table, a light) is not the target; pieces of the target cut apart by a finger are joined.
- size: the target's centre is as high above the table as half the target is tall (2-4 cm in the task), and
  a centimetre of height is a centimetre of the palm-target distance when the palm is above the target. For
  each shape the target can have, the tracker finds the size whose silhouette covers the blob's area, then
  takes the shape whose silhouette spreads like the blob and whose top shades like the blob's (flat or round);
  the centre's height is that size.
- occlusion: a hand in front of the target hides part of it and drags the centroid, so while the hand is near
  the camera's line of sight to the target the last estimate from a clear view is held (`TargetHold`).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

import cv2
import numpy as np

from jaco_prog.config import ConfigError, config_class, from_mapping, home_section, join, load_yaml, setting
from jaco_prog.paths import config_path
from jaco_prog.perception.camera_model import PinholeCamera
from jaco_prog.reward import palm_target_distance, sparse_reward
from jaco_prog.sim.scene import TARGET_SHAPES, shape_size


HUE_MAX = 179  # OpenCV HSV: hue 0-179, saturation and value 0-255


@config_class(frozen=True)
class HsvRange:
    low: tuple[int, int, int] = setting("[h, s, v] lower corner (OpenCV HSV)", low=0, high=255)
    high: tuple[int, int, int] = setting("[h, s, v] upper corner (OpenCV HSV)", low=0, high=255)

    def check_config(self, where: str) -> None:
        for name in ("low", "high"):
            if getattr(self, name)[0] > HUE_MAX:
                raise ConfigError(join(where, f"{name}[0]"), f"must be <= {HUE_MAX} (OpenCV hue; got "
                                                             f"{getattr(self, name)[0]})")


def _hsv_ranges(value, where: str) -> tuple:
    """((low h, s, v), (high h, s, v)) per range."""
    if not isinstance(value, (list, tuple)) or not value:
        raise ConfigError(where, f"must be a non-empty list of {{low: [h, s, v], high: [h, s, v]}} (got {value!r})")
    ranges = []
    for i, item in enumerate(value):
        if isinstance(item, tuple) and len(item) == 2:  # a (low, high) pair built in Python
            item = {"low": item[0], "high": item[1]}
        hsv = from_mapping(HsvRange, item, f"{where}[{i}]")
        ranges.append((hsv.low, hsv.high))
    return tuple(ranges)


@config_class("tracker.yaml", "tracker", frozen=True)
class TrackerConfig:
    """config/tracker.yaml `tracker`: the colour thresholds, the occlusion rule and the shape-fit weights."""
    # Red wraps around hue 0, hence several ranges.
    hsv_ranges: tuple = setting("target colour ranges, each {low: [h, s, v], high: [h, s, v]} (OpenCV HSV)",
                                parse=_hsv_ranges)
    min_pixels: int = setting("fewer matching pixels than this: target not visible", low=1)
    table_z: float = setting("table top in the robot base frame", unit="m")
    occlusion_clearance: float = setting("the hand nearer than this to the line of sight may hide the target",
                                         unit="m", low=0)
    hold_gate: float = setting("a partly hidden target seen this far from the held estimate has moved", unit="m",
                               low=0)
    # Which shape fits the blob best (ShapeFit.score): weights of the outline's misfit (per sqrt(pixel)) and of
    # the shading against a size outside the task's range; the top part of the blob whose shading is judged.
    outline_weight: float = setting("weight of the outline's misfit, per sqrt(pixel)", low=0)
    shading_weight: float = setting("weight of the shading", low=0)
    top_share: float = setting("share of the blob, from its top, whose shading is judged", low=0, high=1)


@dataclass(frozen=True)
class TrackerParams(TrackerConfig):
    """tracker.yaml's settings and, from the task (config/task.yaml), the reward radius and what the target can
    be; load_tracker_params puts them together. A half-extent is also the height of the target's centre above
    the table (every shape stands on the table)."""
    reward_radius: float
    target_shapes: tuple[str, ...]
    target_size_range: tuple[float, float]
    target_facets: tuple[int, int]  # slices, stacks: how the scene tessellates round shapes


@dataclass
class TrackResult:
    visible: bool
    pixel: np.ndarray | None = None  # (u, v) centroid
    point: np.ndarray | None = None  # target centre in the base frame
    pixels: int = 0
    mask: np.ndarray | None = field(default=None, repr=False)
    size: float | None = None  # estimated half-extent (= the centre's height above the table)
    shape: str | None = None  # the shape that fitted best


@dataclass(frozen=True)
class ShapeFit:
    shape: str
    size: float  # half-extent whose silhouette covers the blob's area
    misfit: float  # |log| ratios of the silhouette's spread (across, down the image) to the blob's, summed
    outside: float  # how far the size is outside the task's range, in widths of the range
    shading: float  # 0-1: how much the blob's shading looks like this shape's (even for flat faces)
    pixels: int  # the blob's

    def score(self, outline_weight: float, shading_weight: float) -> float:
        # a blob's spread is measured the better the more pixels it has: its misfit counts with sqrt(pixels)
        return -outline_weight * np.sqrt(self.pixels) * self.misfit - self.outside + shading_weight * self.shading


# --- the target model: silhouettes of the shapes the target can have ---------------------------------------
def unit_target(shape: str, slices: int, stacks: int) -> np.ndarray:
    """Vertices of a target of `shape` with half-extent 1 about its centre, in the proportions the scene builds
    it with (jaco_prog.sim.scene.shape_size) and tessellated as the renderer draws round shapes: `slices`
    around, `stacks` from pole to pole (a capsule's caps half as many each). Every shape is convex, so the hull
    of the projected vertices is its silhouette. (An 8 x 4 sphere covers 12 % less of the image than a smooth
    one: modelled smooth, the tracker would take a rendered sphere for a smaller one.)"""
    size = shape_size(shape, 1.0)
    if shape == "box":
        return np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float) * size
    a = 2 * np.pi * np.arange(slices) / slices
    ring = np.column_stack([np.cos(a), np.sin(a)])
    if shape == "cylinder":  # radius, half-height
        return np.vstack([np.column_stack([size[0] * ring, np.full(slices, z * size[1])]) for z in (-1, 1)])
    radius = size[0]
    if shape == "sphere":
        lats, ends = np.linspace(-np.pi / 2, np.pi / 2, stacks + 1), (0.0,)
    else:  # capsule: radius, half-length of the cylinder between the caps
        lats, ends = np.linspace(0.0, np.pi / 2, max(stacks // 2, 1) + 1), (-size[1], size[1])
    return np.vstack([np.column_stack([radius * np.cos(lat) * ring,
                                       np.full(slices, np.sign(end or 1.0) * radius * np.sin(lat) + end)])
                      for lat in lats for end in ends])


# How a shape's shading looks (0-1) from how flat the top of the blob shades: a box's and a cylinder's flat top
# face evenly (in 150 scenes >= 76 % of its pixels), a sphere's and a capsule's round top in gradients (<= 64 %).
_SHADING = {"box": lambda flat: flat, "cylinder": lambda flat: flat,
            "sphere": lambda flat: 1.0 - flat, "capsule": lambda flat: 1.0 - flat}


def silhouette(camera: PinholeCamera, unit: np.ndarray, centre: np.ndarray, size: float) -> np.ndarray:
    """The outline (convex hull, pixels) of a target with unit vertices `unit` (unit_target), half-extent
    `size`, centred at `centre`."""
    uv = camera.project(np.asarray(centre, float) + size * unit)
    return cv2.convexHull(uv.astype(np.float32))[:, 0]


def _flat_shading(value: np.ndarray, blob: np.ndarray, top: float) -> float:
    """Share of the inner pixels of the blob's upper `top` part whose brightness changes linearly (second
    differences across and down within 1 of 255), as on a flat face; 0.5 (no evidence) with too few pixels."""
    inner = cv2.erode(blob.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    rows = np.nonzero(blob.any(axis=1))[0]
    inner[rows[0] + int(np.ceil(top * (rows[-1] - rows[0] + 1))):] = False
    if inner.sum() < 4:
        return 0.5
    v = value.astype(np.int16)
    curve = np.zeros_like(v)
    curve[:, 1:-1] = np.abs(v[:, 2:] - 2 * v[:, 1:-1] + v[:, :-2])
    curve[1:-1] = np.maximum(curve[1:-1], np.abs(v[2:] - 2 * v[1:-1] + v[:-2]))
    return float((curve[inner] <= 1).mean())


class ColourTracker:
    def __init__(self, params: TrackerParams, camera: PinholeCamera):
        self.params = params
        self.camera = camera
        self._ranges = [(np.array(lo, np.uint8), np.array(hi, np.uint8)) for lo, hi in params.hsv_ranges]
        self._units = {s: unit_target(s, *params.target_facets) for s in params.target_shapes}

    # --- pixels ------------------------------------------------------------------------------------------
    def colour_mask(self, hsv: np.ndarray) -> np.ndarray:
        mask = cv2.inRange(hsv, *self._ranges[0])
        for lo, hi in self._ranges[1:]:
            mask |= cv2.inRange(hsv, lo, hi)
        return mask

    def _largest_radius_px(self, u: float, v: float) -> float | None:
        """Radius in pixels of the largest target's bounding sphere if it stood where pixel (u, v) looks."""
        size = max(self.params.target_size_range)
        centre = self.camera.pixel_on_plane(u, v, self.params.table_z + size)
        if centre is None:
            return None
        depth = float((centre - self.camera.position) @ self.camera.rotation[:, 2])
        return np.sqrt(3.0) * size * self.camera.fx / depth if depth > 0 else None

    def choose_blob(self, mask: np.ndarray, sx: float, sy: float) -> np.ndarray | None:
        """The mask's pixels that can be the target: the largest component no larger than the largest target
        would look at its place, joined by the components inside that target's outline (a finger across the
        target cuts it in pieces). None when no component can be the target."""
        _, labels, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
        best, best_radius = None, 0.0
        for i in np.argsort(-stats[1:, cv2.CC_STAT_AREA]) + 1:
            area = stats[i, cv2.CC_STAT_AREA]
            radius = self._largest_radius_px(centroids[i, 0] * sx, centroids[i, 1] * sy)
            if radius is not None and area <= np.pi * (radius / max(sx, sy)) ** 2:
                best, best_radius = i, radius / max(sx, sy)
                break
        if best is None:
            return None
        near = np.linalg.norm(centroids - centroids[best], axis=1) <= best_radius
        near[0] = False
        return near[labels]

    # --- the target's size and centre --------------------------------------------------------------------
    def shape_fits(self, blob: np.ndarray, value: np.ndarray, u: float, v: float, sx: float,
                   sy: float) -> list[ShapeFit]:
        """For each shape the target can have: the size whose silhouette (its centre on the centroid's ray, as
        high above the table as the size) covers the blob's area, and how well that silhouette fits the blob."""
        p = self.params
        lo, hi = min(p.target_size_range), max(p.target_size_range)
        ys, xs = np.nonzero(blob)
        y0, x0 = max(ys.min() - 1, 0), max(xs.min() - 1, 0)
        roi = blob[y0:ys.max() + 2, x0:xs.max() + 2]
        area = float(xs.size) * sx * sy  # at the calibration's resolution
        patch = value[y0:ys.max() + 2, x0:xs.max() + 2]
        flat = _flat_shading(patch, roi, p.top_share)
        blob_spread = np.array([xs.std(), ys.std()]) + 1e-6
        fits = []
        for shape in p.target_shapes:
            size = 0.5 * (lo + hi)
            for _ in range(4):  # area ~ size^2 at a depth that hardly moves: converges in a few steps
                centre = self.camera.pixel_on_plane(u, v, p.table_z + size)
                if centre is None:
                    return []
                hull_area = cv2.contourArea(silhouette(self.camera, self._units[shape], centre, size))
                if lo == hi or hull_area <= 0:
                    break
                size = float(np.clip(size * np.sqrt(area / hull_area), 0.5 * lo, 1.5 * hi))
            centre = self.camera.pixel_on_plane(u, v, p.table_z + size)
            m = cv2.moments((silhouette(self.camera, self._units[shape], centre, size) / (sx, sy)).astype(np.float32))
            if m["m00"] <= 0:
                continue
            # the silhouette's spread across and down the image (+ a pixel's own 1/12) against the blob's
            spread = np.sqrt([m["mu20"] / m["m00"] + 1 / 12, m["mu02"] / m["m00"] + 1 / 12])
            fits.append(ShapeFit(shape, size, misfit=float(np.abs(np.log(spread / blob_spread)).sum()),
                                 outside=max(lo - size, size - hi, 0.0) / max(hi - lo, 1e-3),
                                 shading=_SHADING[shape](flat), pixels=int(xs.size)))
        return fits

    def fit_target(self, blob: np.ndarray, value: np.ndarray, u: float, v: float, sx: float, sy: float):
        """(centre, size, shape) of the best of `shape_fits`: the silhouette's spread like the blob's, a size
        inside the task's range, even shading for flat faces and gradients for round ones."""
        fits = self.shape_fits(blob, value, u, v, sx, sy)
        if not fits:
            return None, None, None
        p = self.params
        best = max(fits, key=lambda f: f.score(p.outline_weight, p.shading_weight))
        lo, hi = min(self.params.target_size_range), max(self.params.target_size_range)
        size = float(np.clip(best.size, lo, hi))
        return self.camera.pixel_on_plane(u, v, self.params.table_z + size), size, best.shape

    def track(self, rgb: np.ndarray, keep_mask: bool = False) -> TrackResult:
        h, w = rgb.shape[:2]
        # the camera may run at another resolution than the calibration: scale pixel coordinates
        sx, sy = self.camera.width / w, self.camera.height / h
        hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
        mask = self.colour_mask(hsv)
        kept = mask if keep_mask else None
        blob = self.choose_blob(mask, sx, sy)
        count = int(blob.sum()) if blob is not None else 0
        if count < self.params.min_pixels:
            return TrackResult(False, pixels=count, mask=kept)
        ys, xs = np.nonzero(blob)
        u, v = xs.mean() * sx, ys.mean() * sy
        point, size, shape = self.fit_target(blob, hsv[..., 2], u, v, sx, sy)
        return TrackResult(point is not None, np.array([u, v]), point, count, kept, size, shape)

    def reward(self, target: np.ndarray | None, palm: np.ndarray) -> float:
        """The sparse reward: +1 when the palm is within reward_radius of the tracked target."""
        if target is None:
            return 0.0
        return sparse_reward(palm_target_distance(palm, target), self.params.reward_radius)


def _segment_distance(point: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    ab = b - a
    t = float(np.clip((point - a) @ ab / max(float(ab @ ab), 1e-12), 0.0, 1.0))
    return float(np.linalg.norm(a + t * ab - point))


class TargetHold:
    """The most complete view of the target, held while the hand may hide it.

    The hand (points from forward kinematics) nearer than `occlusion_clearance` to the camera's line of sight
    to the target may hide part of it, and a partial blob's centroid is off by up to the target's size. So then
    a frame counts only if its blob is at least as large as the held one's; the held estimate stands for the
    others, unless the blob is more than `hold_gate` from it (the target has moved: a conveyor, an operator).
    A clear view replaces the held estimate; a clear view without the target drops it.
    """

    def __init__(self, occlusion_clearance: float, hold_gate: float):
        self.clearance = occlusion_clearance
        self.gate = hold_gate
        self.held: TrackResult | None = None

    def reset(self) -> None:
        self.held = None

    def hidden(self, camera: PinholeCamera, target: np.ndarray, hand: np.ndarray) -> bool:
        """Whether a point of the hand is near the line of sight from the camera to the target."""
        return any(_segment_distance(p, camera.position, target) < self.clearance for p in np.atleast_2d(hand))

    def update(self, result: TrackResult, camera: PinholeCamera, hand: np.ndarray) -> tuple[TrackResult, bool]:
        """(the estimate to use, whether it is the held one)."""
        held = self.held
        reference = result.point if result.visible else (held.point if held is not None else None)
        if reference is None:
            return result, False
        if not self.hidden(camera, reference, hand):
            self.held = result if result.visible else None
            return result, False
        if held is None or (result.visible and (result.pixels >= held.pixels
                                                or np.linalg.norm(result.point - held.point) > self.gate)):
            self.held = result if result.visible else None
            return result, False
        return held, True


# keys tracker.yaml once had, and their home now (the tracker reads the task's)
TASK_KEYS = {"reward_radius": "task.reward_radius",
             "target_height": "randomisation.target_size (a target's centre is as high as its size)"}


def load_tracker_config(path=None) -> TrackerConfig:
    """config/tracker.yaml (or the file at `path`) `tracker`."""
    path = Path(path) if path else config_path("tracker.yaml")
    for key in load_yaml(path):
        if key != "tracker":
            raise ConfigError(join(path.name, key), "unknown key; known: tracker")
    raw, where = home_section(TrackerConfig, path)
    for key, home in TASK_KEYS.items():
        if isinstance(raw, dict) and key in raw:
            raise ConfigError(join(where, key), f"unknown key (the task's: config/task.yaml {home})")
    return from_mapping(TrackerConfig, raw, where)


def load_tracker_params(path=None, task=None) -> TrackerParams:
    """config/tracker.yaml, with the reward radius and the target's shapes and sizes from the task
    (`task`: a jaco_prog.sim.task_config.TaskConfig; default config/task.yaml)."""
    from jaco_prog.sim.task_config import load_task_config

    config = load_tracker_config(path)
    task = task or load_task_config()
    dr = task.randomisation
    return TrackerParams(
        **{f.name: getattr(config, f.name) for f in fields(TrackerConfig)},
        reward_radius=task.task.reward_radius,
        target_shapes=(tuple(dr.target_shape.shapes) if dr.target_shape.enabled
                       else (TARGET_SHAPES[0],)),  # the nominal target: the scene's first shape
        target_size_range=(tuple(float(s) for s in dr.target_size.range) if dr.target_size.enabled
                           else (task.scene.target_size,) * 2),
        target_facets=(task.scene.render_slices, task.scene.render_stacks))
