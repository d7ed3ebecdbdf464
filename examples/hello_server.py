"""The seed's hello-world web server (program 10), ported to Python 3 and webstd.

Only the import changed (BaseHTTPServer -> webstd.http.server) and the body became bytes. The
handler writes its body without a status line; webstd answers it as a 200 response ended by
closing the connection, so `curl http://127.0.0.1:8888/` and browsers show Hello World!
It listens on 127.0.0.1 (the seed's '' is every interface) and on the port given as the first
argument, 8888 by default.
"""

import sys

from webstd.http.server import BaseHTTPRequestHandler, HTTPServer


class MyHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.wfile.write(b"Hello World!")


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8888
    server = HTTPServer(("127.0.0.1", port), MyHandler)
    print(f"Started WebServer on port {port}...")
    print("Press ^C to quit WebServer", flush=True)
    server.serve_forever()
