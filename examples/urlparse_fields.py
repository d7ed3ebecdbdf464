"""The seed's first example: urlparse() splits a URL into its six fields.

Python 2's ``urlparse`` module is ``urllib.parse`` in Python 3; only the import changes. No server is
needed: ``python examples/urlparse_fields.py [URL]``.
"""

import sys

from webstd.urllib.parse import urlparse

# What each field is, as the seed's notes explain them.
MEANINGS = {
    "scheme": "the protocol",
    "netloc": "the network location (host and port)",
    "path": "the path of the file",
    "params": "parameters for the application (after ';')",
    "query": "the query string",
    "fragment": "a part of the document, such as an anchor",
}


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else "http://www.python.org:80/gudio/python.html;philosophy?overall=3#n10"
    result = urlparse(url)
    print(result)
    for field, meaning in MEANINGS.items():
        print(f"{field:9}: {getattr(result, field)!r:24} {meaning}")
    # A ParseResult puts the URL back together.
    print("geturl() :", result.geturl())


if __name__ == "__main__":
    main()
