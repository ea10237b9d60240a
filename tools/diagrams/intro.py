"""The diagrams of notebooks 00, 01 and 02: the architecture, decide and evolve, the race and
the retry."""

from __future__ import annotations

from .shapes import Arrow, Box, Diagram, Group, Line, code, lifelines, message


def architecture() -> Diagram:
    """00: a command through decide to the log; the projector feeds the read side."""
    command = Box(360, 52, 250, (Line("command"), code("WithdrawMoney(id, 4000)")))
    refused = Box(
        115,
        140,
        170,
        (Line("rule broken:"), Line("DomainError,"), Line("nothing written")),
        "refusal",
    )
    decide = Box(360, 140, 210, (code("decide(command, state)"),))
    fold = Box(600, 140, 204, (Line("state ="), code("fold(evolve, events)")))
    append = Box(360, 225, 260, (code("EventStore.append(events,"), code("expected_version)")))
    log = Box(360, 318, 240, (Line("append-only log"), code("DuckDB table events")), "log")
    projector = Box(115, 436, 170, (Line("Projector"),))
    models = Box(360, 436, 170, (Line("read models"),), "model")
    queries = Box(600, 436, 170, (Line("queries"),))
    return Diagram(
        name="architecture",
        notebook="00_start_here.ipynb",
        cell="0d2e232c",
        title="The architecture of esbank in one picture",
        description=(
            "A command goes to decide, which reads the current state folded from the log. A "
            "broken rule raises a DomainError and writes nothing; otherwise the events are "
            "appended with the expected version. The projector reads the whole log in position "
            "order into read models, and queries read only those."
        ),
        width=720,
        height=486,
        groups=(
            Group(8, 8, 704, 262, "write side: commands"),
            Group(8, 376, 704, 100, "read side: queries"),
        ),
        boxes=(command, refused, decide, fold, append, log, projector, models, queries),
        arrows=(
            Arrow((command.bottom(), decide.top())),
            Arrow((fold.left(), decide.right())),
            Arrow((decide.left(), refused.right())),
            Arrow((decide.bottom(), append.top()), "events", at=(394, 178)),
            Arrow((append.bottom(), log.top())),
            Arrow(
                (log.right(), (600, 318), fold.bottom()),
                "read_stream(id)",
                at=(600, 232),
                mono=True,
            ),
            Arrow(
                (log.left(), (185, 318), projector.top(70)), "read_all()", at=(185, 352), mono=True
            ),
            Arrow((projector.right(), models.left())),
            Arrow((models.right(), queries.left())),
        ),
    )


def decide_evolve() -> Diagram:
    """01: decide judges a command against a state; evolve applies the event it returns."""
    command = Box(360, 50, 250, (Line("command"), code("DepositMoney(acct, 2500)")))
    refused = Box(
        115,
        140,
        170,
        (Line("rule says no:"), Line("DomainError,"), Line("nothing written")),
        "refusal",
    )
    decide = Box(360, 140, 210, (code("decide(command, state)"),))
    state1 = Box(600, 140, 180, (Line("state v1"), Line("balance 10000")))
    log = Box(115, 240, 170, (Line("event log"), Line("append only")), "log")
    events = Box(360, 240, 236, (Line("rules say yes:"), code("(MoneyDeposited(2500),)")), "done")
    evolve = Box(600, 240, 204, (code("evolve(state, event)"),))
    state2 = Box(600, 322, 180, (Line("state v2"), Line("balance 12500")))
    return Diagram(
        name="decide_evolve",
        notebook="01_commands_and_events.ipynb",
        cell="decide-evolve-md",
        title="decide judges, evolve applies",
        description=(
            "decide takes the command DepositMoney(acct, 2500) and the state at version 1. A "
            "rule that says no raises a DomainError and nothing is written; otherwise decide "
            "returns the event MoneyDeposited(2500), which is appended to the log and which "
            "evolve applies to state v1, giving state v2 with balance 12500."
        ),
        width=720,
        height=364,
        boxes=(command, refused, decide, state1, log, events, evolve, state2),
        arrows=(
            Arrow((command.bottom(), decide.top())),
            Arrow((state1.left(), decide.right())),
            Arrow((decide.left(), refused.right())),
            Arrow((decide.bottom(), events.top())),
            Arrow((events.left(), log.right())),
            Arrow((events.right(), evolve.left())),
            Arrow((state1.bottom(), evolve.top())),
            Arrow((evolve.bottom(), state2.top())),
        ),
    )


