"""32 concurrent clients on a few shared accounts, with and without group commit: no update
is lost, no balance ever goes below zero, and every answer is one the table allows."""

from __future__ import annotations

import random
import threading
from collections import Counter
from uuid import UUID

from api.helpers import open_account
from esbank import Bank, DuckDBEventStore
from esbank.api import LocalClient

CLIENTS = 32
REQUESTS_EACH = 12
ACCOUNTS = 4


def _client_run(
    client: LocalClient, accounts: list[str], seed: int, answers: list[tuple[str, int, int, int]]
) -> None:
    """One client: deposits and withdrawals on random shared accounts; every answer noted as
    ``(account, signed amount, status, position)``."""
    rng = random.Random(seed)
    for _ in range(REQUESTS_EACH):
        account = rng.choice(accounts)
        amount = rng.randint(1, 60)
        command = rng.choice(["deposit", "withdraw"])
        r = client.post(f"/commands/{command}", json={"account_id": account, "amount": amount})
        position = r.json().get("position", 0) if r.status_code == 202 else 0
        answers.append(
            (account, amount if command == "deposit" else -amount, r.status_code, position)
        )


def test_no_lost_update_and_no_balance_below_zero(
    client: LocalClient, store: DuckDBEventStore
) -> None:
    accounts = [open_account(client, f"owner {i}", 50) for i in range(ACCOUNTS)]
    answers: list[tuple[str, int, int, int]] = []
    threads = [
        threading.Thread(target=_client_run, args=(client, accounts, seed, answers))
        for seed in range(CLIENTS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(answers) == CLIENTS * REQUESTS_EACH
    statuses = Counter(status for _, _, status, _ in answers)
    assert set(statuses) <= {202, 409, 422}, statuses  # accepted, retried out, refused
    assert statuses[202] > len(answers) // 2
    accepted = [a for a in answers if a[2] == 202]
    assert len({position for *_, position in accepted}) == len(accepted), "one position each"
    bank = Bank(store)
    for account in accounts:
        expected = 50 + sum(amount for a, amount, status, _ in accepted if a == account)
        assert bank.load(UUID(account)).balance == expected, "an accepted update was lost"
        history = bank.history(UUID(account))
        assert history["balance"].min() >= 0
    assert store.head_position() == ACCOUNTS + len(accepted), "a refused command wrote nothing"
