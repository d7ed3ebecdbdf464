"""HTMLParser: a tolerant, incremental HTML tokenizer that reports markup as handler calls.

This module owns the event loop: which events are reported, in which order, with which positions,
and what is held back while a construct may still continue in the next feed().  The grammar (which
text is a tag, an attribute, a reference) lives in webstd.html._grammar; decoding references lives
in webstd.html.unescape.

Theory of operation: feed() appends to ``rawdata`` and runs goahead(), which walks the buffer from
the start, reports every construct it can decide on and keeps the undecided tail for the next
feed() or for close().  The decisions depend only on the buffer, so the same text split at any
points gives the events that Python 3.11's html.parser gives for the same split.  Well-formed tags
are recognised by one fast match each; anything else takes the slow path built on the public
patterns.  Bad markup never raises: it becomes data, a comment or nothing, as in the stdlib; where
the stdlib raises (unknown ``<![keyword``) this parser reads a bogus comment, as HTML5 does.

Unlike the stdlib, work stays linear in the input on unfinished constructs: after the last ">" in
the buffer nothing that needs one is searched for again (see _waits_for_gt), and feed() does not
rescan a construct that only a ">" can finish.
"""

from __future__ import annotations

import re

from webstd.html import _grammar, unescape
from webstd.html._grammar import (
    attrfind_tolerant,
    charref,
    commentclose,
    endendtag,
    endtagfind,
    entityref,
    incomplete,
    interesting_normal,
    locatestarttagend_tolerant,
    piclose,
    starttagopen,
    tagfind_tolerant,
)

__all__ = ["HTMLParser"]

_TEXT_THEN_TAG = _grammar.TEXT_THEN_TAG.match
_RAW_TEXT_THEN_TAG = _grammar.RAW_TEXT_THEN_TAG.match
_FAST_ATTRIBUTES = _grammar.FAST_ATTRIBUTE.findall
_REFERENCE_END = _grammar.REFERENCE_END.search
_TAG_NAME_END = _grammar.TAG_NAME_END.search
_REFERENCE_LOOKBEHIND = _grammar.REFERENCE_LOOKBEHIND
# After "<name", one of these means the tag may continue in the next feed().
_TAG_MAY_CONTINUE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ=/")
_QUOTES = ("'", '"')
# Comments, declarations, processing instructions and end tags all end at a ">".
_NEEDS_GT = ("</", "<!", "<?")
_CDATA_END: dict[str, re.Pattern[str]] = {}


def _attribute_value(value: str) -> str:
    if value[:1] in _QUOTES:
        value = value[1:-1]
    if "&" in value:
        return unescape(value)
    return value


