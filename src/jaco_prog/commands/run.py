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

"""`jaco-prog run --sim`: the ROS graph's components in one process on the sim clock, N episodes, a bag and a video."""
from __future__ import annotations

import argparse
import csv
import json
import sys

import numpy as np

from jaco_prog.bags.images import FORMATS as IMAGE_FORMATS, JPEG_QUALITY
from jaco_prog.errors import UserError

POLICIES = ("trained", "scripted", "random")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run", help="run episodes of the graph in simulation (no ROS 2) and write returns, a bag and a video",
        description="Run N episodes of the Jaco reaching task with the ROS graph's components composed in one "
                    "process (no ROS 2 needed): MuJoCo -> colour tracker reward; policy at 20 Hz sim time -> safety "
                    "layer -> sim. Prints each episode's return (+1 per step the palm is within 10 cm of the "
                    "tracked target, at most 50), success and timing; writes returns.csv, summary.json, a rosbag2 "
                    "bag (MCAP, every topic of the contract at its real rate, standard message types: "
                    "`ros2 bag info/play` read it) and a video (camera | 64x64 policy input) to a new folder under "
                    "--out. Policies: the shipped column 1 (models/, the default), --checkpoint CKPT (another "
                    "trained net), --policy scripted (reaches with privileged sim state; a reference) or random. "
                    "Numbers: config/runtime.yaml.")
    p.add_argument("--sim", action="store_true", help="run in simulation (the only mode without ROS 2)")
    p.add_argument("--episodes", type=int, default=None, help="number of episodes (default 5; not with --learn)")
    p.add_argument("--policy", choices=POLICIES, default=None,
                   help="trained: the shipped column 1 (default; config/runtime.yaml policy.default_checkpoint) "
                        "| scripted | random")
    p.add_argument("--checkpoint", default=None, metavar="CKPT",
                   help="a trained net (checkpoint.pt or its run folder) instead of --policy (default: none)")
    p.add_argument("--task", choices=("reach", "conveyor"), default="reach", help="task (default %(default)s)")
    p.add_argument("--preset", default=None, help="perturbation preset from config/presets.yaml, e.g. real_proxy "
                   "(default: none, the task's own randomisation)")
    p.add_argument("--profile", default="j2n6s300", help="robot profile from config/robots.yaml (default %(default)s)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the first episode; episode i uses seed+i (default %(default)s)")
    p.add_argument("--out", default="runs", help="parent folder; each run gets a fresh subfolder (default runs/)")
    p.add_argument("--video-episodes", type=int, default=2,
                   help="the first N episodes go into the video (default %(default)s; 0: no video)")
    p.add_argument("--video-size", type=int, default=256, help="video height in pixels (default 256)")
    p.add_argument("--no-bag", action="store_true", help="do not record a bag")
    p.add_argument("--storage", choices=("mcap", "sqlite3"), default=None,
                   help="bag storage (default: runtime.yaml recording.storage, mcap)")
    p.add_argument("--image-format", choices=IMAGE_FORMATS, default="png",
                   help="how the bag records the camera: png or jpeg as sensor_msgs/CompressedImage on "
                        "<image topic>/compressed (image_transport's compressed transport; PNG is lossless, so "
                        "`jaco-prog evaluate` recomputes the recorded rewards exactly), raw as sensor_msgs/Image "
                        "(10x larger) (default %(default)s)")
    p.add_argument("--jpeg-quality", type=int, default=JPEG_QUALITY,
                   help="JPEG quality, 1-100, with --image-format jpeg (default %(default)s)")
    p.add_argument("--realtime", action="store_true",
                   help="pace the sim clock to the wall clock, as the ROS graph runs (default: as fast as possible)")
    learn = p.add_argument_group(
        "online learning", "--learn: the newest column of a progressive net learns as the graph runs (policy_node "
        "learn:=true in one process): n-step A2C with jaco-prog train's hyper-parameters (config/train.yaml, then "
        "runtime.yaml learner.train, then --config), from the camera, the joint states and the tracker's reward. "
        "The run directory is a training run directory (checkpoint.pt every checkpoint_every steps and at the end, "
        "episodes.csv, tensorboard/; `jaco-prog plot RUN_DIR`); the same command again resumes it. Updates run "
        "between actions on the sim clock (reproducible), in a thread with --realtime. No bag or video.")
    learn.add_argument("--learn", action="store_true", help="learn online (needs --run-dir; --from for the "
                                                            "progressive and finetune modes)")
    learn.add_argument("--from", dest="from_checkpoint", default=None, metavar="CKPT",
                       help="the net to grow a column on (progressive) or to finetune (default: the shipped column 1, "
                            "runtime.yaml policy.default_checkpoint)")
    learn.add_argument("--mode", dest="learn_mode", choices=("progressive", "finetune", "scratch"), default=None,
                       help="progressive: a new column beside CKPT's, output layer initialised from it (paper "
                            "section 2.2); finetune: CKPT's last column trains on (default: runtime.yaml "
                            "learner.train.mode)")
    learn.add_argument("--steps", type=int, default=None,
                       help="learn until this many steps in all (a resumed run counts its earlier steps; default: "
                            "runtime.yaml learner.train.total_steps)")
    learn.add_argument("--run-dir", default=None, metavar="DIR",
                       help="the run directory: new, or one to resume (default: none; --learn needs one)")
    learn.add_argument("--config", action="append", default=[], metavar="FILE",
                       help="YAML file of TrainConfig fields over the learner's (repeatable; default: none)")
    p.set_defaults(func=run)


