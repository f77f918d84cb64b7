"""Run states change only through the store's transitions, each checked against the state it leaves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from api import store
from api.db import RunRow, make_engine, session_factory
from api.keys import create_key
from api.migrate import upgrade
from api.problems import ApiProblem
from api.states import RunState


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'states.sqlite'}")
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as s:
        create_key(s, "town", "coordinator")
        yield s
    engine.dispose()


def queued(session: Session) -> RunRow:
    return store.add_run(
        session, "town", "{}", kind="background", objective="valorisation",
        time_limit=1.0, rel_gap=0.0, refs={},
    )  # fmt: skip


def test_a_finished_run_cannot_be_cancelled(session: Session) -> None:
    run = queued(session)
    attempt = store.claim_run(session, run.id)
    assert attempt == 1
    end = store.RunEnd(RunState.FINISHED, "optimal", "done")
    assert store.end_attempt(session, run.id, attempt, end)
    session.refresh(run)
    with pytest.raises(ApiProblem) as caught:
        store.cancel_run(session, run)
    assert caught.value.status == 409 and "already finished" in caught.value.detail


def test_a_queued_run_is_cancelled_at_once_and_a_running_one_is_asked_to_stop(
    session: Session,
) -> None:
    waiting = queued(session)
    assert store.cancel_run(session, waiting) is True
    assert waiting.state == RunState.CANCELLED and waiting.finished_at is not None
    running = queued(session)
    store.claim_run(session, running.id)
    session.refresh(running)
    assert store.cancel_run(session, running) is False
    assert running.state == RunState.RUNNING and running.cancel_requested


def test_an_attempt_that_no_longer_owns_its_run_cannot_start_or_end_it(session: Session) -> None:
    run = queued(session)
    first = store.claim_run(session, run.id)
    assert first == 1 and store.claim_run(session, run.id) is None  # already taken
    assert store.after_crash(session, run.id, first, "killed", max_attempts=3) == RunState.QUEUED
    second = store.claim_run(session, run.id)
    assert second == 2
    assert store.begin_attempt(session, run.id, first, pid=1) is None
    stale = store.RunEnd(RunState.FINISHED, "optimal", "late")
    assert not store.end_attempt(session, run.id, first, stale)
    started = store.begin_attempt(session, run.id, second, pid=1)
    assert started is not None and started.state == RunState.RUNNING


def test_a_run_whose_worker_keeps_dying_fails_after_its_last_attempt(session: Session) -> None:
    run = queued(session)
    for attempt in (1, 2):
        assert store.claim_run(session, run.id) == attempt
        state = store.after_crash(session, run.id, attempt, "killed", max_attempts=2)
    assert state == RunState.FAILED
    session.refresh(run)
    assert run.reason is not None and "died 2 times" in run.reason
    with pytest.raises(ApiProblem):
        store.cancel_run(session, run)


def test_a_run_cancelled_before_its_worker_starts_is_not_solved(session: Session) -> None:
    run = queued(session)
    attempt = store.claim_run(session, run.id)
    assert attempt is not None
    session.refresh(run)
    store.cancel_run(session, run)
    started = store.begin_attempt(session, run.id, attempt, pid=1)
    assert started is not None and started.state == RunState.CANCELLED
