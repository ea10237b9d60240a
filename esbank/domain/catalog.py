"""Every event type the log stores: the account's and the transfer's."""

from __future__ import annotations

from esbank.domain.events import EVENT_TYPES, Event
from esbank.domain.transfer import TRANSFER_EVENT_TYPES, TransferEvent

StoredEvent = Event | TransferEvent
STORED_EVENT_TYPES: tuple[type[StoredEvent], ...] = (*EVENT_TYPES, *TRANSFER_EVENT_TYPES)