def _check(args: argparse.Namespace) -> None:
    if not args.sim:
        raise UserError("only --sim runs without ROS 2; on the robot use `ros2 launch jaco_prog real.launch.py`")
    learning_flags = [flag for flag, value in (("--from", args.from_checkpoint), ("--mode", args.learn_mode),
                                               ("--steps", args.steps), ("--run-dir", args.run_dir),
                                               ("--config", args.config)) if value]
    if args.learn:
        if not args.run_dir:
            raise UserError("--learn needs --run-dir DIR (a new directory, or the run to resume)")
        if args.episodes is not None:
            raise UserError("--learn runs until --steps; drop --episodes")
        if args.checkpoint or args.policy:
            raise UserError("--learn acts with the net it trains: give the starting net with --from, not "
                            "--checkpoint / --policy")
        if args.steps is not None and args.steps < 1:
            raise UserError(f"--steps must be at least 1 (got {args.steps})")
        return
    if learning_flags:
        raise UserError(f"{', '.join(learning_flags)} only go with --learn")
    args.episodes = 5 if args.episodes is None else args.episodes
    if args.episodes < 1:
        raise UserError(f"--episodes must be at least 1 (got {args.episodes})")
    if args.checkpoint and args.policy:
        raise UserError("give either --checkpoint (a trained net) or --policy, not both")
    if args.video_episodes < 0:
        raise UserError(f"--video-episodes must be >= 0 (got {args.video_episodes})")
    if args.video_size < 16:
        raise UserError(f"--video-size must be at least 16 pixels (got {args.video_size})")
    if not 1 <= args.jpeg_quality <= 100:
        raise UserError(f"--jpeg-quality must be in 1..100 (got {args.jpeg_quality})")


