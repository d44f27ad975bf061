"""jaco_prog: sim-to-real Jaco reaching with progressive networks (Rusu et al., CoRL 2017)."""

__version__ = "0.1.0"
