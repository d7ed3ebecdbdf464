"""Client-side cookie handling: the API of Python 3.11's ``http.cookiejar``.

This module is the public face; the machinery lives in internal modules, one idea each:

- ``_cookie_jar``: Cookie and CookieJar (storage, reading responses, writing Cookie headers);
- ``_cookie_policy``: CookiePolicy and DefaultCookiePolicy (what is accepted and returned);
- ``_cookie_domains``: facts about requests and RFC 2965 domain matching;
- ``_cookie_headers``: the attribute-list syntax of Set-Cookie, Set-Cookie2 and Set-Cookie3;
- ``_cookie_dates``: the lenient cookie date formats;
- ``_cookie_files``: MozillaCookieJar (cookies.txt) and LWPCookieJar.

Requests and responses are duck-typed: any object with the ``urllib.request.Request``
interface, and any response whose ``info()`` has ``get_all()``. The helpers and constants the
stdlib module exposes at top level are re-exported here under the same names.
"""

from webstd.http._cookie_dates import (
    DAYS as DAYS,
)
from webstd.http._cookie_dates import (
    EPOCH_YEAR as EPOCH_YEAR,
)
from webstd.http._cookie_dates import (
    ISO_DATE_RE as ISO_DATE_RE,
)
from webstd.http._cookie_dates import (
    LOOSE_HTTP_DATE_RE as LOOSE_HTTP_DATE_RE,
)
from webstd.http._cookie_dates import (
    MONTHS as MONTHS,
)
from webstd.http._cookie_dates import (
    MONTHS_LOWER as MONTHS_LOWER,
)
from webstd.http._cookie_dates import (
    STRICT_DATE_RE as STRICT_DATE_RE,
)
from webstd.http._cookie_dates import (
    TIMEZONE_RE as TIMEZONE_RE,
)
from webstd.http._cookie_dates import (
    UTC_ZONES as UTC_ZONES,
)
from webstd.http._cookie_dates import (
    WEEKDAY_RE as WEEKDAY_RE,
)
from webstd.http._cookie_dates import (
    http2time as http2time,
)
from webstd.http._cookie_dates import (
    iso2time as iso2time,
)
from webstd.http._cookie_dates import (
    offset_from_tz_string as offset_from_tz_string,
)
from webstd.http._cookie_dates import (
    time2isoz as time2isoz,
)
from webstd.http._cookie_dates import (
    time2netscape as time2netscape,
)
from webstd.http._cookie_dates import (
    timegm as timegm,
)
from webstd.http._cookie_domains import (
    DEFAULT_HTTP_PORT as DEFAULT_HTTP_PORT,
)
from webstd.http._cookie_domains import (
    ESCAPED_CHAR_RE as ESCAPED_CHAR_RE,
)
from webstd.http._cookie_domains import (
    HTTP_PATH_SAFE as HTTP_PATH_SAFE,
)
from webstd.http._cookie_domains import (
    IPV4_RE as IPV4_RE,
)
from webstd.http._cookie_domains import (
    cut_port_re as cut_port_re,
)
from webstd.http._cookie_domains import (
    domain_match as domain_match,
)
from webstd.http._cookie_domains import (
    eff_request_host as eff_request_host,
)
from webstd.http._cookie_domains import (
    escape_path as escape_path,
)
from webstd.http._cookie_domains import (
    is_HDN as is_HDN,
)
from webstd.http._cookie_domains import (
    is_third_party as is_third_party,
)
from webstd.http._cookie_domains import (
    liberal_is_HDN as liberal_is_HDN,
)
from webstd.http._cookie_domains import (
    reach as reach,
)
from webstd.http._cookie_domains import (
    request_host as request_host,
)
from webstd.http._cookie_domains import (
    request_path as request_path,
)
from webstd.http._cookie_domains import (
    request_port as request_port,
)
from webstd.http._cookie_domains import (
    uppercase_escaped_char as uppercase_escaped_char,
)
from webstd.http._cookie_domains import (
    user_domain_match as user_domain_match,
)
from webstd.http._cookie_files import (
    HTTPONLY_ATTR as HTTPONLY_ATTR,
)
from webstd.http._cookie_files import (
    HTTPONLY_PREFIX as HTTPONLY_PREFIX,
)
from webstd.http._cookie_files import (
    MISSING_FILENAME_TEXT as MISSING_FILENAME_TEXT,
)
from webstd.http._cookie_files import (
    NETSCAPE_HEADER_TEXT as NETSCAPE_HEADER_TEXT,
)
from webstd.http._cookie_files import (
    NETSCAPE_MAGIC_RGX as NETSCAPE_MAGIC_RGX,
)
from webstd.http._cookie_files import (
    FileCookieJar as FileCookieJar,
)
from webstd.http._cookie_files import (
    LWPCookieJar as LWPCookieJar,
)
from webstd.http._cookie_files import (
    MozillaCookieJar as MozillaCookieJar,
)
from webstd.http._cookie_files import (
    lwp_cookie_str as lwp_cookie_str,
)
from webstd.http._cookie_headers import (
    HEADER_ESCAPE_RE as HEADER_ESCAPE_RE,
)
from webstd.http._cookie_headers import (
    HEADER_JOIN_ESCAPE_RE as HEADER_JOIN_ESCAPE_RE,
)
from webstd.http._cookie_headers import (
    HEADER_QUOTED_VALUE_RE as HEADER_QUOTED_VALUE_RE,
)
from webstd.http._cookie_headers import (
    HEADER_TOKEN_RE as HEADER_TOKEN_RE,
)
from webstd.http._cookie_headers import (
    HEADER_VALUE_RE as HEADER_VALUE_RE,
)
from webstd.http._cookie_headers import (
    join_header_words as join_header_words,
)
from webstd.http._cookie_headers import (
    parse_ns_headers as parse_ns_headers,
)
from webstd.http._cookie_headers import (
    split_header_words as split_header_words,
)
from webstd.http._cookie_headers import (
    strip_quotes as strip_quotes,
)
from webstd.http._cookie_headers import (
    unmatched as unmatched,
)
from webstd.http._cookie_jar import Absent as Absent
from webstd.http._cookie_jar import Cookie, CookieJar, LoadError
from webstd.http._cookie_jar import deepvalues as deepvalues
from webstd.http._cookie_policy import CookiePolicy, DefaultCookiePolicy

__all__ = [
    "Cookie",
    "CookieJar",
    "CookiePolicy",
    "DefaultCookiePolicy",
    "FileCookieJar",
    "LWPCookieJar",
    "LoadError",
    "MozillaCookieJar",
]

# Public classes report this module, as they do in the stdlib (repr, pickling, help()).
for _public in (Cookie, CookieJar, CookiePolicy, DefaultCookiePolicy, FileCookieJar,
                LWPCookieJar, LoadError, MozillaCookieJar):  # fmt: skip
    _public.__module__ = __name__
del _public
