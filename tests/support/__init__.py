"""Helpers shared by the test folders (fixtures live in each folder\x27s conftest.py)."""
