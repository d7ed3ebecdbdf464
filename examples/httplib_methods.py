"""The seed's httplib examples: GET, HEAD, POST and PUT on webstd.http.client.HTTPConnection.

The order is the seed's: connect, request, getresponse, read (a response must be read whole before
the next request on the same connection), close. Python 2's ``httplib`` is ``http.client``. The
server is the demo site of ``make run`` (the seed used www.example.com, bugs.python.org and a
localhost:8888 that stored PUT bodies). Base URL: the first argument, else DEMO_URL, else
http://127.0.0.1:8888/.
"""

import os
import sys

from webstd.http.client import HTTPConnection
from webstd.urllib.parse import urlencode, urlsplit


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("DEMO_URL", "http://127.0.0.1:8888/")
    host = urlsplit(base).netloc  # a host[:port], not a URL: no http://

    print("--- GET, twice on one connection")
    conn = HTTPConnection(host, timeout=10)
    conn.request("GET", "/index.html")  # request(method, url, body, headers)
    r1 = conn.getresponse()
    print(r1.status, r1.reason)
    data1 = r1.read()  # read it all before the next request
    print(len(data1), "bytes")
    conn.request("GET", "/parrot.spam")
    r2 = conn.getresponse()
    print(r2.status, r2.reason)  # the reason is the server's: "File not found", as http.server sends
    r2.read()
    conn.close()

    print("--- HEAD: the headers, no body")
    conn = HTTPConnection(host, timeout=10)
    conn.request("HEAD", "/index.html")
    res = conn.getresponse()
    print(res.status, res.reason)
    print("Content-Type:", res.getheader("Content-Type"))
    data = res.read()
    print(len(data))
    print(data == b"")
    conn.close()

    print("--- POST a url-encoded form")
    params = urlencode({"@number": 1234, "@type": "issue", "@action": "show"})
    headers = {"Content-type": "application/x-www-form-urlencoded", "Accept": "text/plain"}
    conn = HTTPConnection(host, timeout=10)
    conn.request("POST", "/form", params, headers)
    response = conn.getresponse()
    print(response.status, response.reason)
    print(response.read().decode("utf-8"), end="")
    conn.close()

    print("--- PUT a body the server stores as /file")
    conn = HTTPConnection(host, timeout=10)
    body = "***filecontents***"
    conn.request("PUT", "/file", body)
    res = conn.getresponse()
    print(res.status, res.reason)  # 201 Created the first time, 200 OK when it replaces the file
    res.read()
    conn.request("GET", "/file")
    stored = conn.getresponse()
    print("GET /file:", stored.status, stored.reason, stored.read().decode("utf-8"))
    conn.close()


if __name__ == "__main__":
    main()
