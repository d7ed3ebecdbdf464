"""Host, path and port facts about a request, and the domain-matching rules of the cookie jar.

Requests are anything with the ``urllib.request.Request`` interface (get_full_url, host,
origin_req_host, get_header). Domain matching follows RFC 2965 section 1 ("domain-match",
"effective host name") with the Netscape leniencies the stdlib keeps; nothing here decides
whether a cookie is accepted -- that is the policy's job.
"""

from __future__ import annotations

import re
from typing import Any

from webstd.urllib.parse import quote, urlparse, urlsplit

DEFAULT_HTTP_PORT = str(80)
# A host name ending in ".digits" is treated as an IP address, never as a domain.
IPV4_RE = re.compile(r"\.\d+$", re.ASCII)
cut_port_re = re.compile(r":\d+$", re.ASCII)
# Characters left unescaped in cookie paths (RFC 2396 "pchar" plus the segment separators).
HTTP_PATH_SAFE = "%/;:@&=+$,!~*'()"
ESCAPED_CHAR_RE = re.compile(r"%([0-9a-fA-F][0-9a-fA-F])")


def is_HDN(text: str) -> bool:  # noqa: N802 (stdlib name)
    """Whether ``text`` is a host domain name (RFC 2965): not an IP, no leading/trailing dot."""
    return not (IPV4_RE.search(text) or text == "" or text[0] == "." or text[-1] == ".")


def liberal_is_HDN(text: str) -> bool:  # noqa: N802 (stdlib name)
    """Whether ``text`` may be a host domain name: anything but an IP address."""
    return not IPV4_RE.search(text)


def domain_match(A: str, B: str) -> bool:  # noqa: N803 (the RFC's names)
    """RFC 2965 section 1 domain-match: equal, or A = N + B with B a dotted domain name."""
    A, B = A.lower(), B.lower()  # noqa: N806
    if A == B:
        return True
    if not is_HDN(A):
        return False
    position = A.rfind(B)
    if position <= 0:
        # B is not a suffix of A with a non-empty prefix.
        return False
    return B.startswith(".") and is_HDN(B[1:])


def user_domain_match(A: str, B: str) -> bool:  # noqa: N803
    """Domain matching for user-supplied lists (blocked/allowed): a leading dot means 'and
    subdomains'; IP addresses only match themselves."""
    A, B = A.lower(), B.lower()  # noqa: N806
    if not (liberal_is_HDN(A) and liberal_is_HDN(B)):
        return A == B
    if B.startswith("."):
        return A.endswith(B)
    return A == B


def request_host(request: Any) -> str:
    """The request's host name, lower case, without port (from the URL, else the Host header)."""
    host = urlparse(request.get_full_url())[1]
    if host == "":
        host = request.get_header("Host", "")
    return cut_port_re.sub("", host, 1).lower()


def eff_request_host(request: Any) -> tuple[str, str]:
    """(request host, effective host name); RFC 2965 section 1 adds ".local" to dotless names."""
    host = request_host(request)
    if "." not in host and not IPV4_RE.search(host):
        return host, host + ".local"
    return host, host


def uppercase_escaped_char(match: re.Match[str]) -> str:
    return "%" + match.group(1).upper()


def escape_path(path: str) -> str:
    """Percent-escape a path as RFC 2965 compares paths: UTF-8, upper-case hex digits."""
    return ESCAPED_CHAR_RE.sub(uppercase_escaped_char, quote(path, HTTP_PATH_SAFE))


def request_path(request: Any) -> str:
    """The escaped path of the request URL, always starting with "/"."""
    path = escape_path(urlsplit(request.get_full_url()).path)
    return path if path.startswith("/") else "/" + path


def request_port(request: Any) -> str | None:
    """The port of ``request.host`` as text, "80" when absent, None when not a number."""
    _, colon, port = request.host.partition(":")
    if not colon:
        return DEFAULT_HTTP_PORT
    try:
        int(port)
    except ValueError:
        return None
    return port


def reach(h: str) -> str:
    """RFC 2965 section 1 "reach" of a host: its parent domain, when that is not a TLD."""
    _, dot, parent = h.partition(".")
    if dot and is_HDN(h) and ("." in parent or parent == "local"):
        return "." + parent
    return h


def is_third_party(request: Any) -> bool:
    """Whether the request goes to a host outside the reach of the page that caused it
    (RFC 2965 section 3.3.6)."""
    return not domain_match(request_host(request), reach(request.origin_req_host))
