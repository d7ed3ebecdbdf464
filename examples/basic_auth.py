"""The seed's basic-auth example: HTTPBasicAuthHandler, build_opener, install_opener, urlopen.

The handler answers the server's 401 challenge with the password registered for the realm and
URI. The demo site's /private/ is the realm "PDQ Application" with the seed's user and password.
Base URL: the first argument, else DEMO_URL, else http://127.0.0.1:8888/.
"""

import os
import sys

from webstd.urllib.error import HTTPError
from webstd.urllib.parse import urljoin
from webstd.urllib.request import HTTPBasicAuthHandler, build_opener, install_opener, urlopen


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("DEMO_URL", "http://127.0.0.1:8888/")
    url = urljoin(base, "private/")

    # Without credentials the server refuses.
    try:
        urlopen(url, timeout=10)
    except HTTPError as error:
        print("without a password:", error.code, error.reason)
        error.close()

    auth_handler = HTTPBasicAuthHandler()
    auth_handler.add_password(realm="PDQ Application", uri=url, user="lowell", passwd="opppennner!")
    opener = build_opener(auth_handler)  # an opener with the handler
    install_opener(opener)  # now the default opener of urlopen()
    with urlopen(url, timeout=10) as u:
        print("with the password:", u.status, u.reason)
        print(u.read().decode("utf-8"), end="")


if __name__ == "__main__":
    main()
