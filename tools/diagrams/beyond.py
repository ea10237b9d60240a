"""The diagrams of notebooks 09, 10 and 11: the bigserial trap, the HTTP endpoint, a safe retry,
group commit, the log as the outbox, and a transfer's states."""

from __future__ import annotations

from .shapes import (
    Arrow,
    Box,
    Diagram,
    Line,
    Mark,
    Point,
    code,
    heads,
    item,
    lifelines,
    link,
    message,
    stack,
    words,
)

STEP_GAP = 8  # px between two steps on the lifelines of a sequence diagram


def bigserial_trap() -> Diagram:
    """09: a sequence number is handed out at INSERT, the row is seen at COMMIT."""
    a, b, c, r = 120, 280, 440, 610
    names = heads(
        10,
        (a, 140, words("writer A")),
        (b, 140, words("writer B")),
        (c, 140, words("writer C")),
        (r, 180, words("tailing reader")),
    )
    steps = (
        (a, item("INSERT → position 1", w=176)),
        (b, item("INSERT → position 2", w=176)),
        (c, item("INSERT → position 3", w=176)),
        (c, item("COMMIT", w=120)),
        (r, item("position > 0 → [3],", "checkpoint 3", w=200)),
        (a, item("COMMIT (1 is visible now)", w=216, kind="question")),
        (b, item("COMMIT (2 is visible now)", w=216, kind="question")),
        (r, item("position > 3 → nothing:", "1 and 2 are never read", w=210, kind="refusal")),
    )
    placed = []
    top = names[0].rect[3] + 14
    for x, spec in steps:
        (box,) = stack(x, top, 0, spec.w, spec)
        placed.append(box)
        top = box.rect[3] + STEP_GAP
    return Diagram(
        name="bigserial_trap",
        notebook="09_from_duckdb_to_postgresql.ipynb",
        cell="trap-md",
        title="The bigserial trap: a position becomes visible after a higher one was read",
        description=(
            "Writers A, B and C each INSERT, and are handed positions 1, 2 and 3. C commits "
            "first. The tailing reader asks for position > 0, gets only position 3 and keeps "
            "checkpoint 3. Then A commits (1 is visible now) and B commits (2 is visible now). "
            "The reader asks for position > 3 and gets nothing: 1 and 2 are never read."
        ),
        width=720,
        height=round(top - STEP_GAP + 18),
        boxes=names + tuple(placed),
        arrows=lifelines(names[0].rect[3], top - STEP_GAP + 8, a, b, c, r),
    )


def api_endpoint() -> Diagram:
    """10: a deposit through the HTTP API, the writer, the Bank and the store, and back."""
    c, a, w, b, s = 44, 266, 400, 548, 674
    names = heads(
        10,
        (c, 72, words("Client")),
        (a, 106, (code("esbank.api"),)),
        (w, 140, words("Writer", "(group commit)")),
        (b, 80, words("Bank")),
        (s, 110, words("Event store")),
    )
    check = Box(a, 167, 130, words("body valid?", "(400 if not)"), "question")
    return Diagram(
        name="api_endpoint",
        notebook="10_command_api.ipynb",
        cell="endpoint-md",
        title="A command through the HTTP API",
        description=(
            "The client POSTs to /commands/deposit a JSON body with the account_id and the amount "
            "500. esbank.api checks the body (400 if it is not valid) and hands "
            "DepositMoney(account, 500) to the writer, which does group commit and calls the "
            "Bank's handle_batch. The Bank appends to the event store at the version it read and "
            "gets the new version and position back. It answers accepted, or a refusal (404, "
            "409, 422), and the API answers 202 with status accepted, the new version and the "
            "position."
        ),
        width=740,
        height=466,
        boxes=(*names, check),
        arrows=(
            *lifelines(68, 456, c, a, w, b, s),
            message(
                128,
                c,
                a,
                code("POST /commands/deposit"),
                code('{"account_id": …,'),
                code('"amount": 500}'),
            ),
            message(240, a, w, code("DepositMoney("), code("account, 500)")),
            message(272, w, b, code("handle_batch([…])")),
            message(316, b, s, "append at the", "version it read"),
            message(358, s, b, "new version,", "position", dashed=True),
            message(400, b, a, "accepted (or a refusal:", "404, 409, 422)", dashed=True),
            message(
                442,
                a,
                c,
                code('202 {"status": "accepted",'),
                code('"new_version", "position"}'),
                dashed=True,
                colour="green",
            ),
        ),
    )