def run(args: argparse.Namespace) -> int:
    from jaco_prog.config_check import check_agreement

    _check(args)
    check_agreement()  # the numbers two config files share agree, before anything is built
    if args.learn:
        return _learn(args)
    from jaco_prog.run_dir import new_run_dir
    from jaco_prog.runtime.inprocess import build_graph
    from jaco_prog.runtime.params import load_runtime_params
    from jaco_prog.runtime.policy_loop import PolicyLoop
    from jaco_prog.runtime.sim_world import SimWorld
    from jaco_prog.sim.scripted_policy import RandomPolicy, ScriptedReacher
    from jaco_prog.video import write_video

    params = load_runtime_params()
    world = SimWorld.build(task=args.task, preset=args.preset, profile=args.profile, seed=args.seed, params=params)
    try:
        checkpoint = args.checkpoint
        if not checkpoint and (args.policy or "trained") == "trained":
            checkpoint = params.policy.default_checkpoint_path()
            if not checkpoint.is_file():
                raise UserError(f"the shipped policy {checkpoint} is missing; pass --checkpoint CKPT or "
                                "--policy scripted")
        if checkpoint:
            import torch

            torch.set_num_threads(1)  # a small net at batch 1: extra threads only add synchronisation
            loop = PolicyLoop.from_checkpoint(checkpoint, world.profile, params.policy, seed=args.seed)
            label = "checkpoint" if args.checkpoint else "trained"
        else:
            label = args.policy or "scripted"
            actor = ScriptedReacher(world.env) if label == "scripted" else RandomPolicy(world.env, seed=args.seed)
            loop = actor
        out = new_run_dir(args.out, f"{args.task}-{label}")
        bag = None
        if not args.no_bag:
            from jaco_prog import __version__
            from jaco_prog.bags import BagWriter

            bag = BagWriter(out / "bag", storage=args.storage or params.recording.storage,
                            version=params.recording.version, image_format=args.image_format,
                            jpeg_quality=args.jpeg_quality,
                            custom_data={"writer": f"jaco_prog {__version__} run --sim", "clock": "sim",
                                         "robot_profile": args.profile, "task": args.task,
                                         "preset": args.preset or "", "policy": label,
                                         "checkpoint": str(checkpoint or ""), "seed": str(args.seed),
                                         "image_format": args.image_format})
        graph = build_graph(world, loop, params, seed=args.seed, bag=bag, video_episodes=args.video_episodes,
                            video_size=args.video_size)
        graph.on_episode = _print_episode
        try:
            records = graph.run(args.episodes, realtime=args.realtime)
        finally:
            if bag is not None:
                bag.close()
        frames = graph.frames
        loop_stats = graph.policy.stats.summary(params.policy.period)
    finally:
        world.close()

    with open(out / "returns.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["episode", "seed", "return", "steps", "success", "violation", "final_distance_m",
                    "ground_truth_return", "start_s", "end_s", "wall_s", "inference_p99_ms", "stale_ticks"])
        for r in records:
            w.writerow([r.episode, r.seed, f"{r.episode_return:g}", r.steps, int(r.success), r.violation or "",
                        f"{r.final_distance:.4f}", f"{r.ground_truth_return:g}", f"{r.start:.3f}", f"{r.end:.3f}",
                        f"{r.wall_time:.3f}", f"{_p99(r.inference_ms):.3f}", r.stale_ticks])
    returns = [r.episode_return for r in records]
    truth = [r.ground_truth_return for r in records]
    wall = sum(r.wall_time for r in records)
    sim_time = sum(r.end - r.start for r in records)
    summary = {"task": args.task, "preset": args.preset, "policy": label,
               "checkpoint": str(checkpoint) if checkpoint else None,
               "profile": args.profile, "episodes": len(records), "returns": returns,
               "mean_return": sum(returns) / len(returns),
               "success_rate": sum(r.success for r in records) / len(records),
               "ground_truth_returns": truth, "mean_ground_truth_return": sum(truth) / len(truth),
               "violations": sum(r.violation is not None for r in records),
               "safety_layer_periods": dict(graph.layer_statuses),
               "realtime_factor": sim_time / wall if wall else None,
               "policy_loop": loop_stats, "bag": "bag" if bag is not None else None}
    video = write_video(frames, out / "episodes.mp4", fps=params.recording.video_fps) if frames else None
    summary["video"] = video.name if video else None
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"mean return {summary['mean_return']:.1f} over {len(records)} episodes (ground truth "
          f"{summary['mean_ground_truth_return']:.1f}), success rate {summary['success_rate']:.0%}, "
          f"{_violations(records)}, {_interventions(graph.layer_statuses)}, policy inference p99 "
          f"{loop_stats['inference_ms'].get('p99', float('nan')):.2f} ms, "
          f"{summary['realtime_factor'] or 0:.1f}x real time")
    wrote = ["returns.csv", "summary.json"] + ([f"bag/ ({_megabytes(out / 'bag')}, camera {args.image_format})"]
                                               if bag is not None else []) + ([video.name] if video else [])
    print(f"wrote {out}/ " + ", ".join(wrote))
    return 0


