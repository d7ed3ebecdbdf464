"""The seed's WSGI example on webstd: only the import changed (and Python 3's print() and bytes body).

Run: python examples/wsgi_app.py, then curl http://127.0.0.1:8888/
For production, serve the same function with: webstd wsgi examples.wsgi_app:my_app --bind :8888
"""


def my_app(environ, start_response):
    status = "200 ok"
    headers = [("Content-type", "text/plain")]
    start_response(status, headers)

    return [b"this is a sample WSGI Application"]


if __name__ == "__main__":
    from webstd.wsgiref.simple_server import make_server

    print("Started WSGI Server on port 8888..")
    server = make_server("", 8888, my_app)
    server.serve_forever()
