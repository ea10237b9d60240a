"""Subscriptions: apply exactly once into the database, deliver at least once outside, with a
lease; the Inbox that makes at-least-once effectively once; kill -9 means redelivery, never
loss."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from backends import Backend

import esbank
from esbank import (
    Bank,
    DepositMoney,
    DuckDBEventStore,
    InvalidArgument,
    OpenAccount,
    PostgresEventStore,
)
from esbank.app.subscriptions import Inbox, Subscription, SubscriptionBusy
from esbank.eventstore.protocol import SqlStore
from esbank.teach import SequentialIds, StepClock

A = UUID(int=0xA)
CHILD_PATH = str(Path(esbank.__file__).resolve().parents[1])


def history(store: SqlStore, deposits: int = 30) -> Bank:
    bank = Bank(store, new_id=SequentialIds())
    bank.handle(OpenAccount(A, "Ann", 0))
    bank.handle_batch([DepositMoney(A, 1 + i) for i in range(deposits)])
    return bank


@pytest.fixture
def store(backend: Backend) -> SqlStore:
    """A store on this test's database, on each backend."""
    return backend.store(clock=StepClock())


def test_deliver_hands_over_every_event_once_in_order(store: SqlStore) -> None:
    history(store)
    sub = Subscription(store, "out", batch_size=7)
    got: list[int] = []
    assert sub.run(lambda events: got.extend(e.position for e in events)) == 31
    assert got == list(range(1, 32))
    assert sub.checkpoint() == 31
    assert sub.deliver(lambda events: got.append(-1)) == 0  # caught up: no empty call


def test_a_failing_handler_gets_the_same_batch_again(store: SqlStore) -> None:
    history(store, deposits=4)
    sub = Subscription(store, "out", batch_size=3)
    batches: list[list[int]] = []

    def flaky(events: list[Any]) -> None:
        batches.append([e.position for e in events])
        if len(batches) == 2:
            raise RuntimeError("the broker is down")

    sub.deliver(flaky)
    with pytest.raises(RuntimeError):
        sub.deliver(flaky)
    assert sub.checkpoint() == 3
    sub.run(flaky)
    assert batches == [[1, 2, 3], [4, 5], [4, 5]]  # redelivered, never skipped


def test_apply_moves_the_checkpoint_with_the_writes_or_not_at_all(
    store: SqlStore,
) -> None:
    history(store, deposits=9)
    store.sql("CREATE TABLE seen (position BIGINT PRIMARY KEY)")
    sub = Subscription(store, "in", batch_size=4)

    def write(conn: Any, events: list[Any]) -> None:
        for e in events:
            conn.execute("INSERT INTO seen VALUES (?)", [e.position])
        if events[-1].position == 8:
            raise RuntimeError("crash inside the transaction")

    assert sub.apply(write) == 4
    with pytest.raises(RuntimeError):
        sub.apply(write)
    assert sub.checkpoint() == 4
    assert store.sql("SELECT count(*) FROM seen") == [(4,)]  # the failed batch left nothing
    sub.batch_size = 100
    sub.run(
        lambda conn, events: write(conn, [e for e in events if e.position != 8] or events),
        into_database=True,
    )
    assert store.sql("SELECT count(*), max(position) FROM seen") == [(9, 10)]


def test_two_workers_never_deliver_at_once(store: SqlStore) -> None:
    history(store)
    clock = StepClock(datetime(2026, 1, 5, tzinfo=UTC), timedelta(0))
    first = Subscription(store, "out", batch_size=5, owner="first", clock=clock)
    second = Subscription(store, "out", batch_size=5, owner="second", clock=clock)
    assert first.deliver(lambda events: None) == 5
    assert first.holder() == "first"
    with pytest.raises(SubscriptionBusy, match="first"):
        second.deliver(lambda events: None)
    clock.advance(timedelta(seconds=31))  # the first worker stopped: its lease runs out
    assert second.deliver(lambda events: None) == 5
    with pytest.raises(SubscriptionBusy, match="second"):
        first.deliver(lambda events: None)
    second.release()
    assert first.deliver(lambda events: None) == 5


def test_a_worker_whose_lease_ran_out_mid_delivery_does_not_move_the_checkpoint(
    store: SqlStore,
) -> None:
    history(store)
    clock = StepClock(datetime(2026, 1, 5, tzinfo=UTC), timedelta(0))
    slow = Subscription(store, "out", batch_size=5, owner="slow", clock=clock)
    fast = Subscription(store, "out", batch_size=5, owner="fast", clock=clock)

    def slow_handler(events: list[Any]) -> None:
        clock.advance(timedelta(minutes=5))  # far past the lease
        fast.deliver(lambda events: None)  # another worker takes over meanwhile

    with pytest.raises(SubscriptionBusy, match="delivered again"):
        slow.deliver(slow_handler)
    assert fast.checkpoint() == 5  # the fast worker's batch, once


