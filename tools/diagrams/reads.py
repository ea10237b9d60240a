"""The diagrams of notebooks 06, 07 and 08: the CQRS split, a stale read, and how CQRS and
event sourcing fit together."""

from __future__ import annotations

from .shapes import Arrow, Box, Diagram, Group, Line, code, heads, lifelines, link, message, words


def cqrs() -> Diagram:
    """06: commands append to the log; a projector copies it into read models; queries read."""
    cmd = Box(95, 67, 130, words("command"))
    bank = Box(300, 67, 200, (code("Bank.handle"), Line("decide + append")))
    log = Box(300, 195, 220, words("events: append-only log", "global position"), "log")
    projector = Box(300, 339, 260, words("Projector", "one checkpoint per projection"))
    models = Box(
        300,
        456.5,
        290,
        (Line("read models"), code("account_balances"), code("account_statement · daily_totals")),
        "model",
    )
    queries = Box(
        590, 456.5, 220, words("Queries", "balance · statement", "daily totals · top accounts")
    )
    reader = Box(590, 557, 110, words("reader"), "actor")
    return Diagram(
        name="cqrs",
        notebook="06_projections_and_read_models.ipynb",
        cell="cqrs-md",
        title="The CQRS split: the command side writes the log, the query side reads models",
        description=(
            "On the command side a command goes to Bank.handle, which decides and appends with "
            "the expected version to the events table, the append-only log with a global "
            "position. The projector reads it with read_all after its checkpoint, one batch at a "
            "time, and keeps one checkpoint per projection. On the query side it writes the read "
            "models (account_balances, account_statement, daily_totals) and its checkpoint in one "
            "transaction; queries (balance, statement, daily totals, top accounts) read those "
            "models and answer the reader."
        ),
        width=720,
        height=584,
        groups=(
            Group(8, 8, 704, 100, "command side"),
            Group(8, 280, 704, 233, "query side"),
        ),
        boxes=(cmd, bank, log, projector, models, queries, reader),
        arrows=(
            Arrow((cmd.right(), bank.left())),
            link((bank.bottom(), log.top()), code("append(expected_version)"), side="right"),
            link(
                (log.bottom(), projector.top()),
                code("read_all(after=checkpoint,"),
                code("limit=batch)"),
                side="right",
                pos=0.31,
            ),
            link(
                (projector.bottom(), models.top()),
                "one transaction:",
                "tables + checkpoint",
                side="right",
            ),
            Arrow((models.right(), queries.left())),
            Arrow((queries.bottom(), reader.top())),
        ),
    )


def stale_read() -> Diagram:
    """07: the deposit is accepted, yet the balance read before the projector runs is old."""
    u, b, log, p, r = 50, 258, 390, 540, 672
    boxes = heads(
        10,
        (u, 80, words("User")),
        (b, 110, words("Bank", "(write side)")),
        (log, 100, words("Event log")),
        (p, 100, words("Projector")),
        (r, 110, words("Read model", "(balances)")),
    )
    return Diagram(
        name="stale_read",
        notebook="07_projection_lag.ipynb",
        cell="stale-md",
        title="Acknowledged, but not yet visible: a read before the projector runs",
        description=(
            "The user sends DepositMoney(ada, 2_500) to the bank, the write side. The bank "
            "appends MoneyDeposited to the event log at position 2 and answers accepted: new "
            "version 2, position 2. The user asks the read model for balance(ada) and gets "
            "100.00, stale, because its checkpoint is 1. Then the projector reads the log after "
            "position 1 and applies the batch to the read model, checkpoint 2. Asked again, the "
            "read model answers 125.00, fresh."
        ),
        width=740,
        height=440,
        boxes=boxes,
        arrows=(
            *lifelines(68, 430, u, b, log, p, r),
            message(100, u, b, code("DepositMoney(ada, 2_500)")),
            message(160, b, log, "append", "MoneyDeposited", "at position 2"),
            message(205, b, u, "accepted: new_version 2,", "position 2", dashed=True),
            message(235, u, r, code("balance(ada)")),
            message(267, r, u, "100.00 (checkpoint 1: stale)", dashed=True, colour="red"),
            message(310, p, log, code("read_all("), code("after_position=1)")),
            message(350, p, r, "apply batch,", "checkpoint := 2"),
            message(382, u, r, code("balance(ada)")),
            message(414, r, u, "125.00 (fresh)", dashed=True, colour="green"),
        ),
    )


def cqrs_and_es() -> Diagram:
    """08: event sourcing keeps the truth as events; CQRS reads through projected models."""
    cmd = Box(110, 41, 130, words("command"))
    bank = Box(350, 41, 200, (code("Bank.handle"), Line("decide + append")))
    log = Box(350, 135, 200, words("events", "the truth"), "log")
    projector = Box(350, 229, 240, words("Projector", "checkpoint per read model"))
    models = Box(350, 323, 220, (Line("read models"), code("account_balances, …")), "model")
    queries = Box(590, 323, 120, words("Queries"))
    return Diagram(
        name="cqrs_and_es",
        notebook="08_interview_prep.ipynb",
        cell="q1-md",
        title="Event sourcing and CQRS together",
        description=(
            "A command goes to Bank.handle, which decides and appends to the events, the truth. "
            "A projector with a checkpoint per read model copies them into read models such as "
            "account_balances, and queries read those read models."
        ),
        width=720,
        height=372,
        boxes=(cmd, bank, log, projector, models, queries),
        arrows=(
            Arrow((cmd.right(), bank.left())),
            Arrow((bank.bottom(), log.top())),
            Arrow((log.bottom(), projector.top())),
            Arrow((projector.bottom(), models.top())),
            Arrow((queries.left(), models.right())),
        ),
    )
