"""Model: time zones as people write them (`Pacific Time`, `ET`, `Central European Time (CET)`,
`Japan`) read as IANA zones. An abbreviation that names several zones (`IST`, `CST`) is refused
with its candidates: guessing would put a meeting hours off."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Common written forms -> IANA zone. Keys are lower case with single spaces; a name and its
# abbreviation in brackets (`MST (Mountain Time)`) are each looked up here.
WRITTEN = {
    "utc": "UTC", "gmt": "UTC", "z": "UTC", "zulu": "UTC", "coordinated universal time": "UTC",
    "greenwich mean time": "UTC", "universal time": "UTC",
    # North America: the zone names cover standard and daylight time alike.
    "pacific": "America/Los_Angeles", "pacific time": "America/Los_Angeles", "pt": "America/Los_Angeles",
    "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "pacific standard time": "America/Los_Angeles",
    "pacific daylight time": "America/Los_Angeles", "us pacific": "America/Los_Angeles",
    "mountain": "America/Denver", "mountain time": "America/Denver", "mt": "America/Denver",
    "mst": "America/Denver", "mdt": "America/Denver", "mountain standard time": "America/Denver",
    "mountain daylight time": "America/Denver", "us mountain": "America/Denver",
    "central time": "America/Chicago", "ct": "America/Chicago", "cdt": "America/Chicago",
    "central standard time": "America/Chicago", "central daylight time": "America/Chicago",
    "us central": "America/Chicago",
    "eastern": "America/New_York", "eastern time": "America/New_York", "et": "America/New_York",
    "est": "America/New_York", "edt": "America/New_York", "eastern standard time": "America/New_York",
    "eastern daylight time": "America/New_York", "us eastern": "America/New_York",
    "alaska time": "America/Anchorage", "akst": "America/Anchorage", "hawaii time": "Pacific/Honolulu",
    "hst": "Pacific/Honolulu", "atlantic time": "America/Halifax",
    # Europe
    "central european time": "Europe/Berlin", "cet": "Europe/Berlin", "cest": "Europe/Berlin",
    "central european summer time": "Europe/Berlin",
    "western european time": "Europe/Lisbon", "wet": "Europe/Lisbon", "west": "Europe/Lisbon",
    "eastern european time": "Europe/Helsinki", "eet": "Europe/Helsinki", "eest": "Europe/Helsinki",
    "british time": "Europe/London", "uk time": "Europe/London", "bst": "Europe/London",
    "british summer time": "Europe/London", "london time": "Europe/London",
    "moscow time": "Europe/Moscow", "msk": "Europe/Moscow",
    # Asia and the Pacific
    "india standard time": "Asia/Kolkata", "japan standard time": "Asia/Tokyo", "jst": "Asia/Tokyo",
    "korea standard time": "Asia/Seoul", "kst": "Asia/Seoul", "china standard time": "Asia/Shanghai",
    "hong kong time": "Asia/Hong_Kong", "hkt": "Asia/Hong_Kong", "singapore time": "Asia/Singapore",
    "sgt": "Asia/Singapore", "australian eastern time": "Australia/Sydney", "aest": "Australia/Sydney",
    "aedt": "Australia/Sydney", "new zealand time": "Pacific/Auckland", "nzst": "Pacific/Auckland",
    "nzdt": "Pacific/Auckland",
    # Countries (and a few regions) with one zone
    "japan": "Asia/Tokyo", "india": "Asia/Kolkata", "china": "Asia/Shanghai", "south korea": "Asia/Seoul",
    "korea": "Asia/Seoul", "singapore": "Asia/Singapore", "germany": "Europe/Berlin", "france": "Europe/Paris",
    "netherlands": "Europe/Amsterdam", "the netherlands": "Europe/Amsterdam", "belgium": "Europe/Brussels",
    "switzerland": "Europe/Zurich", "austria": "Europe/Vienna", "italy": "Europe/Rome", "poland": "Europe/Warsaw",
    "sweden": "Europe/Stockholm", "norway": "Europe/Oslo", "denmark": "Europe/Copenhagen",
    "finland": "Europe/Helsinki", "ireland": "Europe/Dublin", "united kingdom": "Europe/London",
    "uk": "Europe/London", "great britain": "Europe/London", "israel": "Asia/Jerusalem",
    "greece": "Europe/Athens", "czechia": "Europe/Prague", "czech republic": "Europe/Prague",
    "hungary": "Europe/Budapest", "romania": "Europe/Bucharest", "ukraine": "Europe/Kyiv",
    "turkey": "Europe/Istanbul", "türkiye": "Europe/Istanbul", "south africa": "Africa/Johannesburg",
    "nigeria": "Africa/Lagos", "kenya": "Africa/Nairobi", "egypt": "Africa/Cairo",
    "new zealand": "Pacific/Auckland", "philippines": "Asia/Manila", "vietnam": "Asia/Ho_Chi_Minh",
    "thailand": "Asia/Bangkok", "pakistan": "Asia/Karachi", "bangladesh": "Asia/Dhaka",
    "taiwan": "Asia/Taipei", "hong kong": "Asia/Hong_Kong", "colombia": "America/Bogota",
    "peru": "America/Lima", "argentina": "America/Argentina/Buenos_Aires", "uruguay": "America/Montevideo",
    "iceland": "Atlantic/Reykjavik", "united arab emirates": "Asia/Dubai", "uae": "Asia/Dubai",
    "saudi arabia": "Asia/Riyadh", "qatar": "Asia/Qatar",
}
# Abbreviations and names that stand for several zones: an error listing them.
AMBIGUOUS = {
    "ist": ("Asia/Kolkata (India)", "Europe/Dublin (Ireland)", "Asia/Jerusalem (Israel)"),
    "cst": ("America/Chicago (US Central)", "Asia/Shanghai (China)", "America/Havana (Cuba)"),
    "central": ("America/Chicago (US Central)", "Europe/Berlin (Central European)"),
    "ast": ("America/Halifax (Atlantic)", "Asia/Riyadh (Arabia)"),
    "ect": ("America/Guayaquil (Ecuador)", "Europe/Paris (European Central, old Java name)"),
    "sst": ("Pacific/Pago_Pago (Samoa)", "Asia/Singapore (Singapore)"),
    "australia": ("Australia/Sydney", "Australia/Brisbane", "Australia/Adelaide", "Australia/Darwin",
                  "Australia/Perth"),
    "united states": ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"),
    "usa": ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"),
    "us": ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"),
    "canada": ("America/Toronto", "America/Winnipeg", "America/Edmonton", "America/Vancouver"),
    "brazil": ("America/Sao_Paulo", "America/Manaus", "America/Noronha"),
    "mexico": ("America/Mexico_City", "America/Tijuana", "America/Cancun"),
    "russia": ("Europe/Moscow", "Asia/Yekaterinburg", "Asia/Novosibirsk", "Asia/Vladivostok"),
    "indonesia": ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"),
    "spain": ("Europe/Madrid", "Atlantic/Canary"),
    "portugal": ("Europe/Lisbon", "Atlantic/Azores"),
}
_OFFSET = re.compile(r"^(?:utc|gmt)\s*([+-])\s*([0-9]{1,2})(?::?([0-9]{2}))?$")


class ZoneError(ValueError):
    """A zone not understood; `candidates` lists the zones an ambiguous one may mean."""

    def __init__(self, message: str, candidates: tuple[str, ...] = ()):
        super().__init__(message)
        self.candidates = candidates


class Zone(str):
    """An IANA zone name (the string itself) remembering how the handbook wrote it."""

    written: str

    def __new__(cls, name: str, written: str | None = None) -> "Zone":
        zone = super().__new__(cls, name)
        zone.written = written or name
        return zone

    @property
    def understood(self) -> str:
        """What to say on a page: the name, and how it was written where that differs."""
        return str(self) if self.written == str(self) else f"{self} (written “{self.written}”)"


def _iana(name: str) -> str | None:
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]+", name):
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def _one(words: str) -> str | None:
    """The zone one written form names, or None; raises for an ambiguous one."""
    key = " ".join(words.lower().replace(".", "").split())
    if key in AMBIGUOUS:
        raise ZoneError(f"'{words}' may mean several time zones", AMBIGUOUS[key])
    if key in WRITTEN:
        return WRITTEN[key]
    offset = _OFFSET.match(key)
    if offset:
        sign, hours, minutes = offset.groups()
        if minutes in (None, "00") and int(hours) <= 14:
            # POSIX Etc/ zones have the sign reversed: UTC+2 is Etc/GMT-2.
            return "UTC" if int(hours) == 0 else f"Etc/GMT{'-' if sign == '+' else '+'}{int(hours)}"
        return None
    return _iana(words.strip()) or _iana(words.strip().replace(" ", "_"))


def read_zone(text: str) -> Zone:
    """`text` as an IANA zone. Accepts IANA names, the forms in WRITTEN, `UTC+2`, and a name with
    an abbreviation in brackets either way round; raises ZoneError otherwise."""
    written = " ".join(text.split())
    bracket = re.fullmatch(r"(.*?)\s*\(([^()]*)\)", written) or re.fullmatch(r"\(([^()]*)\)\s*(.*)", written)
    parts = [bracket.group(1), bracket.group(2)] if bracket else [written]
    found = [z for z in (_one(p) for p in parts if p.strip())]
    if bracket and None not in found and len(set(found)) > 1:
        # `MST (Mountain Time)`: both halves must agree; else say what each means.
        raise ZoneError(f"'{written}' names two different time zones", tuple(sorted(set(found))))
    zone = next((z for z in found if z), None)
    if zone is None:
        raise ZoneError(f"unknown time zone '{written}'")
    return Zone(zone, written)
