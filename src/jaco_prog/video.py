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
