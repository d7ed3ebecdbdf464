"""The seed's cookie example: HTTPCookieProcessor keeps the cookies a login page sets.

HTTPCookieProcessor() stores cookies in a CookieJar (webstd.http.cookiejar) and sends them back on
the next requests. The demo site's /login.html sets a session cookie and redirects to /members,
which only greets a visitor that sends it. Base URL: the first argument, else DEMO_URL, else
http://127.0.0.1:8888/.
"""

import os
import sys

from webstd.urllib.error import HTTPError
from webstd.urllib.parse import urljoin
from webstd.urllib.request import HTTPCookieProcessor, build_opener, install_opener, urlopen


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("DEMO_URL", "http://127.0.0.1:8888/")

    # Without the cookie, the members' page refuses.
    try:
        urlopen(urljoin(base, "members"), timeout=10)
    except HTTPError as error:
        print("before login:", error.code, error.reason)
        error.close()

    cookie_handler = HTTPCookieProcessor()  # uses a CookieJar by default
    opener = build_opener(cookie_handler)
    install_opener(opener)
    with urlopen(urljoin(base, "login.html"), timeout=10) as u:
        print("after login:", u.status, u.reason, u.geturl())
        print(u.read().decode("utf-8"), end="")
    for cookie in cookie_handler.cookiejar:
        print(f"cookie jar: {cookie.name} for {cookie.domain}{cookie.path}")


if __name__ == "__main__":
    main()
