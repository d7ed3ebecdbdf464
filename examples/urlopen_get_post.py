"""The seed's urlopen() example: a GET, then a POST made by giving ``data``.

The seed fetched www.naver.com; this port talks to the demo site of ``make run``. The base URL is
the first argument, else DEMO_URL, else http://127.0.0.1:8888/. ``read(500)`` reads at most 500
bytes of the body, as in the seed.
"""

import os
import sys

from webstd.urllib.parse import urlencode, urljoin
from webstd.urllib.request import urlopen


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("DEMO_URL", "http://127.0.0.1:8888/")

    # GET: the same bytes a browser receives, shown as they are rather than rendered.
    with urlopen(base, timeout=10) as f:
        print("GET", f.geturl(), f.status, f.reason)
        print(f.read(500).decode("utf-8", "replace"))

    # POST: giving data (bytes, here a url-encoded query string) makes urlopen send a POST.
    data = urlencode({"query": "python"}).encode("ascii")
    with urlopen(urljoin(base, "form"), data, timeout=10) as f:
        print("POST", f.geturl(), f.status, f.reason)
        print(f.read(500).decode("utf-8", "replace"))


if __name__ == "__main__":
    main()
