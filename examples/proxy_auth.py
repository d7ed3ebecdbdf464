"""The seed's proxy example: ProxyHandler and ProxyBasicAuthHandler, then opener.open(url).

``make run`` starts ``webstd proxy --auth username:password`` on 127.0.0.1:3128 (realm
"webstd proxy"). ``opener.open()`` uses the opener directly, without install_opener(). Base URL:
the first argument, else DEMO_URL, else http://127.0.0.1:8888/; the proxy: the second argument,
else DEMO_PROXY, else http://127.0.0.1:3128/.
"""

import os
import sys

from webstd.urllib.error import HTTPError
from webstd.urllib.parse import urljoin, urlsplit
from webstd.urllib.request import ProxyBasicAuthHandler, ProxyHandler, build_opener


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("DEMO_URL", "http://127.0.0.1:8888/")
    proxy = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("DEMO_PROXY", "http://127.0.0.1:3128/")
    url = urljoin(base, "index.html")
    proxy_handler = ProxyHandler({"http": proxy})

    # Without credentials the proxy answers 407 Proxy Authentication Required.
    try:
        build_opener(proxy_handler).open(url, timeout=10)
    except HTTPError as error:
        print("without proxy credentials:", error.code, error.reason)
        error.close()

    proxy_auth_handler = ProxyBasicAuthHandler()
    # (realm, the proxy's host:port, user, password)
    proxy_auth_handler.add_password("webstd proxy", urlsplit(proxy).netloc, "username", "password")
    opener = build_opener(proxy_handler, proxy_auth_handler)
    with opener.open(url, timeout=10) as u:
        print("through the proxy:", u.status, u.reason, u.geturl())
        print(u.read(200).decode("utf-8", "replace"))


if __name__ == "__main__":
    main()
