"""Notebook 11, beyond one aggregate: the world outside the store (a broker and a consumer),
the dual write, relays with three delivery guarantees, transfers watched step by step and
crashed at every step, the trace chart, the transfer panel and the idempotent-consumer check."""

from esbank.teach.beyond import checks
from esbank.teach.beyond.chart import plot_transfer_trace, trace_title
from esbank.teach.beyond.delivery import MODES, compare_guarantees, relay, relay_batch
from esbank.teach.beyond.outside import (
    Crash,
    Message,
    Outside,
    change,
    publish_then_write,
    write_then_publish,
)
from esbank.teach.beyond.panel import TransferPanel, transfer_panel
from esbank.teach.beyond.process import (
    ACCOUNTS,
    ADA,
    BO,
    CY,
    MANAGER,
    NOBODY,
    TRANSFER,
    crash_and_resume,
    crash_matrix,
    crash_once,
    log_rows,
    money,
    money_line,
    one_transaction_transfer,
    started,
    trace_transfer,
    transfer_bank,
)

__all__ = [
    "ACCOUNTS",
    "ADA",
    "BO",
    "CY",
    "MANAGER",
    "MODES",
    "NOBODY",
    "TRANSFER",
    "Crash",
    "Message",
    "Outside",
    "TransferPanel",
    "change",
    "checks",
    "compare_guarantees",
    "crash_and_resume",
    "crash_matrix",
    "crash_once",
    "log_rows",
    "money",
    "money_line",
    "one_transaction_transfer",
    "plot_transfer_trace",
    "publish_then_write",
    "relay",
    "relay_batch",
    "started",
    "trace_title",
    "trace_transfer",
    "transfer_bank",
    "transfer_panel",
    "write_then_publish",
]