def _violations(records) -> str:
    """Safety violations: the simulator's (table contact, self-collision, a set joint limit); each ends an
    episode. Not the safety layer's interventions, which keep the arm from them."""
    ended = sum(r.violation is not None for r in records)
    return f"{ended} episode{'s' if ended != 1 else ''} ended by a safety violation"


def _interventions(statuses) -> str:
    total = sum(statuses.values())
    acted = sum(n for status, n in statuses.items() if status not in ("ok", "stale"))
    share = acted / total if total else 0.0
    return f"the safety layer intervened in {share:.0%} of driver periods (clamped, limited, e-stop, fault)"


def _megabytes(folder) -> str:
    return f"{sum(f.stat().st_size for f in folder.iterdir() if f.is_file()) / 1e6:.1f} MB"


def _p99(values) -> float:
    return float(np.percentile(values, 99)) if len(values) else float("nan")


def _print_episode(r) -> None:
    print(f"episode {r.episode:3d}  seed {r.seed:5d}  return {r.episode_return:4.0f}  steps {r.steps:2d}  "
          f"{'success' if r.success else 'miss   '}  ground truth {r.ground_truth_return:4.0f}  "
          f"inference p99 {_p99(r.inference_ms):6.2f} ms  {r.realtime_factor:5.1f}x real time"
          + (f"  {r.violation}" if r.violation else ""), file=sys.stdout, flush=True)


GRAPH_EPISODES_CSV = "graph_episodes.csv"  # beside episodes.csv: what the graph saw of each learnt episode


