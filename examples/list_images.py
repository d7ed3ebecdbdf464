"""The seed's image lister (program 7), ported to Python 3 and webstd.

Fetches a page (the first argument, default http://127.0.0.1:8888/), decodes it with the charset
of its Content-Type header (UTF-8 when there is none), collects every <img src> with an
HTMLParser subclass and prints them sorted and unique, after a ">>>>>>>> Fetch Images from" line.
`webstd images URL` does the same with srcset, lazy-loading attributes, icons, <base> and more.
"""

import sys

from webstd.html.parser import HTMLParser
from webstd.urllib.request import urlopen


class ImageParser(HTMLParser):
    def handle_starttag(self, tag, attrs):
        if tag != "img":
            return
        if not hasattr(self, "result"):
            self.result = []
        for name, value in attrs:
            if name == "src":
                self.result.append(value)


def parse_image(data):
    parser = ImageParser()
    parser.feed(data)
    data_set = set(parser.result) if hasattr(parser, "result") else set()
    print("\n".join(sorted(data_set)))


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8888/"
    with urlopen(url) as f:
        charset = f.info().get_content_charset() or "utf-8"
        data = f.read().decode(charset, "replace")
    print("\n>>>>>>>> Fetch Images from", url)
    parse_image(data)


if __name__ == "__main__":
    main()