class HTMLParser:
    """Find tags and other markup in fed text and call a handler for each.

    Subclass it and override the handle_* methods.  With convert_charrefs (the default) character
    references in text are decoded and reported inside handle_data; without it they are reported
    through handle_entityref and handle_charref.
    """

    CDATA_CONTENT_ELEMENTS: tuple[str, ...] = ("script", "style")
    __starttag_text: str | None = None

    def __init__(self, *, convert_charrefs: bool = True) -> None:
        self.convert_charrefs = convert_charrefs
        self.reset()

    def reset(self) -> None:
        """Forget all buffered text and state."""
        self.rawdata = ""
        self.lasttag = "???"
        self.interesting = interesting_normal
        self.cdata_elem: str | None = None
        self._stalled = False
        self._line = 1
        self._column = 0
        self._counted = self._cursor = 0

    def feed(self, data: str) -> None:
        """Process as much of data (added to what is buffered) as can be decided on."""
        self.rawdata = self.rawdata + data
        if self._stalled and ">" not in data:
            # What waits can only be decided by a ">": skip the rescan, which would make
            # feeding a long comment or script in small pieces quadratic.
            return
        self.goahead(False)

    def close(self) -> None:
        """Process everything still buffered, as if the document ends here."""
        self.goahead(True)

    def getpos(self) -> tuple[int, int]:
        """(line number from 1, column from 0) of the start of the construct being reported."""
        self._count_lines()
        return self._line, self._column

    def get_starttag_text(self) -> str | None:
        """The source text of the most recently opened start tag."""
        return self.__starttag_text

    def set_cdata_mode(self, elem: str) -> None:
        """Treat everything up to </elem> as raw text (script, style)."""
        self.cdata_elem = elem.lower()
        self.interesting = self._cdata_end()
        self._stalled = False

    def _cdata_end(self) -> re.Pattern[str]:
        elem = self.cdata_elem
        pattern = _CDATA_END.get(elem)
        if pattern is None:
            pattern = re.compile(_grammar.CDATA_END_TEMPLATE.format(elem), re.IGNORECASE)
            _CDATA_END[elem] = pattern
        return pattern

    def clear_cdata_mode(self) -> None:
        self.interesting = interesting_normal
        self.cdata_elem = None
        self._stalled = False

    # True when what waits in rawdata can only be decided once a ">" arrives.
    _stalled = False
    # (i, j): the tag names starting between i and j all end at j (see _tag_name_end).
    _name_scan = (0, -1)

    # Positions are counted lazily: the loop only moves _cursor (the index in rawdata of the
    # construct being reported); newlines are counted up to it when a position is asked for.
    # (_line, _column) is the position of index _counted.
    _line = 1
    _column = 0
    _counted = 0
    _cursor = 0

    def _count_lines(self) -> None:
        start, stop = self._counted, self._cursor
        if start < stop:
            rawdata = self.rawdata
            newlines = rawdata.count("\n", start, stop)
            if newlines:
                self._line += newlines
                self._column = stop - rawdata.rindex("\n", start, stop) - 1
            else:
                self._column += stop - start
            self._counted = stop

    @property
    def lineno(self) -> int:
        self._count_lines()
        return self._line

    @lineno.setter
    def lineno(self, value: int) -> None:
        self._count_lines()
        self._line = value

    @property
    def offset(self) -> int:
        self._count_lines()
        return self._column

    @offset.setter
    def offset(self, value: int) -> None:
        self._count_lines()
        self._column = value

    def updatepos(self, i: int, j: int) -> int:
        """Move the reported position over rawdata[i:j]; return j."""
        self._count_lines()
        if i < j:
            self._counted, self._cursor = i, j
            self._count_lines()
        return j

    # --- the event loop -------------------------------------------------------------------

    def goahead(self, end: bool) -> None:
        """Report everything decidable in rawdata; with end, everything left."""
        rawdata = self.rawdata
        i = 0
        n = len(rawdata)
        fast = self._fast_path_applies()
        # Constructs after the last ">" that need one are undecided without a rescan; at close()
        # this keeps "<!--<!--<!--..." linear.
        last_gt = rawdata.rfind(">") if fast else n
        self._name_scan = (0, -1)
        while i < n:
            # Text runs up to the next construct; a well-formed tag right after it is matched
            # in the same step.
            cdata = self.cdata_elem
            decode = self.convert_charrefs and not cdata
            tag = None
            # (Past the last ">" there is no whole tag to match: text is found by a plain search.)
            if decode:
                if i <= last_gt:
                    tag = _TEXT_THEN_TAG(rawdata, i)
                    j = tag.end(1)
                else:
                    j = rawdata.find("<", i)
                    if j < 0:
                        j = n
                if j == n:
                    # A trailing "&name" may still grow into a longer reference.
                    amp = rawdata.rfind("&", max(i, n - _REFERENCE_LOOKBEHIND))
                    if amp >= 0 and _REFERENCE_END(rawdata, amp) is None:
                        break
            elif not cdata and self.interesting is interesting_normal and i <= last_gt:
                tag = _RAW_TEXT_THEN_TAG(rawdata, i)
                j = tag.end(1)
            else:
                match = self.interesting.search(rawdata, i)
                if match is not None:
                    j = match.start()
                elif cdata:
                    break
                else:
                    j = n
            if i < j:
                text = rawdata[i:j]
                if decode and "&" in text:
                    text = unescape(text)
                self.handle_data(text)
                self._cursor = i = j
                if i == n:
                    break

            if fast and tag is not None and tag.end() > j:
                k = tag.end()
                _, name, attribute_run, slash, end_name = tag.groups()
                if name is not None:
                    self._start_tag(name, attribute_run, slash, rawdata[i:k])
                elif self.cdata_elem is None:
                    self.handle_endtag(end_name.lower())
                    self.clear_cdata_mode()
                else:
                    k = self._markup(i, end, last_gt)
            elif rawdata[i] == "<":
                k = self._markup(i, end, last_gt)
            else:
                k = self._reference(i, end)
                if k == -2:
                    # A bare "&#" before a ";" is data, and the scan stops there.
                    self.handle_data("&#")
                    i = self.updatepos(i, i + 2)
                elif k == -3:
                    i = self.updatepos(i, i + 1)
            if k < 0:
                break
            self._cursor = i = k

        if end and i < n and not self.cdata_elem:
            text = rawdata[i:n]
            if self.convert_charrefs:
                text = unescape(text)
            self.handle_data(text)
            i = n
        self._stalled = (
            not end
            and last_gt < i < n
            and (
                self._waits_for_gt(i, stable=True)
                or (self.cdata_elem is not None and self.interesting is self._cdata_end())
            )
        )
        # The buffer is cut at i: count up to it now, then count from its new start.
        self._cursor = i
        self._count_lines()
        self._counted = self._cursor = 0
        self.rawdata = rawdata[i:]

    def _fast_path_applies(self) -> bool:
        """False when a subclass overrides a step the fast path would skip."""
        cls = type(self)
        return (
            cls.parse_starttag is HTMLParser.parse_starttag
            and cls.check_for_whole_start_tag is HTMLParser.check_for_whole_start_tag
            and cls.parse_endtag is HTMLParser.parse_endtag
            and cls.parse_comment is HTMLParser.parse_comment
            and cls.parse_pi is HTMLParser.parse_pi
            and cls.parse_html_declaration is HTMLParser.parse_html_declaration
            and cls.parse_bogus_comment is HTMLParser.parse_bogus_comment
            and cls.parse_marked_section is HTMLParser.parse_marked_section
            and cls.set_cdata_mode is HTMLParser.set_cdata_mode
        )

    def _waits_for_gt(self, i: int, stable: bool) -> bool:
        """Whether the construct at rawdata[i], with no ">" after it, is undecided.

        Comments, declarations and end tags end at a ">".  A start tag can also be cut short by
        a NULL right after its name; whatever else follows it (names, "=", values, quotes) the
        tolerant grammar either takes in or waits on.  With stable, also require that the next
        feed() cannot change the answer unless it brings a ">".
        """
        rawdata = self.rawdata
        if rawdata.startswith(_NEEDS_GT, i):
            return True
        if not starttagopen.match(rawdata, i):
            return False
        name_end = self._tag_name_end(i)
        if name_end == len(rawdata):
            return not stable
        return rawdata[name_end] != "\x00"

    def _tag_name_end(self, i: int) -> int:
        """End of the tag name at rawdata[i + 1]; the last search is reused, as the tags that
        ask are looked up left to right (this keeps "<a<a<a..." linear)."""
        start, stop = self._name_scan
        if not start <= i + 1 <= stop:
            match = _TAG_NAME_END(self.rawdata, i + 1)
            stop = match.start() if match is not None else len(self.rawdata)
            self._name_scan = (i + 1, stop)
        return stop

    def _start_tag(self, name: str, attribute_run: str, slash: str, source: str) -> None:
        """Report a start tag the fast path matched whole."""
        self.__starttag_text = source
        self.lasttag = tag = name.lower()
        attrs: list[tuple[str, str | None]] = []
        if attribute_run:
            append = attrs.append
            for attribute, equals, value in _FAST_ATTRIBUTES(attribute_run):
                if not equals:
                    append((attribute.lower(), None))
                    continue
                if value[0] in _QUOTES:
                    value = value[1:-1]
                if "&" in value:
                    value = unescape(value)
                append((attribute.lower(), value))
        if slash:
            self.handle_startendtag(tag, attrs)
        else:
            self.handle_starttag(tag, attrs)
            if tag in self.CDATA_CONTENT_ELEMENTS:
                self.set_cdata_mode(tag)

    def _markup(self, i: int, end: bool, last_gt: int) -> int:
        """Report the construct at rawdata[i] == "<"; return where the scan goes on, or -1."""
        rawdata = self.rawdata
        if i > last_gt and self._waits_for_gt(i, stable=False):
            if starttagopen.match(rawdata, i):
                self.__starttag_text = None
            k = -1
        elif starttagopen.match(rawdata, i):
            k = self.parse_starttag(i)
        elif rawdata.startswith("</", i):
            k = self.parse_endtag(i)
        elif rawdata.startswith("<!--", i):
            k = self.parse_comment(i)
        elif rawdata.startswith("<?", i):
            k = self.parse_pi(i)
        elif rawdata.startswith("<!", i):
            k = self.parse_html_declaration(i)
        elif i + 1 < len(rawdata):
            self.handle_data("<")
            return i + 1
        else:
            return -1
        if k >= 0 or not end:
            return k
        # At the end of the document an unfinished construct is data, up to its first ">"
        # or else up to the next "<".
        k = rawdata.find(">", i + 1)
        if k >= 0:
            k += 1
        else:
            k = rawdata.find("<", i + 1)
            if k < 0:
                k = i + 1
        text = rawdata[i:k]
        if self.convert_charrefs and not self.cdata_elem:
            text = unescape(text)
        self.handle_data(text)
        return k

    def _reference(self, i: int, end: bool) -> int:
        """Report the reference at rawdata[i] == "&" (convert_charrefs off).

        Returns where the scan goes on, or a negative code: -1 wait for more text, -2 a bare "&#"
        that is reported as data before stopping, -3 skip the "&" and stop.
        """
        rawdata = self.rawdata
        if rawdata.startswith("&#", i):
            match = charref.match(rawdata, i)
            if match is None:
                return -2 if rawdata.find(";", i) >= 0 else -1
            self.handle_charref(match.group()[2:-1])
        else:
            match = entityref.match(rawdata, i)
            if match is None:
                match = incomplete.match(rawdata, i)
                if match is not None:
                    return -3 if end and match.end() == len(rawdata) else -1
                if i + 1 < len(rawdata):
                    self.handle_data("&")
                    return i + 1
                return -1
            self.handle_entityref(match.group(1))
        k = match.end()
        # The character that ended the reference belongs to it only if it is ";".
        return k if rawdata[k - 1] == ";" else k - 1

    # --- constructs (the slow path; each returns the end of what it consumed, or -1) --------

    def check_for_whole_start_tag(self, i: int) -> int:
        """End of the start tag at i, -1 if it may continue in the next feed()."""
        rawdata = self.rawdata
        match = locatestarttagend_tolerant.match(rawdata, i)
        if match is None:
            return i + 1
        j = match.end()
        following = rawdata[j : j + 1]
        if following == ">":
            return j + 1
        if following == "/":
            return j + 2 if rawdata.startswith("/>", j) else -1
        if not following or following in _TAG_MAY_CONTINUE:
            return -1
        # Junk after the tag: the tag text so far is reported as data.
        return j if j > i else i + 1

    def parse_starttag(self, i: int) -> int:
        self.__starttag_text = None
        endpos = self.check_for_whole_start_tag(i)
        if endpos < 0:
            return endpos
        rawdata = self.rawdata
        self.__starttag_text = rawdata[i:endpos]
        match = tagfind_tolerant.match(rawdata, i + 1)
        if match is None:
            self.handle_data(rawdata[i:endpos])
            return endpos
        k = match.end()
        self.lasttag = tag = match.group(1).lower()
        attrs: list[tuple[str, str | None]] = []
        while k < endpos:
            match = attrfind_tolerant.match(rawdata, k)
            if match is None:
                break
            name, indicator, value = match.group(1, 2, 3)
            attrs.append((name.lower(), _attribute_value(value) if indicator else None))
            k = match.end()
        closing = rawdata[k:endpos].strip()
        if closing not in (">", "/>"):
            self.handle_data(rawdata[i:endpos])
        elif closing == "/>":
            self.handle_startendtag(tag, attrs)
        else:
            self.handle_starttag(tag, attrs)
            if tag in self.CDATA_CONTENT_ELEMENTS:
                self.set_cdata_mode(tag)
        return endpos

    def parse_endtag(self, i: int) -> int:
        rawdata = self.rawdata
        gt = endendtag.search(rawdata, i + 1)
        if gt is None:
            return -1
        after = gt.end()
        match = endtagfind.match(rawdata, i)
        if match is None:
            if self.cdata_elem is not None:
                self.handle_data(rawdata[i:after])
                return after
            # HTML5 end tag open state: a name, or "</>" (ignored), or a bogus comment.
            name = tagfind_tolerant.match(rawdata, i + 2)
            if name is None:
                if rawdata.startswith("</>", i):
                    return i + 3
                return self.parse_bogus_comment(i)
            self.handle_endtag(name.group(1).lower())
            # Anything between the name and ">" (even attributes) is ignored.
            return rawdata.find(">", name.end()) + 1
        elem = match.group(1).lower()
        if self.cdata_elem is not None and elem != self.cdata_elem:
            self.handle_data(rawdata[i:after])
            return after
        self.handle_endtag(elem)
        self.clear_cdata_mode()
        return after

    def parse_comment(self, i: int, report: bool = True) -> int:
        rawdata = self.rawdata
        match = commentclose.search(rawdata, i + 4)
        if match is None:
            return -1
        if report:
            self.handle_comment(rawdata[i + 4 : match.start()])
        return match.end()

    def parse_bogus_comment(self, i: int, report: bool = True) -> int:
        """<!...> or </...> that is no other construct: a comment up to the first ">"."""
        rawdata = self.rawdata
        gt = rawdata.find(">", i + 2)
        if gt < 0:
            return -1
        if report:
            self.handle_comment(rawdata[i + 2 : gt])
        return gt + 1

    def parse_pi(self, i: int) -> int:
        rawdata = self.rawdata
        match = piclose.search(rawdata, i + 2)
        if match is None:
            return -1
        self.handle_pi(rawdata[i + 2 : match.start()])
        return match.end()

    def parse_html_declaration(self, i: int) -> int:
        rawdata = self.rawdata
        if rawdata.startswith("<!--", i):
            return self.parse_comment(i)
        if rawdata.startswith("<![", i):
            return self.parse_marked_section(i)
        if rawdata[i : i + 9].lower() == "<!doctype":
            gt = rawdata.find(">", i + 9)
            if gt < 0:
                return -1
            self.handle_decl(rawdata[i + 2 : gt])
            return gt + 1
        return self.parse_bogus_comment(i)

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        """<![CDATA[...]]> and MS Office's <![if ...]>, reported through unknown_decl."""
        rawdata = self.rawdata
        keyword, j = self._scan_name(i + 3, i)
        if j < 0:
            return j
        if keyword in _grammar.MARKED_SECTION_KEYWORDS:
            match = _grammar.MARKED_SECTION_CLOSE.search(rawdata, i + 3)
        elif keyword in _grammar.MS_OFFICE_SECTION_KEYWORDS:
            match = _grammar.MS_OFFICE_SECTION_CLOSE.search(rawdata, i + 3)
        else:
            # The stdlib raises AssertionError here; HTML5 reads "<![" as a bogus comment.
            return self.parse_bogus_comment(i, report)
        if match is None:
            return -1
        if report:
            self.unknown_decl(rawdata[i + 3 : match.start()])
        return match.end()

    def _scan_name(self, i: int, declstartpos: int) -> tuple[str | None, int]:
        """The declaration keyword at i, lower-cased, and where it ends; (None, -1) to wait."""
        rawdata = self.rawdata
        if i == len(rawdata):
            return None, -1
        match = _grammar.DECLARATION_NAME.match(rawdata, i)
        if match is None:
            return None, i
        if match.end() == len(rawdata):
            return None, -1
        return match.group().strip().lower(), match.end()

    # --- handlers, overridden by subclasses ---------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """<tag attr=value ...>: tag and attribute names lower-cased, values decoded."""

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """<tag ... />; by default reported as a start tag followed by an end tag."""
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        """</tag>, tag lower-cased."""

    def handle_charref(self, name: str) -> None:
        """&#NNN; or &#xNNN; (convert_charrefs off): name is the part after "&#"."""

    def handle_entityref(self, name: str) -> None:
        """&name; (convert_charrefs off)."""

    def handle_data(self, data: str) -> None:
        """Text between markup."""

    def handle_comment(self, data: str) -> None:
        """<!--data-->, and bogus comments such as <!data> or </ data>."""

    def handle_decl(self, decl: str) -> None:
        """<!DOCTYPE ...>: decl is the text between "<!" and ">"."""

    def handle_pi(self, data: str) -> None:
        """<?data>: the processing instruction up to ">"."""

    def unknown_decl(self, data: str) -> None:
        """<![CDATA[data]]> and other marked sections."""