def test_threads_on_one_subscription_deliver_each_batch_once(backend: Backend) -> None:
    store = backend.store()
    if True:  # (one store object shared by four workers on threads)
        history(store, deposits=200)
        got: list[int] = []
        lock = threading.Lock()

        def work(owner: str) -> None:
            sub = Subscription(store, "out", batch_size=3, owner=owner)
            for _ in range(500):
                try:
                    if sub.deliver(lambda events: _record(events, got, lock)) == 0:
                        return
                except SubscriptionBusy:
                    time.sleep(0.001)
                else:
                    sub.release()

        threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(got) == list(range(1, 202))  # every event once: no batch twice


def _record(events: list[Any], got: list[int], lock: threading.Lock) -> None:
    with lock:
        got.extend(e.position for e in events)


def test_an_inbox_processes_a_redelivered_event_once(store: SqlStore) -> None:
    history(store, deposits=5)
    consumer = DuckDBEventStore()
    consumer.sql("CREATE TABLE received (position BIGINT)")
    inbox = Inbox(consumer)
    events = store.read_all()

    def effect(conn: Any, event: Any) -> None:
        conn.execute("INSERT INTO received VALUES (?)", [event.position])

    assert inbox.process(events[:4], effect) == 4
    assert inbox.process(events, effect) == 2  # the first four again: skipped
    assert consumer.sql("SELECT count(*), count(DISTINCT position) FROM received") == [(6, 6)]
    assert inbox.seen() == 6


def test_waiting_wakes_on_an_append(store: SqlStore) -> None:
    bank = history(store, deposits=1)
    sub = Subscription(store, "out")
    sub.run(lambda events: None)
    timer = threading.Timer(0.2, lambda: bank.handle(DepositMoney(A, 5)))
    timer.start()
    started = time.monotonic()
    assert store.wait_for_append(sub.checkpoint(), timeout=10.0)
    assert time.monotonic() - started < 5.0
    assert not store.wait_for_append(store.head_position(), timeout=0.05)
    timer.join()


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"name": ""}, "name"),
        ({"batch_size": 0}, "batch_size"),
        ({"lease": timedelta(0)}, "lease"),
        ({"clock": "now"}, "clock"),
    ],
)
def test_bad_arguments(store: SqlStore, kwargs: dict[str, Any], why: str) -> None:
    arguments: dict[str, Any] = {"name": "out", **kwargs}
    with pytest.raises(InvalidArgument, match=why):
        Subscription(store, **arguments)


def open_store(path: str, kind: str) -> Any:
    return DuckDBEventStore(path) if kind == "duckdb" else PostgresEventStore(path)


CHILD = r"""
import os, sys, time
from esbank import DuckDBEventStore, PostgresEventStore
from esbank.app.subscriptions import Inbox, Subscription

events_path, consumer_path, log_path, kind = sys.argv[1:5]
store = DuckDBEventStore(events_path) if kind == "duckdb" else PostgresEventStore(events_path)
consumer = DuckDBEventStore(consumer_path)
consumer.sql("CREATE TABLE IF NOT EXISTS received (position BIGINT)")
inbox = Inbox(consumer)
sub = Subscription(store, "outbox", batch_size=5, owner="the one worker")
log = open(log_path, "a")


def effect(conn, event):
    conn.execute("INSERT INTO received VALUES (?)", [event.position])


def deliver(events):
    for e in events:  # "the broker": a line per delivery, then the consumer's inbox
        log.write(f"{e.position}\n")
        log.flush()
        os.fsync(log.fileno())
    inbox.process(events, effect)
    print("delivered", events[-1].position, flush=True)


print("ready", flush=True)
sub.run(deliver)
print("done", flush=True)
"""


def test_kill_9_between_delivery_and_checkpoint_means_redelivery_never_loss(
    tmp_path: Path, backend: Backend
) -> None:
    events_path = backend.target() if backend.is_postgres else str(tmp_path / "events.duckdb")
    consumer_path, log_path = tmp_path / "consumer.duckdb", tmp_path / "delivered.log"
    with open_store(events_path, backend.name) as store:
        history(store, deposits=299)  # 300 events
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    rng = random.Random(20261203)
    kills = 0
    args = [str(script), events_path, str(consumer_path), str(log_path), backend.name]
    for _ in range(40):
        child = subprocess.Popen(
            [sys.executable, *args],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": CHILD_PATH},
        )
        assert child.stdout is not None
        wanted, seen, done = rng.randint(0, 6), 0, False
        for line in child.stdout:
            if line.startswith("done"):
                done = True
                break
            seen += line.startswith("delivered")
            if seen >= wanted:
                time.sleep(rng.uniform(0, 0.01))
                child.send_signal(signal.SIGKILL)
                kills += 1
                break
        child.wait(timeout=60)
        child.stdout.close()
        if done:
            break
    assert done, "the subscription never finished"
    assert kills >= 5
    delivered = [int(line) for line in log_path.read_text().split()]
    assert set(delivered) == set(range(1, 301))  # nothing lost
    assert len(delivered) > 300  # and some batches really were delivered again
    with DuckDBEventStore(consumer_path) as consumer:
        assert consumer.sql("SELECT count(*), count(DISTINCT position) FROM received") == [
            (300, 300)  # the inbox took each once
        ]
