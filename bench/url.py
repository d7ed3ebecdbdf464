"""Benchmark webstd.urllib.parse against the stdlib's urllib.parse, measured in the same run.

Prints one line per function: "name: webstd N.NNx stdlib" where N > 1 means webstd is faster.
Distinct URLs defeat urlsplit's cache (both implementations keep one); the "repeated" lines reuse a
few URLs so the cache is hit.  Run: .venv/bin/python bench/url.py
"""

import random
import sys
import time
import urllib.parse as stdlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from webstd.urllib import parse as webstd  # noqa: E402

COUNT = 100_000
ROUNDS = 5


def make_urls(count):
    rng = random.Random(1234)
    hosts = ["example.com", "www.python.org", "[2001:db8::1]", "user:pw@host.test:8080", "a.b.c"]
    words = ["index", "api", "v1", "users", "caf%C3%A9", "search", "a b", "\u00e9t\u00e9", "x;y"]
    urls = []
    for number in range(count):
        path = "/".join(rng.choice(words) for _ in range(rng.randint(1, 4)))
        query = "&".join(f"{rng.choice(words)}={number % 97}" for _ in range(rng.randint(0, 3)))
        url = f"{rng.choice(['http', 'https', 'ftp'])}://{rng.choice(hosts)}/{path}/{number}"
        if query:
            url += "?" + query
        if number % 3 == 0:
            url += "#frag"
        urls.append(url)
    return urls


def best_time(function, inputs):
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for item in inputs:
            function(*item)
        best = min(best, time.perf_counter() - start)
    return best


def compare(label, name, inputs, clear=False):
    timings = {}
    # Alternate the two implementations so drifting CPU speed affects both alike.
    for module in (stdlib, webstd, stdlib, webstd):
        if clear:
            module.urlsplit.cache_clear()
        elapsed = best_time(getattr(module, name), inputs)
        timings[module] = min(timings.get(module, elapsed), elapsed)
    print(f"{label}: webstd {timings[stdlib] / timings[webstd]:.2f}x stdlib", flush=True)


def main():
    urls = make_urls(COUNT)
    one = [(url,) for url in urls]
    repeated = [(url,) for url in urls[:50]] * (COUNT // 50)
    components = [stdlib.urlsplit(url) for url in urls]
    paths = [(split.path,) for split in components]
    queries = [(split.query,) for split in components]
    relatives = ["../a/b?c", "g;x?y#s", "./x/../y", "//other/", "?q", "#f", "../../../z"]
    joins = [(url, relatives[index % len(relatives)]) for index, url in enumerate(urls)]
    plain = [(stdlib.unquote(path),) for (path,) in paths]

    compare("urlsplit (distinct URLs)", "urlsplit", one)
    compare("urlsplit (repeated URLs)", "urlsplit", repeated)
    compare("urlparse (distinct URLs)", "urlparse", one, clear=True)
    compare("urlparse (repeated URLs)", "urlparse", repeated)
    compare("urljoin", "urljoin", joins[: COUNT // 2], clear=True)
    compare("quote", "quote", plain)
    compare("unquote", "unquote", paths)
    compare("parse_qsl", "parse_qsl", queries)


if __name__ == "__main__":
    main()