def race() -> Diagram:
    """02: two tellers load version 3; the first append wins, the second gets a conflict."""
    a, t, b = 115, 370, 625
    heads = tuple(
        Box(x, 34, 160, (Line(name),), "actor")
        for x, name in ((a, "Teller A"), (t, "events table"), (b, "Teller B"))
    )
    notes = (
        Box(a, 224, 200, (Line("decide: withdraw 6000"), Line("allowed")), "note"),
        Box(b, 224, 200, (Line("decide: withdraw 5000"), Line("allowed")), "note"),
        Box(
            b,
            436,
            190,
            (Line("reload: version 4,"), Line("balance 2500,"), Line("decide again")),
            "note",
        ),
    )
    return Diagram(
        name="race",
        notebook="02_event_store_and_concurrency.ipynb",
        cell="race-md",
        title="Two tellers, one account: the second append is refused",
        description=(
            "Teller A and teller B both load Ada at version 3 with balance 8500. A decides to "
            "withdraw 6000, B to withdraw 5000; both are allowed. A appends with expected "
            "version 3 and is accepted: the stream is now at version 4. B appends with expected "
            "version 3 and gets ConcurrencyConflict; B reloads version 4, balance 2500, and "
            "decides again."
        ),
        width=740,
        height=490,
        boxes=heads + notes,
        arrows=(
            *lifelines(54, 480, a, t, b),
            message(86, a, t, "load Ada"),
            message(118, t, a, "version 3, balance 8500", dashed=True),
            message(150, b, t, "load Ada"),
            message(182, t, b, "version 3, balance 8500", dashed=True),
            message(290, a, t, code("append, expected_version=3")),
            message(322, t, a, "accepted: now version 4", dashed=True, colour="green"),
            message(354, b, t, code("append, expected_version=3")),
            message(386, t, b, "ConcurrencyConflict: now version 4", dashed=True, colour="red"),
        ),
    )


def retry() -> Diagram:
    """02: Bank.handle's loop: load, decide, append; on a conflict, load again or give up."""
    load = Box(260, 45, 270, (Line("load: read_stream + replay"), Line("state at version v")))
    decide = Box(260, 125, 210, (code("decide(command, state)"),))
    refused = Box(
        565, 125, 230, (Line("rule says no: refused,"), Line("nothing written")), "refusal"
    )
    append = Box(260, 215, 250, (code("append(events,"), code("expected_version=v)")))
    done = Box(565, 215, 230, (Line("accepted: done,"), Line("now at version v + 1")), "done")
    conflict = Box(260, 305, 230, (code("ConcurrencyConflict"), Line("retries left?")), "question")
    give_up = Box(
        565, 305, 230, (Line("no retry left: raise"), code("ConcurrencyConflict")), "refusal"
    )
    return Diagram(
        name="retry",
        notebook="02_event_store_and_concurrency.ipynb",
        cell="retry-md",
        title="Retry: load, decide again, append again",
        description=(
            "Bank.handle loads the stream and replays it to the state at version v, decides, "
            "and appends with expected version v. A refusal is final and writes nothing; an "
            "accepted append ends at version v + 1. On ConcurrencyConflict, while retries are "
            "left it loads again and decides again; otherwise it raises ConcurrencyConflict."
        ),
        width=700,
        height=350,
        boxes=(load, decide, refused, append, done, conflict, give_up),
        arrows=(
            Arrow((load.bottom(), decide.top())),
            Arrow((decide.right(), refused.left())),
            Arrow((decide.bottom(), append.top()), "events", at=(294, 165)),
            Arrow((append.right(), done.left())),
            Arrow((append.bottom(), conflict.top())),
            Arrow((conflict.right(), give_up.left()), "no", at=(412, 297)),
            Arrow(
                (conflict.left(), (70, 305), (70, 45), load.left()), "yes: load again", at=(70, 175)
            ),
        ),
    )
