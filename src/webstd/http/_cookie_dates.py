"""The date formats of cookie headers and cookie files, for ``webstd.http.cookiejar``.

Servers send Expires in many layouts, so ``http2time`` reads them leniently (the layouts the
stdlib has always accepted: RFC 1123, RFC 850, asctime, and loose "day month year [time] [zone]"
forms); ``iso2time`` reads the ISO 8601 layout of LWP cookie files. Both return POSIX seconds or
``None``. ``time2isoz`` and ``time2netscape`` write dates. Nothing here knows about cookies.
"""

from __future__ import annotations

import calendar
import datetime
import re
import time

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTHS_LOWER = [month.lower() for month in MONTHS]
EPOCH_YEAR = 1970
UTC_ZONES = {"GMT": None, "UTC": None, "UT": None, "Z": None}

# The exact RFC 1123 form, tried first because it is what nearly every server sends.
STRICT_DATE_RE = re.compile(
    r"^[SMTWF][a-z][a-z], (\d\d) ([JFMASOND][a-z][a-z]) (\d\d\d\d) (\d\d):(\d\d):(\d\d) GMT$",
    re.ASCII,
)
# A leading weekday name, full or abbreviated, which the loose forms ignore.
WEEKDAY_RE = re.compile(r"^(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat)[a-z]*,?\s*", re.IGNORECASE)
# Numeric zone offsets: "+0100", "-01:00", "1".
TIMEZONE_RE = re.compile(r"^([-+])?(\d\d?):?(\d\d)?$", re.ASCII)

_DATE_SEPARATOR = r"(?:\s+|[-/])"
# "09 Feb 1994 22:23:32 +0100 (CET)" and its relatives; every part after the year is optional.
# The zone may be a number or a word, except that an "am"/"pm" word is not a zone.
LOOSE_HTTP_DATE_RE = re.compile(
    rf"^(\d\d?){_DATE_SEPARATOR}(\w+){_DATE_SEPARATOR}(\d+)"
    r"(?:(?:\s+|:)(\d\d?):(\d\d)(?::(\d\d))?)?\s*"
    r"(?:([-+]?\d{2,4}|(?![APap][Mm]\b)[A-Za-z]+)\s*)?"
    r"(?:\(\w+\)\s*)?$",
    re.ASCII,
)
# "1994-02-03 14:15:29 -0100", "19940203T141529Z" and other ISO 8601 spellings.
ISO_DATE_RE = re.compile(
    r"^(\d{4})[-/]?(\d\d?)[-/]?(\d\d?)"
    r"(?:(?:\s+|[-:Tt])(\d\d?):?(\d\d)(?::?(\d\d(?:\.\d*)?))?)?\s*"
    r"(?:([-+]?\d\d?:?(:?\d\d)?|Z|z)\s*)?$",
    re.ASCII,
)


def timegm(tt: tuple) -> int | float:
    """POSIX seconds for a UTC time tuple (year, month, mday, hour, min, sec, ...)."""
    return calendar.timegm(tt)


def _timegm(tt: tuple) -> int | float | None:
    # Out-of-range fields mean the text was not a date; mday up to 31 in any month and hour
    # 24 are let through, carrying into the next month or day as calendar.timegm does.
    year, month, mday, hour, minute, sec = tt[:6]
    if (
        year >= EPOCH_YEAR
        and 1 <= month <= 12
        and 1 <= mday <= 31
        and 0 <= hour <= 24
        and 0 <= minute <= 59
        and 0 <= sec <= 61
    ):
        return timegm(tt)
    return None


def offset_from_tz_string(tz: str) -> int | None:
    """Seconds east of UTC for a zone name or numeric offset, or None if unknown."""
    if tz in UTC_ZONES:
        return 0
    match = TIMEZONE_RE.search(tz)
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    offset = 3600 * int(hours) + (60 * int(minutes) if minutes else 0)
    return -offset if sign == "-" else offset


def _seconds(text: str | None) -> int | float:
    if text is None:
        return 0
    # ISO seconds may carry a fraction (see docs/differences.md).
    return float(text) if "." in text else int(text)


def _str2time(day, mon, yr, hr, min, sec, tz):  # noqa: A002 (the stdlib's parameter names)
    year = int(yr)
    if year > datetime.MAXYEAR:
        return None
    if mon.lower() in MONTHS_LOWER:
        month = MONTHS_LOWER.index(mon.lower()) + 1
    else:
        try:
            month = int(mon)
        except ValueError:
            return None
        if not 1 <= month <= 12:
            return None
    if year < 1000:
        # A short year is the one nearest to the current year (within 50 years).
        this_year = time.localtime(time.time())[0]
        century_year = this_year % 100
        year += this_year - century_year
        if abs(century_year - int(yr)) > 50:
            year += 100 if century_year > int(yr) else -100
    t = _timegm((year, month, int(day), int(hr or 0), int(min or 0), _seconds(sec), tz))
    if t is None:
        return None
    offset = offset_from_tz_string((tz or "UTC").upper())
    if offset is None:
        return None
    return t - offset


def http2time(text: str) -> int | float | None:
    """POSIX seconds for an HTTP or cookie date in any of the usual layouts, or None."""
    match = STRICT_DATE_RE.search(text)
    if match:
        day, month, year, hour, minute, sec = match.groups()
        month_number = MONTHS_LOWER.index(month.lower()) + 1
        return _timegm((int(year), month_number, int(day), int(hour), int(minute), float(sec)))
    text = WEEKDAY_RE.sub("", text.lstrip(), 1)
    match = LOOSE_HTTP_DATE_RE.search(text)
    if match is None:
        return None
    return _str2time(*match.groups())


def iso2time(text: str) -> int | float | None:
    """POSIX seconds for an ISO 8601 date (as in LWP cookie files), or None."""
    match = ISO_DATE_RE.search(text.lstrip())
    if match is None:
        return None
    year, month, day, hour, minute, sec, tz, _ = match.groups()
    return _str2time(day, month, year, hour, minute, sec, tz)


def _utc(t: float | None) -> datetime.datetime:
    if t is None:
        return datetime.datetime.now(datetime.UTC)
    return datetime.datetime.fromtimestamp(t, datetime.UTC)


def time2isoz(t: float | None = None) -> str:
    """"YYYY-MM-DD hh:mm:ssZ" for POSIX seconds ``t`` (now if None)."""
    d = _utc(t)
    return (
        f"{d.year:04d}-{d.month:02d}-{d.day:02d} {d.hour:02d}:{d.minute:02d}:{d.second:02d}Z"
    )


def time2netscape(t: float | None = None) -> str:
    """"Wdy, DD-Mon-YYYY HH:MM:SS GMT" for POSIX seconds ``t`` (now if None)."""
    d = _utc(t)
    return (
        f"{DAYS[d.weekday()]}, {d.day:02d}-{MONTHS[d.month - 1]}-{d.year:04d} "
        f"{d.hour:02d}:{d.minute:02d}:{d.second:02d} GMT"
    )
