"""Benchmarks: registered public instances, timed phase by phase (see ``README.md``)."""
