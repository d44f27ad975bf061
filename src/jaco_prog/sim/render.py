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

"""Offscreen rendering of the policy camera, one GL context for one or many scenes.

At 64x64 on a software GL (llvmpipe) the fixed cost of a render call (buffer binds, glFinish, readback)
dominates, so several environments in one process share one context: each scene is drawn into its own
viewport of a wide framebuffer and all are read back with a single glReadPixels. Shadows, reflections,
skybox and multisampling are off: about 30x faster at this size and invisible at 64 pixels.
"""
from __future__ import annotations

import atexit
import os
import weakref

os.environ.setdefault("MUJOCO_GL", "egl")

import mujoco  # noqa: E402  (MUJOCO_GL must be set before the import)
import numpy as np  # noqa: E402

from jaco_prog.sim.scene import HIDDEN_GROUP  # noqa: E402

_MAX_GEOMS = 256
_LIVE_RENDERERS: "weakref.WeakSet[SceneRenderer]" = weakref.WeakSet()


_CLOSE_HOOK_REGISTERED = False


def _gl_context_class():
    """The GL backend named by MUJOCO_GL (default EGL), whatever mujoco picked when it was first imported
    (a caller that imported mujoco before us would otherwise get GLFW, which needs a display)."""
    backend = os.environ.get("MUJOCO_GL", "egl").lower()
    if backend == "osmesa":
        from mujoco.osmesa import GLContext
    elif backend == "glfw":
        from mujoco.glfw import GLContext
    else:
        from mujoco.egl import GLContext
    return GLContext


def _close_all() -> None:
    """Free GL contexts while EGL is still up: registered after mujoco's own eglTerminate hook (which it adds
    at the first context), so atexit's last-in-first-out order runs this one first."""
    for renderer in list(_LIVE_RENDERERS):
        renderer.close()


class View:
    """One scene to draw: a model/data pair seen from one of its cameras."""

    def __init__(self, model: mujoco.MjModel, data: mujoco.MjData, camera: str):
        self.model = model
        self.data = data
        self.scene = mujoco.MjvScene(model, maxgeom=_MAX_GEOMS)
        for flag in (mujoco.mjtRndFlag.mjRND_SHADOW, mujoco.mjtRndFlag.mjRND_REFLECTION,
                     mujoco.mjtRndFlag.mjRND_SKYBOX, mujoco.mjtRndFlag.mjRND_FOG):
            self.scene.flags[flag] = 0
        self.option = mujoco.MjvOption()
        self.option.geomgroup[HIDDEN_GROUP] = 0
        self.option.sitegroup[:] = 0
        self.camera = mujoco.MjvCamera()
        self.camera.type = mujoco.mjtCamera.mjCAMERA_FIXED
        self.camera.fixedcamid = model.camera(camera).id

    def update(self) -> None:
        mujoco.mjv_updateScene(self.model, self.data, self.option, None, self.camera,
                               mujoco.mjtCatBit.mjCAT_ALL, self.scene)


class SceneRenderer:
    """Renders up to `max_views` views of `width` x `height` per call through one GL context.

    All views must come from models with the same assets (ours have no meshes or textures, only
    primitives, so every domain-randomised copy of the scene qualifies).
    """

    def __init__(self, model: mujoco.MjModel, width: int, height: int, max_views: int = 1):
        self.width, self.height, self.max_views = width, height, max_views
        self.columns = min(max_views, 16)
        self.rows = -(-max_views // self.columns)
        buf_w, buf_h = width * self.columns, height * self.rows
        model.vis.global_.offwidth = max(model.vis.global_.offwidth, buf_w)
        model.vis.global_.offheight = max(model.vis.global_.offheight, buf_h)
        self._gl = _gl_context_class()(buf_w, buf_h)
        global _CLOSE_HOOK_REGISTERED
        if not _CLOSE_HOOK_REGISTERED:
            atexit.register(_close_all)
            _CLOSE_HOOK_REGISTERED = True
        self._gl.make_current()
        self._context = mujoco.MjrContext(model, mujoco.mjtFontScale.mjFONTSCALE_50)
        mujoco.mjr_setBuffer(mujoco.mjtFramebuffer.mjFB_OFFSCREEN, self._context)
        self._buffer = np.empty((buf_h, buf_w, 3), dtype=np.uint8)
        self._full = mujoco.MjrRect(0, 0, buf_w, buf_h)
        _LIVE_RENDERERS.add(self)

    def _viewport(self, i: int) -> mujoco.MjrRect:
        row, col = divmod(i, self.columns)
        return mujoco.MjrRect(col * self.width, row * self.height, self.width, self.height)

    def render(self, views: list[View]) -> np.ndarray:
        """(len(views), height, width, 3) uint8 images, top row first."""
        if len(views) > self.max_views:
            raise ValueError(f"{len(views)} views, renderer was built for {self.max_views}")
        self._gl.make_current()
        for i, view in enumerate(views):
            view.update()
            mujoco.mjr_render(self._viewport(i), view.scene, self._context)
        if len(views) == 1 and self.max_views == 1:
            mujoco.mjr_readPixels(self._buffer, None, self._full, self._context)
            return self._buffer[None, ::-1].copy()
        rows_used = -(-len(views) // self.columns)
        region = mujoco.MjrRect(0, 0, self._full.width, rows_used * self.height)
        pixels = self._buffer[: rows_used * self.height]
        mujoco.mjr_readPixels(pixels, None, region, self._context)
        out = np.empty((len(views), self.height, self.width, 3), dtype=np.uint8)
        for i in range(len(views)):
            row, col = divmod(i, self.columns)
            tile = pixels[row * self.height:(row + 1) * self.height, col * self.width:(col + 1) * self.width]
            out[i] = tile[::-1]
        return out

    def close(self) -> None:
        if self._gl is not None:
            self._gl.make_current()  # free this renderer's GL objects, not those of whichever context is current
            self._context.free()
            self._gl.free()
            self._gl = None

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown may already have torn GL down
            pass
