"""The registers benchmark's measurement of the shipped Hauts-de-France case (no timing asserted)."""

from __future__ import annotations

from benchmarks.registers import PHASES, measure, table


def test_the_registers_benchmark_measures_every_phase_of_the_shipped_region() -> None:
    record = measure("hauts-de-france", time_limit=60, gap=1e-4)
    phases = record["phases"]
    assert list(phases) == list(PHASES)
    assert all(p["seconds"] >= 0 and p["cpu_seconds"] >= 0 and p["peak_rss_gb"] > 0 for p in phases.values())
    assert phases["build"]["sites"] > 0 and phases["convert"]["arcs"] > 0
    assert phases["solve"]["status"] == "optimal" and phases["solve"]["objective"] > 0
    assert "| hauts-de-france | solve |" in table([record])
