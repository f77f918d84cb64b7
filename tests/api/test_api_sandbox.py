"""The parser processes on their own: budgets of time and memory, replacement, busy pool."""

from __future__ import annotations

import json
import time

import pytest
from support.bombs import memory_hungry_json, slow_yaml

from api.examples import INVENTORY_EXAMPLE
from api.sandbox import (
    INVENTORY,
    Budget,
    DocumentProblems,
    DocumentTooComplex,
    ParserPool,
    ParsersBusy,
)

HONEST = json.dumps(INVENTORY_EXAMPLE).encode()


def _started(pool: ParserPool) -> ParserPool:
    pool.start()
    return _ready(pool)


def _ready(pool: ParserPool) -> ParserPool:
    deadline = time.monotonic() + 180
    while pool.stats()["processes"] < pool.size:
        assert time.monotonic() < deadline, "the parser did not start"
        time.sleep(0.1)
    return pool


def test_a_pool_without_a_free_parser_says_so_after_its_wait() -> None:
    pool = ParserPool(0, Budget(), wait=0.1)
    with pytest.raises(ParsersBusy, match=r"no parser free within 0\.1 s"):
        pool.read(INVENTORY, HONEST, "json")


@pytest.mark.slow
def test_a_parser_out_of_time_is_replaced_and_the_next_document_is_read() -> None:
    # the readers refuse the bombs themselves now; a legal document too large for the budget
    # is what reaches the time limit
    pool = _started(ParserPool(1, Budget(read_seconds=0.5, read_seconds_per_mb=0.0)))
    try:
        first = pool.stats()
        tick = time.monotonic()
        with pytest.raises(DocumentTooComplex, match="not read within"):
            pool.read(INVENTORY, slow_yaml(), "yaml")
        assert time.monotonic() - tick < 3.0
        _ready(pool)
        content = json.loads(pool.read(INVENTORY, HONEST, "json"))
        assert content["territory"]["name"] == INVENTORY_EXAMPLE["territory"]["name"]
        with pytest.raises(DocumentProblems) as problems:
            pool.read(INVENTORY, b'{"territory": {"name": "x"}, "sites": 3}', "json")
        assert "sites" in [path for path, _ in problems.value.issues]
        assert first["size"] == 1
    finally:
        pool.stop()


@pytest.mark.slow
def test_a_parser_out_of_memory_answers_too_complex() -> None:
    pool = _started(ParserPool(1, Budget(read_seconds=60.0, memory_bytes=64 * 1024 * 1024)))
    try:
        with pytest.raises(DocumentTooComplex, match="more memory than allowed"):
            pool.read(INVENTORY, memory_hungry_json(), "json")
    finally:
        pool.stop()
