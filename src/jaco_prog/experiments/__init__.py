"""The paper's experiments (Rusu et al. 2017, Figs. 4-7 and zero-shot transfer) as studies in simulation.

    from jaco_prog.experiments.studies import transfer_study
    from jaco_prog.experiments.cli import run_study
    from jaco_prog.experiments.report import transfer_report

    study = transfer_study("models/column1_reach_wide_lstm.pt", presets=("real_proxy",), seeds=2, steps=6000)
    run_study(study, "runs/results/transfer-smoke")          # jaco_prog.sweep.run_trials, stage by stage
    transfer_report(study, "runs/results/transfer-smoke").print()

studies: the trials of each study; aggregate: curves and numbers from run directories; figures: matplotlib
(Agg); report: figure + markdown table + JSON per study; zero_shot: scoring column 1 without training;
cli: what the bench scripts (bench/fig*.py, bench/zero_shot.py) share. No ROS. See docs/results_howto.md.
"""
