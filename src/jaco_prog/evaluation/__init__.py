"""Offline evaluation of recorded sessions (rosbag2 bags, MCAP or sqlite3) by replay, without ROS.

    ev = evaluate_bag("runs/x/bag", checkpoint=None)     # jaco_prog.evaluation.replay
    write_report(ev, "runs/x/bag-evaluation")           # report.md, plots, episodes.csv, video

`jaco-prog evaluate BAG` is the command line; docs/evaluation.md describes what is measured.
"""
from jaco_prog.evaluation.bagread import BagError, BagSource
from jaco_prog.evaluation.replay import EvalOptions, Evaluation, evaluate_bag
from jaco_prog.evaluation.report import summary, write_report

__all__ = ["BagError", "BagSource", "EvalOptions", "Evaluation", "evaluate_bag", "summary", "write_report"]
