"""Benchmark webstd.html.parser against the stdlib's html.parser, measured in the same run.

Parses a generated ~2 MB page that looks like a real one (nested divs, links, images with srcset,
inline scripts and styles, entities, comments, a table) with two parsers of each kind: the no-op
base class, and an "image lister" subclass that records start tags and text.  Each is run with the
page fed at once and in 8 KiB pieces (as read from a socket).  Prints lines like
"recording, at once: webstd 1.80x stdlib" where N > 1 means webstd is faster.
Run: .venv/bin/python bench/html.py
"""

import gc
import random
import sys
import time
from pathlib import Path

# This script is named html.py: drop its own directory from the path so "html" is the stdlib's.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent / "src"))

import html.parser as stdlib  # noqa: E402

from webstd.html import parser as webstd  # noqa: E402

PAGE_SIZE = 2_000_000
ROUNDS = 7
CHUNK = 8192

WORDS = (
    "the quick brown fox jumps over lazy dog lorem ipsum dolor sit amet news sport weather "
    "caf\u00e9 na\u00efve r\u00e9sum\u00e9 &amp; &copy; &nbsp; &#8212; &lt;tag&gt; &quot;quoted&quot;"
).split()


def sentence(rng):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 18)))


def article(rng, number):
    image = f"/img/{number}"
    return (
        f'<div class="card card-{number % 7}" id="post-{number}" data-index="{number}">\n'
        f'  <div class="card-body">\n'
        f'    <h2 class=title><a href="/posts/{number}?ref=home&amp;page={number % 9}" '
        f'title="{sentence(rng)[:40]}">{sentence(rng)}</a></h2>\n'
        f'    <img src="{image}.jpg" srcset="{image}-480.jpg 480w, {image}-800.jpg 800w, '
        f'{image}-1200.jpg 1200w" sizes="(max-width: 600px) 480px, 800px" alt="{sentence(rng)}" '
        f'loading=lazy width=800 height=450>\n'
        f"    <p>{sentence(rng)} <b>{sentence(rng)}</b> <em>{sentence(rng)}</em> "
        f'<a href="https://example.com/{number}" rel="nofollow noopener">{sentence(rng)}</a></p>\n'
        f"    <!-- card {number} -->\n"
        f'    <ul class="tags"><li><a href="/t/{number % 13}">tag</a><li><a href="/t/x">x</a></ul>\n'
        f"    <br/><input type=checkbox checked disabled>\n"
        f"  </div>\n</div>\n"
    )


def table(rng):
    rows = "".join(
        f"<tr><td>{row}</td><td align=right>{rng.random():.3f}</td><td>{sentence(rng)}</td></tr>\n"
        for row in range(20)
    )
    return f'<table class="data"><thead><tr><th>n<th>value<th>text</thead>\n{rows}</table>\n'


SCRIPT = (
    '<script type="text/javascript">\n'
    "  (function () { var a = 1 < 2 && 3 > 2; var s = '<div class=\"x\">' + '</scr' + 'ipt>';\n"
    "    for (var i = 0; i < 10; i++) { document.title += i; } })();\n"
    "</script>\n"
)
STYLE = "<style>\n  .card > .card-body { margin: 0 auto; }\n  a:hover { color: #333; }\n</style>\n"


def make_page():
    rng = random.Random(2024)
    parts = [
        "<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n<title>News</title>\n",
        STYLE,
        SCRIPT,
        '</head>\n<body class="home">\n<div id=wrapper><div class="container">\n',
    ]
    size = sum(map(len, parts))
    number = 0
    while size < PAGE_SIZE:
        block = article(rng, number)
        if number % 10 == 0:
            block += table(rng)
        if number % 15 == 0:
            block += SCRIPT + STYLE
        parts.append(block)
        size += len(block)
        number += 1
    parts.append("</div></div>\n</body>\n</html>\n")
    return "".join(parts)


def image_lister(base):
    class ImageLister(base):
        def __init__(self):
            super().__init__()
            self.images = []
            self.text = []

        def handle_starttag(self, tag, attrs):
            if tag == "img":
                self.images.append(dict(attrs))

        def handle_data(self, data):
            self.text.append(data)

    return ImageLister


def run_once(factory, pieces):
    gc.collect()
    parser = factory()
    start = time.perf_counter()
    for piece in pieces:
        parser.feed(piece)
    parser.close()
    return time.perf_counter() - start


def best_times(std_class, web_class, pieces):
    """Best of ROUNDS for each, the two runs interleaved so that load on the machine hits both."""
    std_best = web_best = float("inf")
    for _ in range(ROUNDS):
        std_best = min(std_best, run_once(std_class, pieces))
        web_best = min(web_best, run_once(web_class, pieces))
    return std_best, web_best


def main():
    page = make_page()
    chunks = [page[i : i + CHUNK] for i in range(0, len(page), CHUNK)]
    print(f"page: {len(page) / 1e6:.1f} MB, {page.count('<')} tags")
    kinds = {
        "no-op base class": (stdlib.HTMLParser, webstd.HTMLParser),
        "recording subclass": (image_lister(stdlib.HTMLParser), image_lister(webstd.HTMLParser)),
    }
    for label, (std_class, web_class) in kinds.items():
        for how, pieces in (("at once", [page]), ("8 KiB pieces", chunks)):
            std_time, web_time = best_times(std_class, web_class, pieces)
            print(
                f"{label}, {how}: webstd {std_time / web_time:.2f}x stdlib "
                f"({len(page) / web_time / 1e6:.1f} MB/s vs {len(page) / std_time / 1e6:.1f} MB/s)"
            )
    # Unfinished constructs that make the stdlib rescan the rest of the buffer for each one.
    for payload in ('<a "' * 3000, "<a<a" * 3000, "<!--" * 8000):
        std_time, web_time = best_times(stdlib.HTMLParser, webstd.HTMLParser, [payload])
        print(f"pathological {payload[:4]!r} x{len(payload) // 4}: webstd {std_time / web_time:.0f}x stdlib")


if __name__ == "__main__":
    main()
