"""The seed's Request example: a request with its own header and body.

Python 2's ``add_data()`` is gone; Python 3 passes the body as ``Request(url, data=...)`` (or sets
``req.data``). The demo site's /form echoes what it received, so the output shows the header and
the body arriving. Base URL: the first argument, else DEMO_URL, else http://127.0.0.1:8888/.
"""

import os
import sys

from webstd.urllib.parse import urljoin
from webstd.urllib.request import Request, urlopen


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("DEMO_URL", "http://127.0.0.1:8888/")
    req = Request(urljoin(base, "form"))  # the Request object
    req.add_header("Content-Type", "text/plain")
    req.data = b"query=python"  # a body makes it a POST
    print(req.get_method(), req.full_url, req.get_header("Content-type"))
    with urlopen(req, timeout=10) as f:
        print(f.read(300).decode("utf-8", "replace"))


if __name__ == "__main__":
    main()
