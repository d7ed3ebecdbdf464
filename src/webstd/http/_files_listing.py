"""The directory listing page: one self-contained UTF-8 HTML document with an embedded stylesheet.

It owns the page's markup, sorting (``?sort=name|size|date&order=asc|desc``), breadcrumbs and
the optional upload form. Every name is HTML-escaped for text and percent-encoded for links, so
no file name can inject markup or script. It reads the directory and nothing else; no
JavaScript.
"""

from __future__ import annotations

import os
import stat
import time

from webstd.html import escape
from webstd.urllib.parse import parse_qs, quote

__all__ = ["render_listing"]

_SORT_KEYS = ("name", "size", "date")

_STYLE = """
:root{color-scheme:light dark;--fg:#1f2328;--muted:#59636e;--bg:#fff;--row:#f6f8fa;--line:#d1d9e0;
--link:#0969da}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--row:#151b23;
--line:#3d444d;--link:#4493f8}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
background:var(--bg)}
main{max-width:960px;margin:0 auto;padding:32px 20px}
h1{font-size:20px;font-weight:600;margin:0 0 20px;word-break:break-all}
h1 a{color:var(--link);text-decoration:none}h1 a:hover{text-decoration:underline}
h1 .sep{color:var(--muted);margin:0 6px}
table{width:100%;border-collapse:collapse;border:1px solid var(--line);border-radius:8px;
overflow:hidden}
th,td{padding:8px 14px;text-align:left;border-bottom:1px solid var(--line)}
th{background:var(--row);font-weight:600;font-size:13px;color:var(--muted)}
th a{color:inherit;text-decoration:none}th a:hover{color:var(--link)}
tr:last-child td{border-bottom:0}tbody tr:hover{background:var(--row)}
td.name a{color:var(--link);text-decoration:none;word-break:break-all}
td.name a:hover{text-decoration:underline}
td.size,th.size{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.date{white-space:nowrap;color:var(--muted);font-variant-numeric:tabular-nums}
.icon{display:inline-block;width:11px;height:14px;margin-right:10px;border:1.5px solid var(--muted);
border-radius:2px;vertical-align:-2px}
.icon.dir{width:15px;height:11px;border:0;background:#54aeff;vertical-align:-1px}
.icon.up{border:0;width:15px}
form{margin-top:24px;padding:16px;border:1px dashed var(--line);border-radius:8px;display:flex;
gap:12px;align-items:center;flex-wrap:wrap}
button{font:inherit;padding:6px 16px;border-radius:6px;border:1px solid var(--line);
background:var(--row);color:var(--fg);cursor:pointer}
footer{margin-top:16px;color:var(--muted);font-size:13px}
"""


def human_size(size: int) -> str:
    """``1.5 KiB``-style sizes, bytes below 1 KiB."""
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB"):
        value /= 1024
        if value < 1024 or unit == "PiB":
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def _entries(directory: str) -> list[tuple[str, bool, int, float]]:
    entries = []
    with os.scandir(directory) as scan:
        for entry in scan:
            try:
                info = entry.stat()
            except OSError:
                continue  # a dangling symlink or a file removed meanwhile
            is_dir = stat.S_ISDIR(info.st_mode)
            entries.append((entry.name, is_dir, 0 if is_dir else info.st_size, info.st_mtime))
    return entries


def _sort_link(label: str, key: str, current: str, descending: bool, css: str = "") -> str:
    order = "desc" if key == current and not descending else "asc"
    arrow = ("&#9662;" if descending else "&#9652;") if key == current else ""
    klass = f' class="{css}"' if css else ""
    return f'<th{klass}><a href="?sort={key}&amp;order={order}">{label} {arrow}</a></th>'


def _breadcrumbs(url_path: str) -> str:
    crumbs = ['<a href="/">/</a>']
    href = "/"
    for segment in (segment for segment in url_path.split("/") if segment):
        href += _href(segment) + "/"
        crumbs.append(f'<a href="{escape(href)}">{escape(_display(segment))}</a>/')
    return "".join(crumbs)


def _href(name: str) -> str:
    return quote(name, safe="", errors="surrogateescape")


def _display(name: str) -> str:
    """A name as text: bytes that are not UTF-8 (surrogate-escaped by os) become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def render_listing(directory: str, url_path: str, query: str, *, upload: bool = False) -> bytes:
    """The listing page of ``directory`` (shown at ``url_path``), sorted as ``query`` asks."""
    options = parse_qs(query)
    key = options.get("sort", ["name"])[0]
    key = key if key in _SORT_KEYS else "name"
    descending = options.get("order", ["asc"])[0] == "desc"
    entries = _entries(directory)
    if key == "name":
        entries.sort(key=lambda e: (not e[1], e[0].casefold(), e[0]), reverse=False)
    elif key == "size":
        entries.sort(key=lambda e: (not e[1], e[2], e[0].casefold()))
    else:
        entries.sort(key=lambda e: (not e[1], e[3], e[0].casefold()))
    if descending:
        directories = [e for e in entries if e[1]][::-1]
        entries = directories + [e for e in entries if not e[1]][::-1]

    title = escape(_display(url_path.rstrip("/") + "/"))
    rows = []
    if url_path.strip("/"):
        rows.append(
            '<tr><td class="name"><a href="../"><span class="icon up"></span>..</a></td>'
            '<td class="size"></td><td class="date"></td></tr>'
        )
    for name, is_dir, size, mtime in entries:
        href = _href(name) + ("/" if is_dir else "")
        label = escape(_display(name)) + ("/" if is_dir else "")
        icon = "icon dir" if is_dir else "icon"
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(mtime))
        size_text = "&mdash;" if is_dir else human_size(size)
        rows.append(
            f'<tr><td class="name"><a href="{escape(href)}"><span class="{icon}"></span>'
            f'{label}</a></td><td class="size" title="{size} bytes">{size_text}</td>'
            f'<td class="date">{when}</td></tr>'
        )
    form = ""
    if upload:
        form = (
            '<form method="post" enctype="multipart/form-data">'
            '<input type="file" name="file" multiple required>'
            '<button type="submit">Upload</button></form>'
        )
    files = sum(1 for entry in entries if not entry[1])
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>Index of {title}</title><style>{_STYLE}</style></head><body><main>"
        f"<h1>Index of {_breadcrumbs(url_path)}</h1>"
        "<table><thead><tr>"
        + _sort_link("Name", "name", key, descending)
        + _sort_link("Size", "size", key, descending, "size")
        + _sort_link("Modified", "date", key, descending)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + f"</tbody></table>{form}"
        f"<footer>{len(entries) - files} directories, {files} files &middot; webstd</footer>"
        "</main></body></html>\n"
    )
    return page.encode("utf-8")