def api_retry() -> Diagram:
    """10: the answer is lost; the same request with the same key writes nothing new."""
    c, a, s = 80, 380, 660
    names = heads(
        10,
        (c, 110, words("Client")),
        (a, 120, (code("esbank.api"),)),
        (s, 120, words("Event store")),
    )
    return Diagram(
        name="api_retry",
        notebook="10_command_api.ipynb",
        cell="retry-md",
        title="A lost response and a safe retry with an Idempotency-Key",
        description=(
            "The client POSTs to /commands/withdraw with Idempotency-Key: invoice-2026-001. The "
            "API appends MoneyWithdrawn, its event id derived from the key, and answers 202, but "
            "the answer is lost on the way back. The client sends the same request again with "
            "the same key; the API finds events with these ids in the store and answers 202 with "
            "the original answer, writing nothing new."
        ),
        width=740,
        height=306,
        boxes=names,
        arrows=(
            *lifelines(49, 296, c, a, s),
            message(
                96,
                c,
                a,
                code("POST /commands/withdraw,"),
                code("Idempotency-Key: invoice-2026-001"),
            ),
            message(140, a, s, "append MoneyWithdrawn", "(event id from the key)"),
            message(
                172,
                a,
                c + 40,
                "202 … (lost on the way back)",
                dashed=True,
                head=False,
                cross=True,
                colour="red",
            ),
            message(204, c, a, "the same request again, same key"),
            message(236, a, s, "events with these ids? yes"),
            message(
                282,
                a,
                c,
                "202, the original answer,",
                "nothing new written",
                dashed=True,
                colour="green",
            ),
        ),
    )


def group_commit() -> Diagram:
    """10: requests queue up; one writer decides them in order and stores them in one INSERT."""
    requests = tuple(
        Box(x, 60, 120, words(f"request {i}")) for i, x in ((1, 200), (2, 360), (3, 520))
    )
    r1, r2, r3 = requests
    queue = Box(360, 150, 120, words("queue"))
    writer = Box(360, 240, 270, words("writer: decide 1, 2, 3 in order"))
    events = Box(360, 340, 140, words("events"), "log")
    return Diagram(
        name="group_commit",
        notebook="10_command_api.ipynb",
        cell="group-md",
        title="Group commit: one writer, one INSERT for the whole queue",
        description=(
            "Requests 1, 2 and 3 go into a queue. The writer takes them and decides 1, 2 and 3 "
            "in order, stores every accepted event in the events table with one INSERT, and "
            "answers each request with 202 or 422."
        ),
        width=720,
        height=380,
        boxes=(*requests, queue, writer, events),
        arrows=(
            Arrow((r1.bottom(), (200, 105), (330, 105), queue.top(-30))),
            Arrow((r2.bottom(), queue.top())),
            Arrow((r3.bottom(), (520, 105), (390, 105), queue.top(30))),
            Arrow((queue.bottom(), writer.top())),
            link((writer.bottom(), events.top()), "one INSERT", side="right"),
            link(
                (writer.right(), (680, 240), (680, 16), (200, 16), r1.top()),
                "202 / 422 each",
                side="left",
                seg=1,
                dashed=True,
            ),
            Arrow(((360, 16), r2.top()), dashed=True),
            Arrow(((520, 16), r3.top()), dashed=True),
        ),
    )


