"""Money is an ``int`` number of minor units (cents) that fits in a signed 64-bit integer."""

from __future__ import annotations

import re
from typing import Any

from esbank.domain.errors import InvalidAmount, InvalidCommand

INT64_MAX = 2**63 - 1
OWNER_MAX_LENGTH = 200


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def require_amount(value: Any, field: str = "amount") -> int:
    """Return ``value`` if it is an int in ``1..INT64_MAX``, else raise InvalidAmount."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmount(
            f"{field} must be an int number of cents, got {_describe(value)}; "
            "write 12.34 as 1234 (floats, bools, strings and Decimals are refused)"
        )
    if value <= 0:
        raise InvalidAmount(f"{field} must be positive, got {value} cents; use a value above 0")
    if value > INT64_MAX:
        raise InvalidAmount(
            f"{field} must be at most {INT64_MAX} cents (the int64 limit), got {value}"
        )
    return value


def require_balance(value: Any, field: str = "initial_balance") -> int:
    """Return ``value`` if it is an int in ``0..INT64_MAX``, else raise InvalidAmount."""
    if isinstance(value, int) and not isinstance(value, bool) and value == 0:
        return 0
    try:
        return require_amount(value, field)
    except InvalidAmount:
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            raise InvalidAmount(
                f"{field} must be zero or more, got {value} cents; an account never starts in debt"
            ) from None
        raise


def require_owner(value: Any) -> str:
    """Return the trimmed owner name, or raise InvalidCommand if it is not 1..200 characters."""
    if not isinstance(value, str):
        raise InvalidCommand(f"owner must be a str, got {_describe(value)}")
    owner = value.strip()
    if not owner:
        raise InvalidCommand("owner must not be empty or only spaces; give the holder's name")
    if len(owner) > OWNER_MAX_LENGTH:
        raise InvalidCommand(
            f"owner must be at most {OWNER_MAX_LENGTH} characters after trimming, "
            f"got {len(owner)}; shorten the name"
        )
    try:
        owner.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidCommand(
            f"owner must be text, but character {exc.start} is a lone surrogate "
            f"({owner[exc.start]!r}), half of a UTF-16 pair that no database stores; "
            "check how the name was decoded"
        ) from None
    return owner


_WHOLE = re.compile(r"-?[0-9]+(?:_[0-9]+)*")  # digits, as Python writes them (1_250)
_DECIMAL = re.compile(r"-?[0-9]*[.,][0-9]*")
_GROUPED = re.compile(r"-?[0-9]{1,3}(?:,[0-9]{3})+")  # 1,250: a thousands separator, maybe


def parse_cents(text: Any, field: str = "amount") -> int:
    """The whole number of cents typed as ``text`` (``"1250"``, ``" 1_250 "``), or
    ``InvalidAmount`` saying what was typed instead: a decimal, letters, nothing at all.

    Only the form is checked here (the range is the command's to check), so ``"-5"`` and
    ``"0"`` come back as ints for the rules to refuse in their own words.
    """
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    if not isinstance(text, str):
        return require_amount(text, field)  # refuses it, naming the type
    typed = text.strip()
    if not typed:
        raise InvalidAmount(f"{field} is empty: type a whole number of cents, e.g. 1250")
    if _WHOLE.fullmatch(typed):
        return int(typed.replace("_", ""))
    if _GROUPED.fullmatch(typed):
        raise InvalidAmount(
            f"{field} must be a whole number of cents typed as digits only, got {typed!r}: "
            "without separators (1250 cents are 12.50 euros; 125000 cents are 1,250.00 euros)"
        )
    if _DECIMAL.fullmatch(typed):
        raise InvalidAmount(
            f"{field} must be a whole number of cents, got {typed!r} (a decimal); money is "
            "counted in cents here: write 12.50 euros as 1250 (floats are refused)"
        )
    raise InvalidAmount(
        f"{field} must be a whole number of cents, got {typed!r}; type digits only, e.g. 1250"
    )


def format_cents(cents: int) -> str:
    """Format cents for display at the edge, e.g. ``123456 -> '1,234.56'``."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{part:02d}"
