"""The region benchmark's measurement of one size (no timing is asserted)."""

from __future__ import annotations

from benchmarks.region import PHASES, measure, phase_table, summary_table


def test_the_region_benchmark_measures_every_phase_and_both_backends_build_the_same_size() -> None:
    record = measure(600, seed=0, time_limit=30, gap=0.01, skip_pyomo=False)
    assert "error" not in record
    phases = record["phases"]
    assert list(phases) == list(PHASES)
    assert all(p["seconds"] >= 0 and p["peak_rss_gb"] > 0 for p in phases.values())
    assert phases["convert"]["candidate_arcs"] > 0
    size = ("columns", "rows", "nonzeros")
    assert [phases["pyomo"][k] for k in size] == [phases["arrays"][k] for k in size]
    assert phases["solve"]["status"] == "optimal" and phases["solve"]["objective"] > 0
    assert "| 600 |" in summary_table([record])
    assert "| 600 | solve |" in phase_table([record])


def test_the_region_benchmark_skips_pyomo_when_asked() -> None:
    record = measure(300, seed=1, time_limit=30, gap=0.01, skip_pyomo=True)
    assert "pyomo" not in record["phases"] and "solve" in record["phases"]
    assert "| - |" in summary_table([record])  # no Pyomo time, no ratio
