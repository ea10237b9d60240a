"""The diagrams of notebooks 03, 04 and 05: rehydration, the ``version_at`` rule, a load from a
snapshot, and the registry of event types and upcasters."""

from __future__ import annotations

from itertools import pairwise

from .shapes import Arrow, Box, Diagram, Group, code, item, link, stack, words


def rehydration() -> Diagram:
    """03: folding evolve over Ada's events, from the empty account to version 7."""
    s0, s1, s2, s3, s7 = stack(
        280,
        14,
        44,
        230,
        item(code("BankAccount.new(ada)"), "v0 · balance 0"),
        item("v1 · balance 10000"),
        item("v2 · balance 12500"),
        item("v3 · balance 8500"),
        item("v7 · balance 24000 · now", kind="done"),
    )
    steps = (
        (s0, s1, code("evolve(·, AccountOpened 10000)")),
        (s1, s2, code("evolve(·, MoneyDeposited 2500)")),
        (s2, s3, code("evolve(·, MoneyWithdrawn 4000)")),
        (s3, s7, "… four more events"),
    )
    return Diagram(
        name="rehydration",
        notebook="03_replay_and_time_travel.ipynb",
        cell="rehydration-md",
        title="Rehydration: evolve folded over Ada's events",
        description=(
            "Rehydration starts from BankAccount.new(ada), version 0 with balance 0. evolve "
            "applies AccountOpened 10000 (v1, balance 10000), then MoneyDeposited 2500 (v2, "
            "12500), then MoneyWithdrawn 4000 (v3, 8500); four more events bring it to v7, "
            "balance 24000, the state now."
        ),
        width=720,
        height=round(s7.rect[3]) + 14,
        boxes=(s0, s1, s2, s3, s7),
        arrows=tuple(link((a.bottom(), b.top()), text, side="right") for a, b, text in steps),
    )


def version_at() -> Diagram:
    """03: a state as of a time: version_at picks the version, then read and fold up to it."""
    boxes = stack(
        360,
        14,
        30,
        300,
        item(code("as_of = Tue 10:05")),
        item(
            code("store.version_at(ada, as_of)"), "stop at the first event", "recorded later → v3"
        ),
        item(code("read_stream(ada, to_version=3)")),
        item("fold evolve"),
        item("Ada as of Tue 10:05", "v3 · 85.00", kind="done"),
    )
    return Diagram(
        name="version_at",
        notebook="03_replay_and_time_travel.ipynb",
        cell="why-stop-after-md",
        title="Ada as of Tuesday 10:05: version_at, then read and fold",
        description=(
            "Given as_of = Tue 10:05, store.version_at(ada, as_of) stops at the first event "
            "recorded later and answers v3; read_stream(ada, to_version=3) reads the events up to "
            "it, evolve is folded over them, and the result is Ada as of Tue 10:05: v3, 85.00."
        ),
        width=720,
        height=round(boxes[-1].rect[3]) + 14,
        boxes=boxes,
        arrows=tuple(Arrow((a.bottom(), b.top())) for a, b in pairwise(boxes)),
    )


