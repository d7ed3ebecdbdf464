"""The image URLs an HTML document references, resolved to absolute, request-ready URLs.

What counts as an image reference (HTML Living Standard): ``<img src srcset>``, ``<picture>``'s
``<source src srcset>``, the lazy-loading attributes scripts read (``data-src``, ``data-srcset``,
``data-original``, ``data-lazy-src``) on those two, ``<input type=image src>``, ``<link rel=icon>``
(also ``shortcut icon``, ``apple-touch-icon``, ``apple-touch-icon-precomposed``) and, when asked,
``url(...)`` in ``style`` attributes and ``<style>`` elements. URLs resolve against the first
``<base href>`` (section 4.2.3: later ones are ignored) or the page URL.
"""

from __future__ import annotations

import functools
import re

from webstd.html.parser import HTMLParser
from webstd.urllib.parse import quote, urljoin, urlsplit, urlunsplit

_SRC_ATTRIBUTES = frozenset({"src", "data-src", "data-original", "data-lazy-src"})
_SRCSET_ATTRIBUTES = frozenset({"srcset", "data-srcset"})
_ICON_RELS = frozenset({"icon", "apple-touch-icon", "apple-touch-icon-precomposed"})

# The URL Standard's parser removes every ASCII tab and newline and trims C0 control or space.
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_C0_OR_SPACE = "".join(chr(code) for code in range(0x21))
# Schemes that never name an image to fetch.
_IGNORED_SCHEMES = ("javascript:", "about:", "mailto:")

# CSS Syntax Level 3, section 4.3.6 (url tokens) and the url() function with a quoted string.
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CSS_IMPORT = re.compile(r"@import\s[^;]*;?", re.IGNORECASE)
_CSS_URL = re.compile(
    r"""url\(\s*(?:"([^"]*)"|'([^']*)'|((?:\\[0-9a-fA-F]{1,6}\s?|\\.|[^)"'\s\\])*))\s*\)""",
    re.IGNORECASE)
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6}\s?|.)", re.DOTALL)

# Characters the URL Standard percent-encodes in a path and in a query (sections 1.3, 4.4).
_PATH_SAFE = "!$&'()*+,;=:@/%~-._[]|^`{}"
_QUERY_SAFE = "!$&'()*+,;=:@/?%~-._[]|^`{}\\"
# Text that quote() with those safe sets returns unchanged (the usual case), checked in one step.
_PATH_CLEAN = re.compile("[A-Za-z0-9" + re.escape(_PATH_SAFE + "_") + "]*")
_QUERY_CLEAN = re.compile("[A-Za-z0-9" + re.escape(_QUERY_SAFE + "_") + "]*")


# Every image URL is split again by the steps that follow extraction (naming, robots.txt, the
# request): a cache that holds a page's worth of them, where urlsplit's own keeps 128.
split_url = functools.lru_cache(maxsize=1024)(urlsplit)


def clean_url(value: str) -> str:
    return _TAB_OR_NEWLINE.sub("", value.strip(_C0_OR_SPACE))


def srcset_urls(value: str) -> list[str]:
    """Every candidate URL of a srcset attribute (HTML section 4.8.4.3.10, the parsing steps)."""
    urls = []
    position, length = 0, len(value)
    whitespace = " \t\n\r\f"
    while position < length:
        while position < length and (value[position] in whitespace or value[position] == ","):
            position += 1
        start = position
        while position < length and value[position] not in whitespace:
            position += 1
        url = value[start:position]
        if not url:
            break
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            # Skip the descriptors, up to a comma that is not inside parentheses.
            depth = 0
            while position < length:
                character = value[position]
                if character == "(":
                    depth += 1
                elif character == ")" and depth:
                    depth -= 1
                elif character == "," and not depth:
                    position += 1
                    break
                position += 1
        if url:
            urls.append(url)
    return urls


def _css_unescape(match: re.Match[str]) -> str:
    escaped = match.group(1)
    if escaped[0] in "0123456789abcdefABCDEF":
        code = int(escaped.strip(), 16)
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
    return "" if escaped == "\n" else escaped