def outbox() -> Diagram:
    """11: the log is the outbox; a relay publishes, then moves its checkpoint; an inbox dedups."""
    cmd = Box(80, 50, 110, words("command"))
    bank = Box(270, 50, 170, (code("Bank.handle"), Line("one append")))
    log = Box(520, 50, 230, words("events", "the log is the outbox"), "log")
    relay = Box(520, 170, 220, (code("Subscription.deliver"), Line("(the relay)")))
    broker = Box(300, 285, 130, words("broker"), "log")
    checkpoints = Box(590, 285, 230, (code("subscription_checkpoints"),), "model")
    inbox = Box(300, 380, 230, (Line("consumer's Inbox"), code("event_id PRIMARY KEY")))
    effect = Box(590, 380, 180, words("consumer's tables"), "model")
    return Diagram(
        name="outbox",
        notebook="11_beyond_one_aggregate.ipynb",
        cell="e299690b",
        title="The log is the outbox",
        description=(
            "A command goes to Bank.handle, whose one append writes the events: the log is the "
            "outbox. The relay, Subscription.deliver, reads the log after its checkpoint; first "
            "it publishes the batch to the broker, then it moves its checkpoint in "
            "subscription_checkpoints. The broker feeds the consumer's Inbox, whose primary key "
            "is the event_id, and the inbox feeds the consumer's tables."
        ),
        width=720,
        height=424,
        boxes=(cmd, bank, log, relay, broker, checkpoints, inbox, effect),
        arrows=(
            Arrow((cmd.right(), bank.left())),
            Arrow((bank.right(), log.left())),
            link((log.bottom(), relay.top()), code("read_all(after=checkpoint)"), side="left"),
            link(
                (relay.left(), (300, 170), broker.top()),
                "1 · publish the batch",
                side="left",
                seg=1,
            ),
            link(
                (relay.bottom(70), checkpoints.top()), "2 · then move the checkpoint", side="left"
            ),
            Arrow((broker.bottom(), inbox.top())),
            Arrow((inbox.right(), effect.left())),
        ),
    )


def _event(points: tuple[Point, ...], event: str, why: str = "", **style: object) -> Arrow:
    """A transition of a state diagram: the event's name, and why it happens in brackets."""
    return link(points, code(event), *((f"({why})",) if why else ()), **style)  # type: ignore[arg-type]


def transfer() -> Diagram:
    """11: a transfer's states, the happy path on the left, compensation on the right."""
    start, end = Mark(170, 24), Mark(345, 480, end=True)
    requested = Box(170, 80, 150, (code("requested"),))
    debited = Box(170, 190, 150, (code("debited"),))
    credited = Box(170, 300, 150, (code("credited"),))
    completed = Box(170, 410, 150, (code("completed"),), "done")
    refused = Box(520, 300, 180, (code("credit_refused"),), "question")
    refunded = Box(520, 410, 150, (code("refunded"),), "refusal")
    return Diagram(
        name="transfer",
        notebook="11_beyond_one_aggregate.ipynb",
        cell="20d765fd",
        title="A transfer's states and the events that move it",
        description=(
            "A transfer starts requested (TransferRequested). TransferDebited, once the source "
            "withdrawal is stored, makes it debited; if the source refused the debit, "
            "TransferRefunded makes it refunded. From debited, TransferCredited (the target "
            "deposit stored) leads to credited and TransferCompleted to completed; "
            "TransferCreditRefused (the target closed or unknown) leads to credit_refused, and "
            "TransferRefunded, once the source deposit is stored, to refunded. completed and "
            "refunded are final."
        ),
        width=720,
        height=500,
        boxes=(requested, debited, credited, completed, refused, refunded),
        marks=(start, end),
        arrows=(
            _event((start.bottom(), requested.top()), "TransferRequested", side="right"),
            _event(
                (requested.bottom(), debited.top()), "TransferDebited", "source withdrawal stored"
            ),
            _event(
                (requested.right(), (690, 80), (690, 410), refunded.right()),
                "TransferRefunded",
                "the source refused the debit",
                seg=0,
            ),
            _event((debited.bottom(), credited.top()), "TransferCredited", "target deposit stored"),
            _event(
                (debited.right(), (520, 190), refused.top()),
                "TransferCreditRefused",
                "target closed or unknown",
                seg=0,
            ),
            _event((refused.bottom(), refunded.top()), "TransferRefunded", "source deposit stored"),
            _event((credited.bottom(), completed.top()), "TransferCompleted"),
            Arrow((completed.bottom(), (170, 480), end.left())),
            Arrow((refunded.bottom(), (520, 480), end.right())),
        ),
    )
