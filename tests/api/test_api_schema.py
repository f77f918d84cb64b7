"""Schemathesis against the live OpenAPI schema of a running service (uvicorn on loopback).

Over 2,000 generated requests, authenticated as a coordinator: no answer is a 5xx, and every
answer (status, content type, headers, body) matches the schema the service publishes.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from support.service import TEST_LIMITS

from api.app import create_app
from api.config import Settings
from api.keys import create_key

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 75


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """The service on a real socket; yields its base URL and a coordinator's headers."""
    folder = tmp_path_factory.mktemp("schemathesis")
    config = Settings(
        database_url=f"sqlite:///{folder / 'db.sqlite'}",
        **TEST_LIMITS,  # type: ignore[arg-type]
    )
    app = create_app(config)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "the service did not start"
        time.sleep(0.05)
    with app.state.services.sessions() as session:
        key = create_key(session, "schemathesis", "coordinator")
    yield f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {key.secret}"}
    server.should_exit = True
    thread.join(30)


@pytest.mark.slow
def test_generated_requests_match_the_schema(served: tuple[str, dict[str, str]]) -> None:
    """Every operation of the live schema, with generated requests (examples included)."""
    base_url, headers = served
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    calls = 0
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:
        strategy = operation.as_strategy()
        examples = operation.get_strategies_from_examples()

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def generated(case: schemathesis.Case) -> None:
            nonlocal calls
            calls += 1
            case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=60)

        try:
            generated()
            for example in examples:
                find_one = settings(max_examples=1, deadline=None, database=None)(
                    given(case=example)(generated.hypothesis.inner_test)  # type: ignore[attr-defined]
                )
                find_one()
        except (Exception, BaseExceptionGroup) as exc:  # collect every failure, report all
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
    print(f"schemathesis: {calls} generated requests on {len(operations)} operations")
    assert calls >= 2000, calls
