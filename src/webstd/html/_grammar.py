"""The tolerant markup grammar of webstd.html.parser, as named regular expressions.

Two layers live here and nowhere else:

* the public patterns that Python 3.11's html.parser exposes under the same names
  (locatestarttagend_tolerant, attrfind_tolerant, ...).  They define exactly which text the
  parser treats as a tag, an attribute or a reference, so they are built from the small named
  pieces below and the parser's slow path is driven by them;
* fast-path patterns that recognise, in one match, the well-formed shapes real pages are made of
  (``<div class="x" id=y>``, ``</div>``).  Each accepts a *subset* of what the public patterns
  accept and splits it the same way: separators are restricted to ASCII whitespace, attribute
  names and unquoted values may not start with a quote or "=", and everything is possessive.  A
  tag the fast path refuses simply goes down the slow path, so the fast path can never change an
  event, only skip work.
"""

from __future__ import annotations

import re

# A tag name runs until whitespace (the HTML tokenizer's set), "/", ">" or NULL.
_TAG_NAME = r"[a-zA-Z][^\t\n\r\f />\x00]*"
# An attribute name starts after a quote, whitespace or "/" and runs until whitespace, "/", "="
# or ">"; the first character may be "=".
_ATTRIBUTE_NAME = r"(?<=['\"\s/])[^\s/>][^\s/=>]*"
# Quoted values may hold ">" and newlines; an unquoted value runs until whitespace or ">".
_ATTRIBUTE_VALUE = r"'[^']*'|\"[^\"]*\"|(?!['\"])[^>\s]*"
# One or more "=" with optional whitespace around them introduce a value.
_VALUE_INDICATOR = r"\s*=+\s*"
# Whitespace and any "/" that does not end the tag separate attributes.
_SEPARATOR = r"(?:\s|/(?!>))*"

# What ends a tag name (searched for on its own to find where a name stops).
TAG_NAME_END = re.compile(r"[\t\n\r\f />\x00]")

interesting_normal = re.compile("[&<]")
incomplete = re.compile("&[a-zA-Z#]")
entityref = re.compile("&([a-zA-Z][-.a-zA-Z0-9]*)[^a-zA-Z0-9]")
charref = re.compile("&#(?:[0-9]+|[xX][0-9a-fA-F]+)[^0-9a-fA-F]")
starttagopen = re.compile("<[a-zA-Z]")
piclose = re.compile(">")
commentclose = re.compile(r"--\s*>")
endendtag = re.compile(">")
endtagfind = re.compile(r"</\s*([a-zA-Z][-.a-zA-Z0-9:_]*)\s*>")
tagfind_tolerant = re.compile(f"({_TAG_NAME}){_SEPARATOR}")
attrfind_tolerant = re.compile(
    f"({_ATTRIBUTE_NAME})({_VALUE_INDICATOR}({_ATTRIBUTE_VALUE}))?{_SEPARATOR}"
)
locatestarttagend_tolerant = re.compile(
    f"<{_TAG_NAME}"
    f"(?:[\\s/]*(?:{_ATTRIBUTE_NAME}(?:{_VALUE_INDICATOR}(?:{_ATTRIBUTE_VALUE})\\s*)?{_SEPARATOR})*)?"
    r"\s*"
)

# Marked sections (<![CDATA[...]]>, <![if ...]>): the keyword, and the two ways they close.
DECLARATION_NAME = re.compile(r"[a-zA-Z][-_.a-zA-Z0-9]*\s*")
MARKED_SECTION_CLOSE = re.compile(r"]\s*]\s*>")
MS_OFFICE_SECTION_CLOSE = re.compile(r"]\s*>")
MARKED_SECTION_KEYWORDS = frozenset({"temp", "cdata", "ignore", "include", "rcdata"})
MS_OFFICE_SECTION_KEYWORDS = frozenset({"if", "else", "endif"})

# Inside text, a reference cut by the end of the buffer is still open if no whitespace or ";"
# follows its "&"; 34 characters covers the longest name and its delimiters.
REFERENCE_END = re.compile(r"[\s;]")
REFERENCE_LOOKBEHIND = 34

# --- fast path -----------------------------------------------------------------------------
_ASCII_SPACE = r"[\t\n\r\f ]"


def _fast_attribute(group: str) -> str:
    """Whitespace, a name, and optionally "=" and a value; group is "(" or "(?:"."""
    return (
        f"{_ASCII_SPACE}++{group}[^\\s/>=\"'][^\\s/=>]*+)"
        f"(?:{_ASCII_SPACE}*+{group}=){_ASCII_SPACE}*+"
        f"{group}\"[^\"]*+\"|'[^']*+'|[^\\s\"'>=][^\\s>]*+))?+"
    )


_FAST_START_TAG = (
    f"<([a-zA-Z][^\\s/>\\x00]*+)((?:{_fast_attribute('(?:')})*+){_ASCII_SPACE}*+(/?)>"
)
_FAST_END_TAG = f"</([a-zA-Z][-.a-zA-Z0-9:_]*+){_ASCII_SPACE}*+>"
# A run of text, then a well-formed start tag (groups: name, the attribute run to split again
# with FAST_ATTRIBUTE, "/" for "/>") or end tag (group: name), if one is there.  The first form
# is for decoded text (stops at "<"), the second for raw text (stops at "<" or "&").
TEXT_THEN_TAG = re.compile(f"([^<]*+)(?:{_FAST_START_TAG}|{_FAST_END_TAG})?")
RAW_TEXT_THEN_TAG = re.compile(f"([^<&]*+)(?:{_FAST_START_TAG}|{_FAST_END_TAG})?")
# Groups: name, "=" when a value follows, the value as written (quotes included).
FAST_ATTRIBUTE = re.compile(_fast_attribute("("))
# The end tag that closes a CDATA content element such as <script>.
CDATA_END_TEMPLATE = r"</\s*{}\s*>"
