"""Normalization: turning what boards send into the fields of ``Posting``.

    html_to_text, sanitize_html      descriptions (also entity-escaped HTML)
    parse_salary, parse_period       salary ranges, currencies and periods; Salary.annual()
    parse_date                       ISO, date-only, epoch s / ms, RFC 822 -> aware UTC
    parse_deadline                   the same, but a date alone is the end of that day
    parse_employment_type            'FULL_TIME', 'Full Time', 'PRN' -> full-time ... per-diem
    parse_remote, parse_location     remote / hybrid / on-site; city / region / country
    canonical_region                 'Illinois' -> 'IL' (address parts as location text has them)
    residency_states, with_residency states a remote job is restricted to ('must reside in AZ')
    excluded_states                  states a job is not open to ('not open to residents of CA')
    decode_body                      response bytes -> text, whatever the charset says

Each name is imported from its module on first use, so a process that needs one of them (the
config layer reads employment types) loads no HTML parser (lxml), charset detector or date
parser it does not use.
"""

from importlib import import_module

#: Where each public name lives.
_PUBLIC = {
    "parse_date": "dates", "parse_deadline": "dates",
    "employment_types": "employment", "parse_employment_type": "employment",
    "decode_body": "encoding",
    "html_to_text": "html", "sanitize_html": "html",
    "canonical_region": "location", "parse_location": "location", "parse_remote": "location",
    "excluded_states": "residency", "residency_states": "residency",
    "with_residency": "residency",
    "Salary": "salary", "annualize": "salary", "parse_period": "salary", "parse_salary": "salary",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    """A public name, imported from its module on first use."""
    if name in _PUBLIC:
        value = getattr(import_module(f"{__name__}.{_PUBLIC[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, the public ones included before they are loaded."""
    return sorted(set(globals()) | set(_PUBLIC))
