"""robots.txt (RFC 9309, the Robots Exclusion Protocol): parsing and the allow/deny decision.

Section 2.2.1: a group is one or more ``user-agent`` lines followed by rules; a crawler obeys every
group naming its product token (case-insensitively) or, when none does, the ``*`` groups.
Section 2.2.2: the rule with the longest matching path wins, ``allow`` on a tie; ``*`` matches any
run of characters and a final ``$`` anchors the end. ``/robots.txt`` itself is always allowed.
Lines other than user-agent/allow/disallow (sitemap, crawl-delay, ...) are ignored, and only the
first 500 KiB are parsed (section 2.5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_BYTES = 500 * 1024

_LINE = re.compile(r"\s*([A-Za-z-]+)\s*:\s*(.*?)\s*(?:#.*)?$")
_PERCENT = re.compile(r"%([0-9a-fA-F]{2})")
# RFC 3986 section 2.3: unreserved characters compare equal to their percent-encoded forms.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _normalize(path: str) -> str:
    """Percent-encoding made canonical: unreserved characters decoded, hex digits in upper case."""

    def one(match: re.Match[str]) -> str:
        character = chr(int(match.group(1), 16))
        return character if character in _UNRESERVED else "%" + match.group(1).upper()

    encoded = path.encode("utf-8").decode("latin-1")
    if encoded != path:
        encoded = "".join(c if ord(c) < 0x80 else f"%{ord(c):02X}" for c in encoded)
    return _PERCENT.sub(one, encoded)


@dataclass(frozen=True)
class Rule:
    allow: bool
    path: str
    pattern: re.Pattern[str]

    @classmethod
    def build(cls, allow: bool, path: str) -> Rule:
        path = _normalize(path)
        anchored = path.endswith("$")
        body = path[:-1] if anchored else path
        regex = ".*".join(re.escape(piece) for piece in body.split("*"))
        return cls(allow, path, re.compile(regex + ("$" if anchored else ""), re.DOTALL))


@dataclass
class _Group:
    agents: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)


@dataclass(frozen=True)
class RobotsPolicy:
    """The rules that apply to one product token; an empty list allows everything."""

    rules: tuple[Rule, ...] = ()
    disallow_all: bool = False

    def allowed(self, path_and_query: str) -> bool:
        if self.disallow_all:
            return False
        target = _normalize(path_and_query or "/")
        if target == "/robots.txt":
            return True
        best: Rule | None = None
        for rule in self.rules:
            if rule.pattern.match(target) is None:
                continue
            if (best is None or len(rule.path) > len(best.path)
                    or (len(rule.path) == len(best.path) and rule.allow)):
                best = rule
        return best is None or best.allow


ALLOW_ALL = RobotsPolicy()
DISALLOW_ALL = RobotsPolicy(disallow_all=True)


def parse(text: str | bytes, product_token: str) -> RobotsPolicy:
    """The policy a robots.txt body sets for ``product_token`` (e.g. ``webstd-images``)."""
    if isinstance(text, bytes):
        text = text[:MAX_BYTES].decode("utf-8", "replace")
    groups: list[_Group] = []
    current: _Group | None = None
    for line in text.lstrip("\ufeff").splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        key, value = match.group(1).lower(), match.group(2)
        if key == "user-agent":
            if current is None or current.rules:
                current = _Group()
                groups.append(current)
            current.agents.append(value.lower())
        elif key in ("allow", "disallow") and current is not None:
            # An empty path matches nothing (section 2.2.2).
            if value:
                current.rules.append(Rule.build(key == "allow", value))
    token = product_token.lower()
    chosen = [group for group in groups if token in group.agents]
    if not chosen:
        chosen = [group for group in groups if "*" in group.agents]
    return RobotsPolicy(tuple(rule for group in chosen for rule in group.rules))
