"""The seed's hello-world web server (program 10), ported to Python 3 and webstd.

Only the import changed (BaseHTTPServer -> webstd.http.server) and the body became bytes. The
handler writes its body without a status line; webstd answers it as a 200 response ended by
closing the connection, so `curl http://localhost:8888/` and browsers show Hello World!
"""

from webstd.http.server import BaseHTTPRequestHandler, HTTPServer


class MyHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.wfile.write(b"Hello World!")


if __name__ == "__main__":
    server = HTTPServer(("", 8888), MyHandler)
    print("Started WebServer on port 8888...")
    print("Press ^C to quit WebServer")
    server.serve_forever()