def css_urls(css: str) -> list[str]:
    """The url(...) values of a style sheet or style attribute, except @import's style sheets."""
    css = _CSS_IMPORT.sub("", _CSS_COMMENT.sub("", css))
    found = []
    for match in _CSS_URL.finditer(css):
        raw = next(group for group in match.groups() if group is not None)
        found.append(_CSS_ESCAPE.sub(_css_unescape, raw))
    return found


# An http(s) URL that request_url gives back unchanged: lower-case scheme, a host without brackets,
# a path of characters quote() leaves alone, no query, no fragment. Most image URLs of a page.
_READY_URL = re.compile("https?://[A-Za-z0-9" + re.escape("-._~!$&'()*+,;=:@%") + "]+/"
                        "[A-Za-z0-9" + re.escape(_PATH_SAFE + "_") + "]*")


def request_url(url: str, query_encoding: str = "utf-8") -> str:
    """``url`` with what HTTP cannot carry percent-encoded: the path in UTF-8 and the query in the
    page's encoding (URL Standard, section 4.4), without the fragment (never sent)."""
    if _READY_URL.fullmatch(url) is not None:
        return url
    return _request_url(url, query_encoding)


def _request_url(url: str, query_encoding: str) -> str:
    parts = split_url(url)
    if parts.scheme not in ("http", "https"):
        return url
    path, query = parts.path, parts.query
    if _PATH_CLEAN.fullmatch(path) is None:
        path = quote(path, safe=_PATH_SAFE, encoding="utf-8", errors="surrogatepass")
    if _QUERY_CLEAN.fullmatch(query) is None:
        query = quote(query, safe=_QUERY_SAFE, encoding=query_encoding, errors="xmlcharrefreplace")
    return urlunsplit((parts.scheme, parts.netloc, path or "/", query, ""))


class ImageCollector(HTMLParser):
    """Collects raw image references while parsing; :meth:`urls` resolves them."""

    def __init__(self, page_url: str, *, css: bool = False, encoding: str = "utf-8") -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.base_url: str | None = None
        self.css = css
        self.encoding = encoding
        self.references: list[str] = []
        self._picture_depth = 0
        self._in_style = False

    def _add(self, value: str | None) -> None:
        if value is not None:
            self.references.append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(reversed(attrs))  # the first of repeated attributes wins (HTML 13.2.5.33)
        if tag == "base":
            if self.base_url is None and attributes.get("href") is not None:
                self.base_url = urljoin(self.page_url, clean_url(attributes["href"] or ""))
        elif tag == "img" or (tag == "source" and self._picture_depth):
            for name, value in attributes.items():
                if value is None:
                    continue
                if name in _SRC_ATTRIBUTES:
                    self._add(value)
                elif name in _SRCSET_ATTRIBUTES:
                    self.references.extend(srcset_urls(value))
        elif tag == "source":
            # Outside <picture>, <source> feeds audio and video; only srcset is an image there.
            self.references.extend(srcset_urls(attributes.get("srcset") or ""))
        elif tag == "picture":
            self._picture_depth += 1
        elif tag == "input":
            if (attributes.get("type") or "").strip().lower() == "image":
                self._add(attributes.get("src"))
        elif tag == "link":
            rels = set((attributes.get("rel") or "").lower().split())
            if rels & _ICON_RELS:
                self._add(attributes.get("href"))
        elif tag == "style":
            self._in_style = True
        if self.css and attributes.get("style"):
            self.references.extend(css_urls(attributes["style"] or ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <picture/> and <style/> open elements in HTML just as without the slash.
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "picture" and self._picture_depth:
            self._picture_depth -= 1
        elif tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style and self.css:
            self.references.extend(css_urls(data))

    def urls(self) -> list[str]:
        """The references as absolute URLs, sorted and without duplicates."""
        base = self.base_url or self.page_url
        resolved = set()
        for reference in self.references:
            reference = clean_url(reference)
            if not reference or reference.lower().startswith(_IGNORED_SCHEMES):
                continue
            if reference.lower().startswith("data:"):
                resolved.add(reference)
                continue
            resolved.add(request_url(urljoin(base, reference), self.encoding))
        return sorted(resolved)


def image_urls(html: str, page_url: str, *, css: bool = False, encoding: str = "utf-8") -> list[str]:
    collector = ImageCollector(page_url, css=css, encoding=encoding)
    collector.feed(html)
    collector.close()
    return collector.urls()
