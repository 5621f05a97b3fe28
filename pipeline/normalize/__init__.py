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
"""

from pipeline.normalize.dates import parse_date, parse_deadline
from pipeline.normalize.employment import employment_types, parse_employment_type
from pipeline.normalize.encoding import decode_body
from pipeline.normalize.html import html_to_text, sanitize_html
from pipeline.normalize.location import canonical_region, parse_location, parse_remote
from pipeline.normalize.residency import excluded_states, residency_states, with_residency
from pipeline.normalize.salary import Salary, annualize, parse_period, parse_salary

__all__ = [
    "Salary", "annualize", "canonical_region", "decode_body", "employment_types",
    "excluded_states", "html_to_text", "parse_date", "parse_deadline", "parse_employment_type",
    "parse_location", "parse_period", "parse_remote", "parse_salary", "residency_states",
    "sanitize_html", "with_residency",
]
