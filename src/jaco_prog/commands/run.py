"""`jaco-prog run --sim`: episodes of the simulated reaching task, per-episode returns and a video."""
from __future__ import annotations

import argparse
import csv
import json
import sys

from jaco_prog.errors import UserError

POLICIES = ("scripted", "random")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run", help="run episodes in the simulated task and write returns + video",
        description="Run N episodes of the Jaco reaching task in MuJoCo (no ROS 2 needed). Prints each episode's "
                    "return (+1 per step the palm is within 10 cm of the target, at most 50), writes "
                    "returns.csv, summary.json and a video (viewing camera | 64x64 policy input) to a new folder "
                    "under --out. Policies: 'scripted' reaches with privileged state (a reference), 'random'.")
    p.add_argument("--sim", action="store_true", help="run in simulation (the only mode without ROS 2)")
    p.add_argument("--episodes", type=int, default=5, help="number of episodes (default 5)")
    p.add_argument("--policy", choices=POLICIES, default="scripted", help="which policy acts (default scripted)")
    p.add_argument("--task", choices=("reach", "conveyor"), default="reach")
    p.add_argument("--preset", default=None, help="perturbation preset from config/presets.yaml, e.g. real_proxy")
    p.add_argument("--profile", default="j2n6s300", help="robot profile from config/robots.yaml")
    p.add_argument("--seed", type=int, default=0, help="seed of the first episode; episode i uses seed+i")
    p.add_argument("--out", default="runs", help="parent folder; each run gets a fresh subfolder (default runs/)")
    p.add_argument("--video-episodes", type=int, default=2, help="episodes to include in the video (0: none)")
    p.add_argument("--video-size", type=int, default=256, help="viewing camera size in pixels (default 256)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.sim:
        raise UserError("only --sim runs without ROS 2; on the robot use `ros2 launch jaco_prog real.launch.py`")
    if args.episodes < 1:
        raise UserError(f"--episodes must be at least 1 (got {args.episodes})")
    from tqdm import tqdm

    from jaco_prog.run_dir import new_run_dir
    from jaco_prog.sim import make_env
    from jaco_prog.sim.rollout import run_episode
    from jaco_prog.sim.scripted_policy import RandomPolicy, ScriptedReacher
    from jaco_prog.video import write_video

    env = make_env(task=args.task, preset=args.preset, profile=args.profile)
    policy = ScriptedReacher(env) if args.policy == "scripted" else RandomPolicy(env, seed=args.seed)
    out = new_run_dir(args.out, f"{args.task}-{args.policy}")
    results, frames = [], []
    bar = tqdm(range(args.episodes), desc="episodes", unit="ep", file=sys.stderr, disable=None)
    for i in bar:
        record = args.video_size if i < args.video_episodes else None
        result = run_episode(env, policy, seed=args.seed + i, episode=i, video_size=record)
        frames.extend(result.frames)
        results.append(result)
        tqdm.write(f"episode {i:3d}  seed {result.seed:5d}  return {result.episode_return:4.0f}  "
                   f"steps {result.steps:2d}  {'success' if result.success else 'miss   '}  "
                   f"{result.violation or ''}", file=sys.stdout)
    env.close()

    with open(out / "returns.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["episode", "seed", "return", "steps", "success", "violation", "final_distance_m"])
        for r in results:
            w.writerow([r.episode, r.seed, r.episode_return, r.steps, int(r.success), r.violation or "",
                        f"{r.final_distance:.4f}"])
    returns = [r.episode_return for r in results]
    steps = sum(r.steps for r in results)
    wall = sum(r.wall_time for r in results)
    summary = {"task": args.task, "preset": args.preset, "policy": args.policy, "episodes": len(results),
               "mean_return": sum(returns) / len(returns), "success_rate": sum(r.success for r in results) / len(results),
               "violations": sum(r.violation is not None for r in results), "env_steps": steps,
               "steps_per_second": steps / wall if wall else None}
    video = write_video(frames, out / "episodes.mp4") if frames else None
    summary["video"] = video.name if video else None
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"mean return {summary['mean_return']:.1f} over {len(results)} episodes, success rate "
          f"{summary['success_rate']:.0%}, {summary['violations']} safety violations")
    print(f"wrote {out}/returns.csv, summary.json" + (f", {video.name}" if video else ""))
    return 0
