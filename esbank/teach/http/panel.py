"""The request panel of notebook 10: build a request by hand, send it to the app in this
process, and read the status, the content type and the body that come back.

The amount is typed as raw JSON and goes into the body as typed, so ``12.5``, ``true``,
``"5"`` or ``1e3`` reach the server exactly as a careless client would send them.
:func:`build_request` and the ``*_html`` renderers are pure; the panel only wires widgets to
them and to a :class:`~esbank.api.LocalClient`.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx
import ipywidgets as widgets

from esbank.api import LocalClient
from esbank.teach import ui

PANEL_CLASS = "esbank-http"
STYLE = ui.table_style(PANEL_CLASS, extra=ui.OUTCOME_CSS)
ROUTES = (
    "POST /commands/open-account",
    "POST /commands/deposit",
    "POST /commands/withdraw",
    "POST /commands/close-account",
    "GET /accounts/{id}",
    "GET /accounts/{id}/events",
    "GET /accounts/{id}/state",
)
HISTORY_COLUMNS = ["#", "request", "status", "answer"]


@dataclass(frozen=True)
class Request:
    """A request as the panel sends it: method, path, raw body (or None) and headers."""

    method: str
    path: str
    body: str | None
    headers: dict[str, str]

    def line(self) -> str:
        """``POST /commands/deposit {"account_id": …}`` on one line."""
        return f"{self.method} {self.path}" + (f" {self.body}" if self.body else "")


def build_request(
    route: str, account: str, amount: str, expected_version: str = "", key: str = ""
) -> Request:
    """The request for ``route`` (one of ``ROUTES``); ``amount`` and ``expected_version``
    are raw JSON text, put into the body as typed (empty: left out)."""
    method, template = route.split(" ", 1)
    path = template.replace("{id}", account.strip())
    headers = {"Idempotency-Key": key} if key else {}
    if method == "GET":
        return Request(method, path, None, headers)
    fields: list[tuple[str, str]] = []
    if path.endswith("open-account"):
        fields += [("owner", json.dumps("Ada")), ("initial_balance", amount.strip())]
    else:
        fields.append(("account_id", json.dumps(account.strip())))
        if path.endswith(("deposit", "withdraw")):
            fields.append(("amount", amount.strip()))
    if expected_version.strip():
        fields.append(("expected_version", expected_version.strip()))
    body = "{" + ", ".join(f'"{name}": {value}' for name, value in fields) + "}"
    return Request(method, path, body, {**headers, "content-type": "application/json"})


def answer_text(response: httpx.Response) -> str:
    """A short summary of a response: the problem's type, or the fields that matter."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:80]
    if response.status_code >= 400:
        return str(body.get("type", ""))
    if "new_version" in body:
        return f"version {body['new_version']}, position {body['position']}"
    if "balance" in body:
        stale = ", stale" if body.get("stale") else ""
        return f"balance {body['balance']}, version {body['version']}{stale}"
    return f"{len(body.get('events', []))} event(s)"


def response_html(request: Request, response: httpx.Response) -> str:
    """The exchange: the request line, then status, content type and the pretty body."""
    try:
        shown = json.dumps(response.json(), indent=2, ensure_ascii=False)
    except ValueError:
        shown = response.text
    outcome = "accepted" if response.status_code < 400 else "rejected"
    status = f"{response.status_code} {response.reason_phrase}"
    return (
        f'<div class="{PANEL_CLASS}-exchange"><code>{html.escape(request.line())}</code>'
        + ui.message(PANEL_CLASS, f"<b>{html.escape(status)}</b> · "
                     f"{html.escape(response.headers.get('content-type', ''))}", outcome=outcome)
        + f"<pre>{html.escape(shown)}</pre></div>"
    )  # fmt: skip


