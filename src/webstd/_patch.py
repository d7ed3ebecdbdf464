"""``webstd.patch()``: webstd's modules under the stdlib's names, for code that cannot change its
imports (and for running CPython's own tests against webstd).

After ``patch()``, ``import http.client`` (and ``from urllib.parse import quote``, and the stdlib
modules that import these, such as mimetypes, xmlrpc.client and logging.handlers) gets webstd's
module. Each replacement is put in ``sys.modules`` parents first (``http`` before ``http.client``)
and set as an attribute of its parent package, also of the stdlib's package when that was already
imported, so that code holding the old ``urllib`` package reads ``urllib.parse`` as webstd's.
A stdlib submodule webstd does not provide (``urllib.robotparser``) stays importable: the stdlib's
directory is added to the replaced package's ``__path__`` while patched, so it is loaded from the
stdlib's source under the stdlib's name and sees webstd's modules. ``html`` itself is not
replaced (webstd's ``html`` package has only escape and unescape), only ``html.parser``.

Patch early: a module that ran ``from http.client import HTTPConnection`` before keeps the
stdlib's class. ``unpatch()`` puts back exactly what was there (modules, attributes, paths).
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from types import ModuleType
from typing import Any

__all__ = ["patch", "unpatch", "is_patched", "PATCHED_MODULES"]

# Stdlib name -> webstd module, parents before their children.
PATCHED_MODULES: dict[str, str] = {
    name: "webstd." + name
    for name in [
        "urllib",
        "urllib.error",
        "urllib.response",
        "urllib.parse",
        "urllib.request",
        "http",
        "http.client",
        "http.cookies",
        "http.cookiejar",
        "http.server",
        "html.parser",
        "socketserver",
        "cgi",
        "wsgiref",
        "wsgiref.util",
        "wsgiref.headers",
        "wsgiref.types",
        "wsgiref.handlers",
        "wsgiref.validate",
        "wsgiref.simple_server",
    ]
}

_MISSING = object()
_lock = threading.Lock()
# What patch() changed, to undo in reverse order: (kind, target, key, previous value).
_undo: list[tuple[str, Any, str, Any]] = []
# The stdlib's packages that were imported before patch() (name -> module).
_old_parents: dict[str, ModuleType] = {}
# The names in sys.modules before patch(): a stdlib submodule first imported while patched (it
# holds webstd's modules) is forgotten again by unpatch().
_loaded_before: set[str] = set()


def _stdlib_package_dir(name: str) -> str | None:
    """The directory of the stdlib's package ``name`` (without importing it), None if none."""
    stdlib = os.path.dirname(os.__file__)
    candidate = os.path.join(stdlib, *name.split("."))
    if os.path.isfile(os.path.join(candidate, "__init__.py")):
        return candidate
    return None


def _set_module(name: str, module: ModuleType) -> None:
    _undo.append(("module", sys.modules, name, sys.modules.get(name, _MISSING)))
    sys.modules[name] = module


def _set_attribute(target: Any, attribute: str, value: Any) -> None:
    _undo.append(("attribute", target, attribute, getattr(target, attribute, _MISSING)))
    setattr(target, attribute, value)


def patch() -> None:
    """Put webstd's modules in ``sys.modules`` in place of the stdlib's. Calling it again while
    patched does nothing."""
    with _lock:
        if _undo:
            return
        # Import them all first: webstd's modules import one another under webstd's names, and
        # a failure here must leave sys.modules as it was.
        replacements = {name: importlib.import_module(path) for name, path in PATCHED_MODULES.items()}
        _loaded_before.update(sys.modules)
        try:
            for name, module in replacements.items():
                parent_name, _, child = name.rpartition(".")
                previous = sys.modules.get(name)
                _set_module(name, module)
                if parent_name:
                    importlib.import_module(parent_name)  # html: the stdlib's own package
                    _set_attribute(sys.modules[parent_name], child, module)
                    # The stdlib's parent, where some module still holds it.
                    old_parent = _old_parents.get(parent_name)
                    if old_parent is not None and old_parent is not sys.modules[parent_name]:
                        _set_attribute(old_parent, child, module)
                if hasattr(module, "__path__"):
                    if previous is not None and previous is not module:
                        _old_parents[name] = previous
                    directory = _stdlib_package_dir(name)
                    if directory is not None and directory not in module.__path__:
                        _undo.append(("path", module.__path__, directory, None))
                        module.__path__.append(directory)
        except BaseException:
            _restore()
            raise


def _restore() -> None:
    packages = tuple(name + "." for name in PATCHED_MODULES if "." not in name)
    for name in [name for name in sys.modules if name.startswith(packages)]:
        if name not in _loaded_before and name not in PATCHED_MODULES:
            del sys.modules[name]
    _loaded_before.clear()
    while _undo:
        kind, target, key, previous = _undo.pop()
        if kind == "path":
            if key in target:
                target.remove(key)
        elif kind == "module":
            if previous is _MISSING:
                target.pop(key, None)
            else:
                target[key] = previous
        elif previous is _MISSING:
            if hasattr(target, key):
                delattr(target, key)
        else:
            setattr(target, key, previous)
    _old_parents.clear()


def unpatch() -> None:
    """Undo ``patch()``: the modules, package attributes and paths it changed are as before."""
    with _lock:
        _restore()


def is_patched() -> bool:
    """Whether webstd's modules are in place of the stdlib's."""
    return bool(_undo)

