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

"""`jaco-prog evaluate BAG`: evaluate a recorded session offline (no ROS) and write a report."""
from __future__ import annotations

import argparse
from pathlib import Path

from jaco_prog.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate", help="evaluate a recorded bag offline (no ROS 2): returns, reward check, policy agreement",
        description="Replay a rosbag2 bag of the graph (`ros2 bag record` on the robot, or `jaco-prog run --sim`; "
                    "MCAP or sqlite3; a bag directory or a bare .mcap/.db3 file) through the graph's components "
                    "without ROS: per-episode return and success (reward topic), length, time within 10 cm and "
                    "safety-layer interventions (driver status); the reward recomputed by the colour tracker "
                    "from the recorded "
                    "camera frames and joint states, and its agreement with the recorded reward; with "
                    "--checkpoint, the policy re-run on the recorded observations (LSTM reset at episode starts) "
                    "and its per-joint agreement with the recorded commands. Writes report.md, episodes.csv, "
                    "evaluation.json, PNG plots and a video of selected episodes to --out. Episodes that are not "
                    "complete in the bag are skipped and listed. docs/evaluation.md has the details.")
    p.add_argument("bag", metavar="BAG", help="bag directory (with metadata.yaml), a .mcap / .db3 file, or the folder "
                                              "of a `jaco-prog run` (its bag/)")
    p.add_argument("--checkpoint", default=None, metavar="CKPT",
                   help="re-run this net (checkpoint.pt or its run folder) on the recorded observations (default: "
                        "none, no policy agreement)")
    p.add_argument("--out", default=None, metavar="DIR", help="report folder (default: BAG-evaluation beside BAG)")
    p.add_argument("--profile", default=None,
                   help="robot profile (default: the bag's custom_data robot_profile, else j2n6s300)")
    p.add_argument("--camera-position", type=float, nargs=3, default=None, metavar=("X", "Y", "Z"),
                   help="camera centre in the robot base frame (m), for bags without the camera pose (default: "
                        "/tf_static, a sim run's cameras, else config/real_nodes.yaml)")
    p.add_argument("--camera-lookat", type=float, nargs=3, default=None, metavar=("X", "Y", "Z"),
                   help="a point on the camera's optical axis (m), with --camera-position (default 0.25 0 0.3, the "
                        "table centre)")
    p.add_argument("--video-episodes", default="0,1",
                   help="complete episodes to put in the video, by position (comma-separated; 'none'; default 0,1)")
    p.add_argument("--video-height", type=int, default=240, help="video frame height in pixels (default 240)")
    p.set_defaults(func=run)


def _video_episodes(text: str) -> tuple:
    if text.strip().lower() in ("", "none"):
        return ()
    try:
        values = tuple(int(x) for x in text.split(","))
    except ValueError:
        raise UserError(f"--video-episodes takes comma-separated episode positions or 'none' (got {text!r})") \
            from None
    if any(v < 0 for v in values):
        raise UserError(f"--video-episodes: positions are >= 0 (got {text!r})")
    return values


def _is_bag(path: Path) -> bool:
    return (path / "metadata.yaml").is_file() or any(path.glob("*.mcap")) or any(path.glob("*.db3"))


def find_bag(path: Path) -> Path:
    """BAG as given, or the bag/ of the `jaco-prog run` folder given instead; a folder with neither is refused
    with where its bags are (or why it has none)."""
    if not path.is_dir() or _is_bag(path):
        return path  # a bag, a bag file, or nothing (BagSource says "no bag at")
    if (path / "bag").is_dir() and _is_bag(path / "bag"):
        return path / "bag"
    summary_file = path / "summary.json"
    if summary_file.is_file():
        import json

        try:
            recorded = json.loads(summary_file.read_text()).get("bag")
        except (ValueError, AttributeError):
            recorded = "?"
        if recorded is None:
            raise UserError(f"{path} is a `jaco-prog run` folder recorded without a bag (--no-bag): nothing to "
                            "evaluate")
    inside = {p.parent for pattern in ("*/metadata.yaml", "*/bag/metadata.yaml") for p in path.glob(pattern)}
    inside = sorted(inside, key=lambda p: p.stat().st_mtime, reverse=True)
    if inside:
        shown = ", ".join(str(p) for p in inside[:3]) + (f" and {len(inside) - 3} more" if len(inside) > 3 else "")
        raise UserError(f"{path} is not a bag; the bags in it, newest first: {shown} (give one)")
    raise UserError(f"{path} is not a bag: no metadata.yaml, no .mcap/.db3 file and no bag/ folder in it")


def default_out(bag: Path) -> Path:
    bag = Path(bag)
    return bag.parent / f"{bag.stem if bag.is_file() else bag.name}-evaluation"


def run(args: argparse.Namespace) -> int:
    from jaco_prog.evaluation import EvalOptions, evaluate_bag, summary, write_report

    if args.camera_lookat is not None and args.camera_position is None:
        raise UserError("--camera-lookat needs --camera-position")
    if args.video_height < 16:
        raise UserError(f"--video-height must be at least 16 pixels (got {args.video_height})")
    options = EvalOptions(profile=args.profile, video_episodes=_video_episodes(args.video_episodes),
                          camera_position=tuple(args.camera_position) if args.camera_position else None,
                          camera_lookat=tuple(args.camera_lookat) if args.camera_lookat else None,
                          video_height=args.video_height)
    bag = find_bag(Path(args.bag))
    if bag != Path(args.bag):
        print(f"evaluating the run's bag: {bag}")
    if args.checkpoint:
        import torch

        torch.set_num_threads(1)  # batch 1: what the policy node does
    ev = evaluate_bag(bag, args.checkpoint, options)
    if not ev.episodes:
        raise UserError(f"{bag}: no complete episode to evaluate"
                        + (f" ({'; '.join(ev.skipped)})" if ev.skipped else ""))
    out = Path(args.out) if args.out else default_out(bag)
    written = write_report(ev, out)
    s = summary(ev)
    for e in ev.episodes:
        agree = "" if e.action_all is None else f"  actions {e.action_all:6.1%}"
        print(f"episode {e.episode:3d}  return {e.recorded_return:4g}  {'success' if e.success else 'miss   '}  "
              f"recomputed {e.recomputed_return:4g}  reward agreement "
              f"{'-' if e.reward_agreement is None else f'{e.reward_agreement:.1%}'}  within 10 cm "
              f"{e.time_within:.2f} s  safety-layer interventions {len(e.safety_events)}{agree}")
    line = (f"mean return {s['mean_return']:.2f} over {s['episodes']} episodes, success rate {s['success_rate']:.0%}, "
            f"reward agreement {'-' if s['reward_agreement'] is None else format(s['reward_agreement'], '.1%')}")
    if ev.checkpoint:
        overall = s["action_agreement"]["all_joints"]
        line += f", action agreement {'-' if overall is None else format(overall, '.1%')} (all joints)"
    print(line + f"; {ev.duration:.1f} s of bag in {ev.wall:.2f} s ({ev.realtime_factor:.0f}x real time)")
    for item in ev.skipped:
        print(f"skipped: {item}")
    print(f"wrote {out}/ " + ", ".join(Path(p).name for p in written.values()))
    if ev.info.truncated:
        raise UserError(f"{bag} is truncated or corrupt ({ev.info.truncated}); reported the {len(ev.episodes)} "
                        f"complete episodes before the break in {out}/report.md")
    return 0