def snapshot_load() -> Diagram:
    """04: a load takes the newest snapshot at or below the target and replays the tail."""
    load = Box(320, 50, 250, (code("bank.load(ada)"), *words("target: the newest version")))
    s5 = Box(95, 202, 130, words("state at v5"), "model")
    s12 = Box(280, 202, 130, words("state at v12"), "model")
    e1 = Box(425, 202, 90, words("v1 … v5"))
    e2 = Box(545, 202, 100, words("v6 … v12"))
    e3 = Box(660, 202, 70, words("v13"))
    fold = Box(460, 336, 220, words("replay the tail:", "evolve once per event"))
    result = Box(460, 416, 170, words("state at v13"), "done")
    return Diagram(
        name="snapshot_load",
        notebook="04_snapshots.ipynb",
        cell="load-md",
        title="A load: the newest snapshot at or below the target, then the tail",
        description=(
            "bank.load(ada) targets the newest version, v13. Ada's events (v1 to v5, v6 to v12, "
            "v13) are the truth; the snapshots (the state at v5 and at v12) are derived and may "
            "be deleted. 1: the load takes the newest snapshot at or below the target, v12. 2: it "
            "starts from that snapshot's state. 3: it reads only the events after the snapshot, "
            "v13, and replays that tail, evolve once per event, giving the state at v13."
        ),
        width=720,
        height=452,
        groups=(
            Group(8, 146, 344, 96, "snapshots: derived, may be deleted"),
            Group(368, 146, 344, 96, "events of Ada: the truth"),
        ),
        boxes=(load, s5, s12, e1, e2, e3, fold, result),
        arrows=(
            Arrow((e1.right(), e2.left())),
            Arrow((e2.right(), e3.left())),
            link(
                (load.bottom(), s12.top(40)),
                "1 · newest snapshot",
                "at or below the target",
                side="left",
            ),
            link(
                (s12.bottom(), (280, 336), fold.left()),
                "2 · start from its state",
                side="left",
                seg=0,
            ),
            link(
                (e3.bottom(), (660, 336), fold.right()),
                "3 · read only the events",
                "after the snapshot",
                side="left",
                seg=0,
            ),
            Arrow((fold.bottom(), result.top())),
        ),
    )


def registry() -> Diagram:
    """05: stored rows of old shapes, an alias and the upcaster chain, to the current event."""
    c1 = Box(185, 62, 230, words("AccountCreated v1", "owner"))
    o1 = Box(185, 164, 230, words("AccountOpened v1", "owner"))
    d1 = Box(535, 62, 260, words("MoneyDeposited v1", "amount_eur: float euros"))
    o2 = Box(185, 290, 230, words("AccountOpened v2", "owner, initial_balance"))
    d2 = Box(535, 290, 260, words("MoneyDeposited v2", "amount_cents: int"))
    d3 = Box(535, 398, 260, words("MoneyDeposited v3", "amount: int"))
    build = Box(
        360, 499, 330, words("build the current event", "(fields it does not know are ignored)")
    )
    return Diagram(
        name="registry",
        notebook="05_schema_evolution.ipynb",
        cell="registry-md",
        title="The registry: an alias and the upcaster chains",
        description=(
            "Stored rows are never rewritten: AccountCreated v1 (owner), AccountOpened v1 (owner) "
            "and MoneyDeposited v1 (amount_eur, float euros). AccountCreated is an alias of "
            "AccountOpened: the same fact under an old name. opened_v1_to_v2 sets "
            "initial_balance = 0, giving AccountOpened v2. deposited_v1_to_v2 turns euros into "
            "cents via their decimal text times 100 (MoneyDeposited v2, amount_cents), and "
            "deposited_v2_to_v3 renames the field to amount (MoneyDeposited v3). Both current "
            "versions build the current event, ignoring fields it does not know."
        ),
        width=720,
        height=542,
        groups=(Group(8, 8, 704, 197, "stored rows: never rewritten"),),
        boxes=(c1, o1, d1, o2, d2, d3, build),
        arrows=(
            link((c1.bottom(), o1.top()), "alias: same fact, old name", side="right"),
            link(
                (o1.bottom(), o2.top()),
                code("opened_v1_to_v2"),
                "initial_balance = 0",
                side="right",
            ),
            link(
                (d1.bottom(), d2.top()),
                code("deposited_v1_to_v2"),
                "euros via their decimal text × 100",
            ),
            link(
                (d2.bottom(), d3.top()), code("deposited_v2_to_v3"), "rename to amount", side="left"
            ),
            Arrow((o2.bottom(), (185, 444), (260, 444), build.top(-100))),
            Arrow((d3.bottom(), (535, 444), (460, 444), build.top(100))),
        ),
    )
