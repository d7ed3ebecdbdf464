"""The seed's image downloader (program 9), ported to Python 3 and webstd.

Fetches a page with webstd.http.client (the first argument, default http://127.0.0.1:8888/),
decodes it with the charset of its Content-Type header, finds every <img src>, joins each against
the page URL and saves it under DOWNLOAD/ with urlretrieve, printing each attribute it sees as the
seed did. `webstd images URL --download DIR` is the robust version (safe names, concurrency,
resume, robots.txt).
"""

import os
import sys

from webstd.html.parser import HTMLParser
from webstd.http.client import HTTPConnection
from webstd.urllib.error import URLError
from webstd.urllib.parse import urljoin, urlsplit, urlunsplit
from webstd.urllib.request import urlretrieve


class ImageParser(HTMLParser):
    def handle_starttag(self, tag, attrs):
        if tag != "img":
            return
        if not hasattr(self, "result"):
            self.result = []
        for name, value in attrs:
            print("attrs name:" + name + " value:" + (value or ""))
            if name == "src":
                self.result.append(value)


def download_image(src_url, data):
    if not os.path.exists("DOWNLOAD"):
        os.makedirs("DOWNLOAD")
    parser = ImageParser()
    parser.feed(data)
    result_set = set(getattr(parser, "result", []))
    for x in sorted(result_set):
        src = urljoin(src_url, x)
        # Unlike the seed, keep only the last path segment so a name can never leave DOWNLOAD/.
        basename = os.path.basename(urlsplit(src).path) or "index"
        target_file = os.path.join("DOWNLOAD", basename)
        try:
            urlretrieve(src, target_file)
        except (URLError, ValueError) as error:  # the seed stopped at the first broken image
            print("failed:", src, error)


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8888/"
    parts = urlsplit(url)
    conn = HTTPConnection(parts.netloc)
    conn.request("GET", parts.path or "/")
    resp = conn.getresponse()
    charset = resp.msg.get_content_charset() or "utf-8"
    data = resp.read().decode(charset, "replace")
    conn.close()
    print("\n>>>>>>>>> Download Images from", parts.netloc)
    page_url = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))
    download_image(page_url, data)


if __name__ == "__main__":
    main()
