"""Lookup tables for locations: US states, Canadian provinces, and the countries boards name.

Kept small on purpose: the audience looks for work in the US, Canada, the UK and a few other
English-speaking countries; any other country name is kept as written.
"""

from __future__ import annotations

US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa",
    "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi",
    "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire",
    "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "DC": "District of Columbia",
    "PR": "Puerto Rico",
}
CA_PROVINCES = {
    "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "ON": "Ontario",
    "PE": "Prince Edward Island", "QC": "Quebec", "SK": "Saskatchewan",
}
COUNTRIES = {  # lower-cased name or code -> ISO 3166 alpha-2
    "us": "US", "usa": "US", "u.s.": "US", "u.s.a.": "US", "united states": "US",
    "united states of america": "US", "america": "US",
    "uk": "GB", "u.k.": "GB", "gb": "GB", "united kingdom": "GB", "great britain": "GB",
    "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "canada": "CA", "can": "CA", "australia": "AU", "aus": "AU", "new zealand": "NZ", "nz": "NZ",
    "ireland": "IE", "germany": "DE", "deutschland": "DE", "france": "FR", "netherlands": "NL",
    "spain": "ES", "italy": "IT", "portugal": "PT", "poland": "PL", "sweden": "SE",
    "india": "IN", "mexico": "MX", "brazil": "BR", "philippines": "PH", "singapore": "SG",
    "japan": "JP", "south africa": "ZA", "israel": "IL", "switzerland": "CH", "austria": "AT",
    "belgium": "BE", "denmark": "DK", "norway": "NO", "finland": "FI", "argentina": "AR",
    "colombia": "CO", "puerto rico": "PR",
}
_STATE_NAMES = {name.lower(): code for code, name in US_STATES.items()}
_PROVINCE_NAMES = {name.lower(): code for code, name in CA_PROVINCES.items()}


def country_code(text: str) -> str | None:
    """ISO alpha-2 code of a country name or code ('USA', 'United Kingdom', 'UK'), else None."""
    key = text.strip().lower()
    return COUNTRIES.get(key) or COUNTRIES.get(key.rstrip("."))


def region_of(text: str) -> tuple[str, str] | None:
    """(region code, country) of a US state or Canadian province, by code or name; else None."""
    key = text.strip()
    if len(key) == 2 and key.upper() in US_STATES:
        return key.upper(), "US"
    if key.lower() in _STATE_NAMES:
        return _STATE_NAMES[key.lower()], "US"
    if len(key) == 2 and key.isupper() and key in CA_PROVINCES:
        return key.upper(), "CA"
    if key.lower() in _PROVINCE_NAMES:
        return _PROVINCE_NAMES[key.lower()], "CA"
    return None
