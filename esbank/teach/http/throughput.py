"""Group commit measured: commands per second against concurrent clients, both ways.

:func:`measure_throughput` serves the same app twice over a DuckDB file (group commit on,
then one commit per request) and, for each number of clients, lets that many clients send
deposits at once, in this process through httpx (no network: what is measured is the API and
the store). :func:`plot_throughput` draws the result. The numbers are timings: they change
from run to run and from machine to machine; the shape does not.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from esbank.api import LocalClient, create_app
from esbank.domain.arguments import require_int
from esbank.eventstore.duckdb_store import DuckDBEventStore
from esbank.teach.charts import new_figure, thousands

COLUMNS = ["mode", "clients", "commands", "seconds", "commands_per_s", "mean_group"]
MODES = {True: "group commit", False: "one commit per request"}


async def _burst(client: httpx.AsyncClient, accounts: list[str], each: int) -> None:
    """Every client deposits ``each`` times into its own account, all clients at once."""

    async def one_client(account: str) -> None:
        for _ in range(each):
            r = await client.post("/commands/deposit", json={"account_id": account, "amount": 1})
            r.raise_for_status()

    await asyncio.gather(*(one_client(account) for account in accounts))


def _point(folder: Path, group_commit: bool, clients: int, commands: int) -> tuple[object, ...]:
    store = DuckDBEventStore(folder / f"{int(group_commit)}-{clients}.duckdb")
    app = create_app(store, group_commit=group_commit)
    try:
        with LocalClient(app) as local:
            body = {"owner": "Ada", "initial_balance": 0}
            accounts = [
                local.post("/commands/open-account", json=body).json()["account_id"]
                for _ in range(clients)
            ]
            each = max(1, commands // clients)
            start = time.perf_counter()
            local.run(_burst(local.client, accounts, each))
            seconds = time.perf_counter() - start
        committer = app.state.esbank.committer
        mean = committer.stats.mean_group if committer is not None else 1.0
        if committer is not None:
            committer.close()
        done = each * clients
        return (MODES[group_commit], clients, done, seconds, done / seconds, mean)
    finally:
        store.close()


def measure_throughput(
    clients: Sequence[int] = (1, 2, 4, 8, 16, 32), *, commands: int = 192
) -> pd.DataFrame:
    """Deposits per second for each number of concurrent ``clients``, with and without group
    commit (about ``commands`` deposits per point, each client on its own account, so what
    differs is the commits, not conflicts; a fresh DuckDB file each)."""
    require_int("commands", commands, minimum=1)
    rows = []
    with tempfile.TemporaryDirectory(prefix="esbank-throughput-") as folder:
        for n in clients:
            require_int("clients", n, minimum=1, maximum=256)
            for group_commit in (True, False):
                rows.append(_point(Path(folder), group_commit, n, commands))
    return pd.DataFrame(rows, columns=COLUMNS)


def plot_throughput(frame: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Commands per second against concurrent clients, one line per mode; the title states
    the ratio at the most clients."""
    fig, ax = new_figure(ax)
    for mode, marker in zip(MODES.values(), ("o", "s"), strict=True):
        rows = frame[frame["mode"] == mode].sort_values("clients")
        ax.plot(rows["clients"], rows["commands_per_s"], marker=marker, label=mode)
    most = frame["clients"].max()
    at_most = frame[frame["clients"] == most].set_index("mode")["commands_per_s"]
    ratio = at_most[MODES[True]] / at_most[MODES[False]]
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(frame["clients"].unique()))
    ax.get_xaxis().set_major_formatter(thousands())
    ax.yaxis.set_major_formatter(thousands())
    ax.set_ylim(bottom=0)
    ax.set_xlabel("concurrent clients")
    ax.set_ylabel("commands per second")
    ax.set_title(
        f"With {most} clients, group commit handles {ratio:.1f}× the commands per second",
        fontsize=10,
    )
    ax.grid(alpha=0.3)
    ax.legend()
    return fig
