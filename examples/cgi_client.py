"""The seed's CGI client (program 12), ported: POSTs a form to cgi-bin/script.py and prints the reply.

Start a CGI server first (``webstd serve 8888 --bind 127.0.0.1 --directory examples --cgi``), then
``python examples/cgi_client.py [BASE_URL]``. The base URL comes from the first argument, else from
the CGI_BASE_URL environment variable, else http://127.0.0.1:8888/.
"""

import os
import sys

from webstd.urllib.parse import urlencode, urljoin
from webstd.urllib.request import urlopen


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CGI_BASE_URL", "http://127.0.0.1:8888/")
    url = urljoin(base, "cgi-bin/script.py")
    data = {
        "language": "python",
        "framework": "django",
        "email": "lowell2735@gmail.com",
    }
    # Giving data makes urlopen send a POST with an application/x-www-form-urlencoded body.
    with urlopen(url, urlencode(data).encode("ascii")) as reply:
        print(reply.read().decode("utf-8"))


if __name__ == "__main__":
    main()
