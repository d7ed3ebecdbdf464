"""The WSGI reference library (PEP 3333): util, headers, handlers, validate, simple_server, types."""