def history_html(rows: list[tuple[int, str, int, str]]) -> str:
    """Every request sent from the panel, newest last."""
    if not rows:
        return f'<div class="{PANEL_CLASS}-history">No request sent yet.</div>'
    css = ["esbank-accepted" if status < 400 else "esbank-rejected" for _, _, status, _ in rows]
    table = ui.table(HISTORY_COLUMNS, rows, row_css=css)
    return f'<div class="{PANEL_CLASS}-history"><b>Requests sent</b>{table}</div>'


@dataclass(eq=False, repr=False)
class HttpPanel(ui.Shell):
    """The widgets of one request panel; display it (or ``.widget``)."""

    label: ClassVar[str] = "Request panel"

    client: LocalClient
    route: widgets.Dropdown
    account: widgets.Text
    amount: widgets.Text
    expected_version: widgets.Text
    key: widgets.Text
    send: widgets.Button
    exchange: widgets.HTML
    history: widgets.HTML
    widget: widgets.VBox
    sent: list[tuple[int, str, int, str]] = field(default_factory=list)
    last: httpx.Response | None = None

    def request(self) -> Request:
        """The request the controls describe now."""
        return build_request(
            self.route.value, self.account.value, self.amount.value,
            self.expected_version.value, self.key.value,
        )  # fmt: skip

    def submit(self) -> httpx.Response | None:
        """Send the request and show the exchange (what the button does); None when the
        controls do not make a request httpx can send (the message line says why)."""
        request = self.request()
        try:
            response = self.client.request(
                request.method,
                request.path,
                content=request.body.encode() if request.body is not None else None,
                headers=request.headers,
            )
        except (httpx.HTTPError, ValueError, UnicodeEncodeError) as error:
            reason = f"not sent: {type(error).__name__}: {error}"
            self.exchange.value = ui.refusal(PANEL_CLASS, "Request", reason)
            return None
        self.last = response
        self.sent.append((len(self.sent) + 1, request.line(), response.status_code,
                          answer_text(response)))  # fmt: skip
        self.exchange.value = response_html(request, response)
        self.history.value = history_html(self.sent)
        return response

    def snapshot_html(self) -> str:
        """The panel's last exchange and its history, frozen as static HTML."""
        return ui.snapshot(PANEL_CLASS, STYLE, self.exchange.value, self.history.value)


def _text(name: str, description: str, value: str, placeholder: str) -> widgets.Text:
    return ui.classed(PANEL_CLASS, name, widgets.Text(
        value=value, description=description, placeholder=placeholder,
        style={"description_width": "11em"}, layout=widgets.Layout(width="38em"),
    ))  # fmt: skip


def http_panel(client: LocalClient, account: str = "", *, amount: str = "500") -> HttpPanel:
    """Build the panel over ``client`` (a ``LocalClient`` of the app), with ``account``
    filled in."""
    route = ui.classed(PANEL_CLASS, "route", widgets.Dropdown(
        options=ROUTES, value="POST /commands/deposit", description="route",
        style={"description_width": "11em"}, layout=widgets.Layout(width="38em"),
    ))  # fmt: skip
    controls: dict[str, Any] = {
        "account": _text("account", "account id", account, "a UUID"),
        "amount": _text("amount", "amount (raw JSON)", amount, "cents, e.g. 500"),
        "expected_version": _text("expected-version", "expected_version", "", "blank: none"),
        "key": _text("key", "Idempotency-Key", "", "blank: none"),
    }
    send = ui.button(PANEL_CLASS, "send", "Send request",
                     "Send the request to the app and show the answer", "primary")  # fmt: skip
    exchange = ui.classed(PANEL_CLASS, "exchange", widgets.HTML())
    history = ui.classed(PANEL_CLASS, "history", widgets.HTML(history_html([])))
    box = ui.root(PANEL_CLASS, [route, *controls.values(), send, exchange, history], css=STYLE)
    panel = HttpPanel(client, route, **controls, send=send, exchange=exchange,
                      history=history, widget=box)  # fmt: skip
    send.on_click(lambda _button: panel.submit())
    return panel