def _learn(args: argparse.Namespace) -> int:
    """`--learn`: the graph in one process with an online learner as the policy loop's actor."""
    import time

    import torch

    from jaco_prog.learning.online import OnlineLearner, online_config, open_online_run
    from jaco_prog.runtime.inprocess import build_graph
    from jaco_prog.runtime.params import load_runtime_params
    from jaco_prog.runtime.policy_loop import PolicyLoop
    from jaco_prog.runtime.sim_world import SimWorld

    params = load_runtime_params()
    overrides = {"mode": args.learn_mode, "from_checkpoint": args.from_checkpoint, "total_steps": args.steps,
                 "run_dir": args.run_dir, "seed": args.seed, "task": args.task, "preset": args.preset}
    cfg = online_config(params.learner.train, args.config, overrides,
                        default_from=str(params.policy.default_checkpoint_path()))
    torch.set_num_threads(cfg.threads)  # small nets at batch 1: more threads only add synchronisation
    world = SimWorld.build(task=args.task, preset=args.preset, profile=args.profile, seed=args.seed, params=params)
    learner = None
    try:
        run, resumed = open_online_run(cfg, world.profile, params.policy.image_size)
        first_step = run.global_step
        # updates between actions on the sim clock (which waits for them: reproducible); beside the loop when
        # it is paced to the wall clock, as the policy node runs them
        learner = OnlineLearner(run, background=args.realtime and params.learner.background)
        loop = PolicyLoop(learner, world.profile.joint_names, world.profile.action_velocities, params.policy)
        # a resumed run draws new episodes, as jaco-prog train's resumed envs do
        seed = args.seed + 7919 * first_step
        graph = build_graph(world, loop, params, seed=seed, learner=learner)
        log = _GraphEpisodeLog(run.run_dir / GRAPH_EPISODES_CSV, learner)
        graph.on_episode = log.write
        print(f"{'resumed' if resumed else 'started'} {run.run_dir} at step {first_step} of {cfg.total_steps} "
              f"({cfg.mode} from {cfg.from_checkpoint or 'random weights'}, column {cfg.column}, lr {cfg.lr:g}, "
              f"{'updates in a thread' if learner.background else 'updates between actions'})", flush=True)
        started = time.monotonic()
        # a bound on driver periods, far above what the steps need (an episode's 50 steps take 53 ticks)
        per_episode = (params.episodes.steps + params.episodes.settle_ticks + 3) * graph.policy_every
        max_ticks = (2 * (cfg.total_steps - first_step) // params.episodes.steps + 100) * per_episode
        try:
            graph.run(None, realtime=args.realtime, max_ticks=max_ticks, until=lambda: learner.done)
        finally:
            log.close()
    finally:
        if learner is not None:
            learner.close()  # the queued updates, then the final checkpoint
        world.close()
    wall = time.monotonic() - started
    print(_learning_summary(run.run_dir, first_step, wall, graph.records))
    return 0


class _GraphEpisodeLog:
    """graph_episodes.csv: per episode the graph ran, the tracker's return beside the simulator's ground
    truth and the learner's step count (appended across resumes, flushed per row)."""

    FIELDS = ["learner_step", "episode", "seed", "return", "ground_truth_return", "steps", "violation", "wall_time"]

    def __init__(self, path, learner):
        import time

        self.time, self.learner = time, learner
        new_file = not path.is_file() or path.stat().st_size == 0
        self.file = open(path, "a", newline="")
        self.writer = csv.writer(self.file)
        if new_file:
            self.writer.writerow(self.FIELDS)

    def write(self, r) -> None:
        step = self.learner.global_step
        self.writer.writerow([step, r.episode, r.seed, f"{r.episode_return:g}", f"{r.ground_truth_return:g}", r.steps,
                              r.violation or "", f"{self.time.time():.3f}"])
        self.file.flush()
        print(f"episode {r.episode:4d}  return {r.episode_return:4.0f}  ground truth {r.ground_truth_return:4.0f}  "
              f"learnt {step:7d} of {self.learner.cfg.total_steps} steps" + (f"  {r.violation}" if r.violation else ""),
              flush=True)

    def close(self) -> None:
        self.file.close()


def _learning_summary(run_dir, first_step: int, wall_s: float, records) -> str:
    from jaco_prog.learning.episode_log import read_episodes
    from jaco_prog.nets.checkpoint import CHECKPOINT_NAME, read_checkpoint

    counters = read_checkpoint(run_dir / CHECKPOINT_NAME).get("counters") or {}
    step = int(counters.get("global_step", 0))
    returns = read_episodes(run_dir, missing_ok=True)["return"]
    window = min(100, len(returns))
    final = f"final return {sum(returns[-window:]) / window:.2f} (mean of the last {window} of {len(returns)} " \
        f"episodes; the first {window}: {sum(returns[:window]) / window:.2f})" if window else "no episode learnt yet"
    rate = (step - first_step) / wall_s if wall_s > 0 else 0.0
    truth = [r.ground_truth_return for r in records]
    tracker = [r.episode_return for r in records]
    seen = f"; this session's {len(records)} episodes: tracker {np.mean(tracker):.2f}, ground truth " \
        f"{np.mean(truth):.2f}" if records else ""
    return "\n".join([f"learnt {step:,} steps ({step - first_step:,} in this session, {rate:.0f} steps/s); {final}"
                      f"{seen}",
                      f"run directory: {run_dir} (checkpoint.pt, episodes.csv, graph_episodes.csv, tensorboard/)",
                      f"plot it:  jaco-prog plot {run_dir} -o {run_dir / 'curves.png'}"])
