"""Notebook 11, exercise 1: an idempotent consumer (one solution).

The consumer remembers the id of every event it has processed. An event whose id it has seen
is a redelivery and changes nothing; a new one is remembered, then counted if it is a deposit.
The event id is the one key that names *this* event everywhere: an amount repeats, a position
is unique in one log only, an account has many events.
"""


def receive(event, seen, totals):
    if event.event_id in seen:
        return  # delivered again: already counted
    seen.add(event.event_id)
    if event.event_type == "MoneyDeposited":
        totals[event.aggregate_id] = totals.get(event.aggregate_id, 0) + event.event.amount
