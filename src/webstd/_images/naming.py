"""File names for downloaded images: safe inside the download directory, unique, deterministic.

A name is the last path segment of the URL, percent-decoded as UTF-8, with everything that could
leave the directory or trouble a file system taken out: path separators and ``..`` (only the last
segment is used, and leading dots become ``_``), NUL and control characters, the characters
Windows forbids, trailing dots and spaces, Windows' reserved device names (``CON``, ``NUL.txt``,
``COM1`` ...), and names that would collide with our own ``.part`` files. Names are limited to
200 bytes of UTF-8, keeping the extension.

When several URLs get the same name (compared case-insensitively, as on macOS and Windows), the
first in sorted order keeps it and the others become ``stem-<first 8 hex digits of
sha256(url)>.ext``. ``data:`` URLs are named from the hash of the whole URL and their media type.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re

from webstd._images.extract import split_url
from webstd.urllib.parse import unquote

MAX_NAME_BYTES = 200
PART_SUFFIX = ".part"

_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f<>:"/\\|?*]')
_RESERVED = re.compile(r"(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(?:\..*)?",
                       re.IGNORECASE)
# A name none of sanitize's rules would change, save the reserved names and our suffix.
_PLAIN = re.compile(f"[A-Za-z0-9_-][A-Za-z0-9._-]{{0,{MAX_NAME_BYTES - 1}}}")
_DATA_MEDIA_TYPE = re.compile(r"data:([^;,]*)", re.IGNORECASE)

# mimetypes.guess_extension's first choice is odd for a few image types.
_PREFERRED_EXTENSIONS = {"image/jpeg": ".jpg", "image/svg+xml": ".svg", "image/x-icon": ".ico",
                         "image/vnd.microsoft.icon": ".ico", "image/webp": ".webp",
                         "image/avif": ".avif", "image/apng": ".png"}


def url_hash(url: str, digits: int = 8) -> str:
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()[:digits]


def extension_for(media_type: str) -> str:
    media_type = media_type.strip().lower()
    return (_PREFERRED_EXTENSIONS.get(media_type) or mimetypes.guess_extension(media_type)
            or ".bin")


def _split_extension(name: str) -> tuple[str, str]:
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > 10:
        return name, ""
    return stem, "." + extension


def _truncate(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", "ignore")


def sanitize(name: str) -> str:
    """A safe file name (never empty, never a path) from an untrusted one."""
    if (_PLAIN.fullmatch(name) and name[-1] != "." and _RESERVED.fullmatch(name) is None
            and not name.lower().endswith(PART_SUFFIX)):
        return name  # what _make_safe would return unchanged: the usual case
    return _make_safe(name)


def _make_safe(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip().rstrip(". ")
    name = re.sub(r"^\.+", lambda match: "_" * len(match.group()), name)
    if not name:
        return "image"
    if _RESERVED.fullmatch(name):
        name = "_" + name
    if name.lower().endswith(PART_SUFFIX):
        name += "_"
    stem, extension = _split_extension(name)
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        name = _truncate(stem, MAX_NAME_BYTES - len(extension.encode("utf-8"))) + extension
    return name


def base_name(url: str) -> str:
    """The name an image URL would get on its own, before uniqueness is enforced."""
    if url[:5].lower() == "data:":
        match = _DATA_MEDIA_TYPE.match(url)
        media_type = (match.group(1) if match else "") or "text/plain"
        return url_hash(url, 16) + extension_for(media_type)
    path = split_url(url).path
    segment = path.rsplit("/", 1)[-1]
    return sanitize(unquote(segment, encoding="utf-8", errors="replace"))


def assign_names(urls: list[str]) -> dict[str, str]:
    """url -> file name for every URL, unique and stable for a given set of URLs."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for url in sorted(urls):
        name = base_name(url)
        if name.lower() in taken:
            stem, extension = _split_extension(name)
            name = sanitize(f"{stem}-{url_hash(url)}{extension}")
            while name.lower() in taken:
                stem, extension = _split_extension(name)
                name = sanitize(f"{stem}-{url_hash(url + name)}{extension}")
        taken.add(name.lower())
        names[url] = name
    return names
