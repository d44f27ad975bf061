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

"""Writing frames to MP4 (imageio-ffmpeg's bundled ffmpeg) or, failing that, GIF."""
from __future__ import annotations

from pathlib import Path

import imageio.v2 as imageio
import numpy as np


def write_video(frames: list[np.ndarray], path: str | Path, fps: int = 20) -> Path:
    """Write `frames` to `path` (.mp4 or .gif); an MP4 that cannot be encoded falls back to a GIF beside it."""
    path = Path(path)
    if path.suffix == ".mp4":
        try:
            with imageio.get_writer(path, fps=fps, codec="libx264", quality=7, macro_block_size=16) as writer:
                for frame in frames:
                    writer.append_data(frame)
            return path
        except Exception:  # noqa: BLE001 - no usable ffmpeg: still leave the user something to watch
            path.unlink(missing_ok=True)
            path = path.with_suffix(".gif")
    imageio.mimsave(path, frames, duration=1000 / fps, loop=0)
    return path
