"""Notebook 10, the command API: the note's two handlers and their HTTP bugs, the status
table with a live request per row, a transport that loses responses, group commit measured,
the request panel, and the status-code check."""

from esbank.teach.http import checks
from esbank.teach.http.lost_response import LostResponses
from esbank.teach.http.note_handlers import OutageStore, go_style_app, rust_style_app
from esbank.teach.http.panel import HttpPanel, build_request, http_panel
from esbank.teach.http.status_table import live_status_table
from esbank.teach.http.throughput import measure_throughput, plot_throughput

__all__ = [
    "HttpPanel",
    "LostResponses",
    "OutageStore",
    "build_request",
    "checks",
    "go_style_app",
    "http_panel",
    "live_status_table",
    "measure_throughput",
    "plot_throughput",
    "rust_style_app",
]
