"""HTTP-date formatting and parsing (RFC 9110 section 5.6.7), shared by cookies, cookiejar, server.

Two functions and nothing else:

- ``format_http_date(ts)`` writes the preferred IMF-fixdate form for a POSIX timestamp
  (``None`` means now).
- ``parse_http_date(s)`` reads any of the three forms a recipient must accept -- IMF-fixdate,
  the obsolete RFC 850 form and ANSI C's asctime() form -- and returns a POSIX timestamp, or
  ``None`` when the text is not an HTTP-date. Parsing is strict: no other layouts, no time
  zones other than GMT, and the fields must name a real calendar time.

This module knows nothing about headers or cookies; the lenient cookie-date algorithms live
with the cookie code.
"""

from __future__ import annotations

import calendar
import re
import time

__all__ = ["format_http_date", "parse_http_date"]

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LONG_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_DAY = "|".join(DAY_NAMES)
_LONG_DAY = "|".join(LONG_DAY_NAMES)
_MONTH = "|".join(MONTH_NAMES)
_TIME = r"(?P<hour>\d\d):(?P<minute>\d\d):(?P<second>\d\d)"

# RFC 9110 section 5.6.7: IMF-fixdate = day-name "," SP date1 SP time-of-day SP GMT
IMF_FIXDATE = re.compile(
    rf"(?:{_DAY}), (?P<day>\d\d) (?P<month>{_MONTH}) (?P<year>\d{{4}}) {_TIME} GMT"
)
# rfc850-date = day-name-l "," SP date2 SP time-of-day SP GMT, date2 = day "-" month "-" 2DIGIT
RFC850_DATE = re.compile(
    rf"(?:{_LONG_DAY}), (?P<day>\d\d)-(?P<month>{_MONTH})-(?P<year>\d\d) {_TIME} GMT"
)
# asctime-date = day-name SP date3 SP time-of-day SP year, date3 = month SP ( 2DIGIT / ( SP DIGIT ))
ASCTIME_DATE = re.compile(
    rf"(?:{_DAY}) (?P<month>{_MONTH}) (?P<day>[ \d]\d) {_TIME} (?P<year>\d{{4}})"
)


# The current second's date, kept because servers put it in every response's Date field.
_now: tuple[int, str] = (-1, "")


def format_http_date(ts: float | None = None) -> str:
    """Return the IMF-fixdate for POSIX timestamp ``ts`` (the current time if ``None``)."""
    global _now
    if ts is None:
        second = int(time.time())
        cached_second, text = _now
        if second == cached_second:
            return text
        text = format_http_date(second)
        _now = (second, text)
        return text
    t = time.gmtime(ts)
    return (
        f"{DAY_NAMES[t.tm_wday]}, {t.tm_mday:02d} {MONTH_NAMES[t.tm_mon - 1]} "
        f"{t.tm_year:04d} {t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT"
    )


def _full_year(two_digits: int) -> int:
    # RFC 9110 section 5.6.7: a two-digit year that appears to be more than 50 years in the
    # future means the most recent past year with the same last two digits.
    this_year = time.gmtime().tm_year
    year = this_year - this_year % 100 + two_digits
    if year > this_year + 50:
        year -= 100
    return year


def parse_http_date(s: str) -> float | None:
    """Return the POSIX timestamp of HTTP-date ``s``, or ``None`` if it is not one."""
    s = s.strip()
    for pattern in (IMF_FIXDATE, RFC850_DATE, ASCTIME_DATE):
        match = pattern.fullmatch(s)
        if match is not None:
            break
    else:
        return None
    year = int(match["year"])
    if pattern is RFC850_DATE:
        year = _full_year(year)
    month = MONTH_NAMES.index(match["month"]) + 1
    day = int(match["day"])
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"])
    # A leap second (60) is allowed by RFC 5322's time-of-day; anything past it is not a time.
    if not (1 <= day <= calendar.monthrange(year, month)[1] and hour < 24 and minute < 60
            and second <= 60):
        return None
    return float(calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)))
