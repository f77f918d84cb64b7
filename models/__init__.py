"""The optimiser core: numeric problem, Pyomo formulation, HiGHS solve, results."""
