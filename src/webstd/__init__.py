"""webstd: Python's web standard library, rewritten for production use.

The modules live under the stdlib's own names (``webstd.urllib.parse``, ``webstd.http.client``,
``webstd.http.server`` ...) so that code written for the stdlib runs after changing its imports.
One sans-IO HTTP/1.1 engine, :mod:`webstd.protocol`, parses and frames every message that the
client, the servers and the proxy handle.

``webstd.patch()`` puts webstd's modules in ``sys.modules`` under the stdlib's names, for code that
cannot change its imports; ``webstd.unpatch()`` undoes it (``python -m webstd run SCRIPT`` runs a
script patched).
"""

from webstd._patch import is_patched, patch, unpatch

__all__ = ["patch", "unpatch", "is_patched"]
__version__ = "0.1.0"
