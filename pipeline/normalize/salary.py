"""Salaries from numbers, strings, cents and free text into min / max / currency / period.

``parse_salary`` accepts a number, a numeric string, a ``(min, max)`` pair, or free text such as
"$25-$32/hr", "$85,000 - $95,000", "$120,000+", "USD 90k-110k per year", "£30,000" or "Negotiable"
(no number: everything None). ``parse_period`` maps the boards' period words and codes
("per-year-salary", "PA", "PH", "Per Hour", "1 YEAR", "monthly") to hour / day / week / month /
year. When the text names no period, a clearly annual figure (>= 15,000) is taken as per year and
a clearly hourly one (<= 200) as per hour; in between stays unknown. ``annualize`` gives the
yearly figure used for filtering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipeline.posting import ANNUAL_FACTOR

PERIOD_CODES = {  # USAJOBS RateIntervalCode and the like; PW is "piece work", not per week
    "pa": "year", "ph": "hour", "pd": "day", "pm": "month", "py": "year",
}
PERIOD_WORDS = (  # checked in order; first hit wins
    ("hour", r"hour|hourly|hr|hrs|wage|ph|/h"),
    ("day", r"day|daily|diem|pd"),
    ("week", r"week|weekly|wk|wks"),
    ("month", r"month|monthly|mo|mth|mnth"),
    ("year", r"year|yearly|annual|annually|annum|yr|yrs|pa|p\.a\.?|salary"),
)
_PERIOD_RES = [(name, re.compile(rf"(?<![a-z])(?:{words})(?![a-z])")) for name, words in
               PERIOD_WORDS]
CURRENCY_SIGNS = (("CA$", "CAD"), ("C$", "CAD"), ("A$", "AUD"), ("AU$", "AUD"), ("US$", "USD"),
                  ("$", "USD"), ("£", "GBP"), ("€", "EUR"), ("₹", "INR"), ("¥", "JPY"))
_CURRENCY_CODE = re.compile(r"\b(USD|EUR|GBP|CAD|AUD|NZD|CHF|INR|JPY|SEK|NOK|DKK|PLN|MXN|BRL)\b",
                            re.IGNORECASE)
_NUMBER = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*([kKmM](?![a-zA-Z]))?")
_OPEN_ENDED = re.compile(r"\d\s*[kKmM]?\s*\+|\b(?:from|starting at|min(?:imum)?)\b", re.I)
_UP_TO = re.compile(r"\b(?:up to|to|max(?:imum)?)\s*[^\d\s]{0,4}\s*\d", re.I)


@dataclass
class Salary:
    """A salary range; every part is None when the board gave none."""

    min: float | None = None
    max: float | None = None
    currency: str | None = None
    period: str | None = None

    def annual(self) -> tuple[float | None, float | None]:
        """The range per year (for filtering); (None, None) when the period is unknown."""
        return annualize(self.min, self.period), annualize(self.max, self.period)


def annualize(amount: float | None, period: str | None) -> float | None:
    """A salary per ``period`` as a yearly figure; None when either is unknown."""
    factor = ANNUAL_FACTOR.get(period or "")
    return None if amount is None or factor is None else amount * factor


def parse_period(value: str | None) -> str | None:
    """Board period words and codes ('per-hour-wage', 'PH', 'Per Year') -> hour...year."""
    if not value or not str(value).strip():
        return None
    text = str(value).strip().lower()
    if text in PERIOD_CODES:
        return PERIOD_CODES[text]
    if "bi-week" in text or "biweek" in text or "fortnight" in text:
        return None  # no per-two-weeks period in the posting model
    for name, pattern in _PERIOD_RES:
        if pattern.search(text.replace("_", " ").replace("-", " ")):
            return name
    return None


def parse_salary(value: Any, *, currency: str | None = None, period: str | None = None,
                 cents: bool = False) -> Salary:
    """A Salary from a number, numeric string, (min, max) pair or free text (see module doc)."""
    period = parse_period(period) if period else None
    if isinstance(value, (list, tuple)) and len(value) == 2:
        low, high = (_number(v, cents) for v in value)
        return _finish(low, high, currency, period)
    if isinstance(value, bool) or value is None:
        return Salary()
    if isinstance(value, (int, float)):
        amount = _number(value, cents)
        return _finish(amount, amount, currency, period)
    return _parse_text(str(value), currency, period, cents)


def _parse_text(text: str, currency: str | None, period: str | None, cents: bool) -> Salary:
    """Free text: currency sign or code, one or two numbers with k/m suffixes, period words."""
    amounts = _amounts(text)
    if not amounts:
        return Salary()
    if cents:
        amounts = [a / 100 for a in amounts]
    currency = _currency(text) or currency
    period = parse_period(_after_numbers(text)) or parse_period(text) or period
    if len(amounts) >= 2:
        low, high = min(amounts[:2]), max(amounts[:2])
    elif _OPEN_ENDED.search(text):
        low, high = amounts[0], None
    elif _UP_TO.search(text):
        low, high = None, amounts[0]
    else:
        low = high = amounts[0]
    return _finish(low, high, currency, period)


def _amounts(text: str) -> list[float]:
    """The numbers in ``text`` with k / m applied; '90-110k' applies the k to both."""
    found = []
    for digits, suffix in _NUMBER.findall(text):
        number = float(digits.replace(",", ""))
        factor = {"k": 1_000, "m": 1_000_000}.get(suffix.lower(), 1) if suffix else 1
        found.append((number, factor))
    if len(found) >= 2 and found[0][1] == 1 and found[1][1] > 1 and found[0][0] < 1000:
        found[0] = (found[0][0], found[1][1])
    return [number * factor for number, factor in found]


def _after_numbers(text: str) -> str:
    """The text after the last number, where '/hr' or 'per year' usually sits."""
    matches = list(_NUMBER.finditer(text))
    return text[matches[-1].end():] if matches else text


def _currency(text: str) -> str | None:
    """ISO code from a currency code or sign in the text."""
    code = _CURRENCY_CODE.search(text)
    if code:
        return code.group(1).upper()
    for sign, iso in CURRENCY_SIGNS:
        if sign in text:
            return iso
    return None


def _number(value: Any, cents: bool) -> float | None:
    """A number from an int, float or numeric string ('85,000.00'); None for blanks or zero."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        amounts = _amounts(value)
        if not amounts:
            return None
        number = amounts[0]
    else:
        number = float(value)
    if number <= 0:
        return None  # boards write 0 for "not given"
    return number / 100 if cents else number


def _finish(low: float | None, high: float | None, currency: str | None,
            period: str | None) -> Salary:
    """Order the range, infer an obvious period, and upper-case the currency."""
    if low is None and high is None:
        return Salary()
    if low is not None and high is not None and low > high:
        low, high = high, low
    if period is None:
        period = _infer_period(low if low is not None else high)
    return Salary(low, high, currency.upper() if currency else None, period)


def _infer_period(amount: float | None) -> str | None:
    """Year for clearly annual figures, hour for clearly hourly ones, else unknown."""
    if amount is None:
        return None
    if amount >= 15_000:
        return "year"
    if amount <= 200:
        return "hour"
    return None
