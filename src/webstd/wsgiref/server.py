"""A production WSGI server (webstd's own; the stdlib has none): ``serve()``, ``Server``, ``Config``.

Run it from the command line as ``webstd wsgi module:app`` (see docs/wsgi.md for every option),
or from Python::

    from webstd.wsgiref.server import serve
    serve(app, bind="127.0.0.1:8000", workers=2, threads=8)

An event loop reads requests (webstd.protocol parses them) and a pool of threads runs the
application; worker processes share the listening sockets under an arbiter that replaces dead
workers and handles SIGTERM (graceful stop), SIGHUP (graceful reload) and SIGINT (fast stop).
"""

from webstd.wsgiref._server_api import Config, ConfigError, Server, make_config, serve
from webstd.wsgiref._server_config import BindAddress, load_app

__all__ = ["BindAddress", "Config", "ConfigError", "Server", "load_app", "make_config", "serve"]
