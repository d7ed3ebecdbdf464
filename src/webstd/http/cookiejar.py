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

# The helpers and constants below are imported to be re-exported (the stdlib's top-level names).
from webstd.http._cookie_dates import (  # noqa: F401
    DAYS,
    EPOCH_YEAR,
    ISO_DATE_RE,
    LOOSE_HTTP_DATE_RE,
    MONTHS,
    MONTHS_LOWER,
    STRICT_DATE_RE,
    TIMEZONE_RE,
    UTC_ZONES,
    WEEKDAY_RE,
    http2time,
    iso2time,
    offset_from_tz_string,
    time2isoz,
    time2netscape,
    timegm,
)
from webstd.http._cookie_domains import (  # noqa: F401
    DEFAULT_HTTP_PORT,
    ESCAPED_CHAR_RE,
    HTTP_PATH_SAFE,
    IPV4_RE,
    cut_port_re,
    domain_match,
    eff_request_host,
    escape_path,
    is_HDN,
    is_third_party,
    liberal_is_HDN,
    reach,
    request_host,
    request_path,
    request_port,
    uppercase_escaped_char,
    user_domain_match,
)
from webstd.http._cookie_files import (  # noqa: F401
    HTTPONLY_ATTR,
    HTTPONLY_PREFIX,
    MISSING_FILENAME_TEXT,
    NETSCAPE_HEADER_TEXT,
    NETSCAPE_MAGIC_RGX,
    FileCookieJar,
    LWPCookieJar,
    MozillaCookieJar,
    lwp_cookie_str,
)
from webstd.http._cookie_headers import (  # noqa: F401
    HEADER_ESCAPE_RE,
    HEADER_JOIN_ESCAPE_RE,
    HEADER_QUOTED_VALUE_RE,
    HEADER_TOKEN_RE,
    HEADER_VALUE_RE,
    join_header_words,
    parse_ns_headers,
    split_header_words,
    strip_quotes,
    unmatched,
)
from webstd.http._cookie_jar import (  # noqa: F401
    Absent,
    Cookie,
    CookieJar,
    LoadError,
    deepvalues,
)
from webstd.http._cookie_policy import (  # noqa: F401
    CookiePolicy,
    DefaultCookiePolicy,
)

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
