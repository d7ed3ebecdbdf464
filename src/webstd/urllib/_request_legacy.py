"""URLopener and FancyURLopener: urllib's pre-2.0 interface, deprecated since Python 3.3.

They exist so that legacy code keeps running after its imports change; creating one warns with
3.11's DeprecationWarning ("URLopener style of invoking requests is deprecated. Use newer urlopen
functions/methods", pointing at the caller's caller as 3.11 does). New code uses urlopen and
build_opener.

``open(url)`` dispatches on the scheme to ``open_<scheme>(url)`` (``open_http``, ``open_https``,
``open_file``, ``open_ftp``, ``open_data``), with the URL's scheme removed. HTTP goes through
webstd.http.client, one connection per request with ``Connection: close``; a non-2xx status goes to
``http_error_<code>`` if the opener has one, else ``http_error_default`` (URLopener: raise
HTTPError; FancyURLopener: return the response). FancyURLopener follows redirects (301, 302, 303,
307 and 308, the last two for GET only, to http, https and ftp only; at most ``maxtries``) and
answers Basic challenges with ``prompt_user_passwd``, which reads the terminal.

What 3.11 reads from the urllib.request module at call time is read from webstd.urllib.request
at call time (``ftpwrapper``, ``ftpcache``, ``MAXFTPCACHE``; and ``HTTPConnection`` from
webstd.http.client), so
code that replaces them there (CPython's tests do) reaches these classes.
"""

from __future__ import annotations

import base64
import io
import mimetypes
import os
import re
import socket
import tempfile
import time
import warnings
from typing import Any

from webstd.http import client as _client
from webstd.http._dates import format_http_date
from webstd.http._message import HTTPMessage
from webstd.urllib._parse_legacy import (
    _splitattr,
    _splithost,
    _splitport,
    _splitquery,
    _splittype,
    _splituser,
    _to_bytes,
)
from webstd.urllib._request_base import __version__
from webstd.urllib._request_ftp import ftp_headers, ftperrors, parse_ftp_host, transfer_type
from webstd.urllib._request_local import url2pathname
from webstd.urllib._request_proxy import getproxies, proxy_bypass
from webstd.urllib.error import ContentTooShortError, HTTPError, URLError
from webstd.urllib.parse import quote, unquote, unwrap, urljoin, urlparse
from webstd.urllib.response import addinfourl

__all__ = ["URLopener", "FancyURLopener", "localhost", "thishost", "noheaders"]

# What URLopener.open quotes a URL with: everything but these is percent-encoded.
_URL_SAFE = "%/:=&?~#+!$,;'@()*[]|"
_BASIC_CHALLENGE = re.compile('[ \t]*([^ \t]+)[ \t]+realm="([^"]*)"')
_REDIRECT_SCHEMES = ("http", "https", "ftp", "")


def _request_module() -> Any:
    # Late: webstd.urllib.request imports this module.
    from webstd.urllib import request

    return request


def _message(fields: list[tuple[str, str]]) -> HTTPMessage:
    message = HTTPMessage()
    for name, value in fields:
        message[name] = value
    return message


_localhost: str | None = None
_thishost: tuple[str, ...] | None = None


def copy_with_progress(response: Any, target: Any, headers: Any, reporthook: Any) -> tuple[int, int]:
    """Copies ``response`` to ``target`` in 8 KiB blocks, calling ``reporthook(block_number,
    block_size, total_size)`` before the first block and after each, as urlretrieve does; returns
    (the Content-Length or -1, the bytes received). urlretrieve and URLopener.retrieve share it."""
    block_size, size, received, block_number = 8192, -1, 0, 0
    if "content-length" in headers:
        size = int(headers["Content-Length"])
    if reporthook:
        reporthook(block_number, block_size, size)
    while block := response.read(block_size):
        received += len(block)
        target.write(block)
        block_number += 1
        if reporthook:
            reporthook(block_number, block_size, size)
    return size, received


def localhost() -> str:
    """The address of the name "localhost" (looked up once)."""
    global _localhost
    if _localhost is None:
        _localhost = socket.gethostbyname("localhost")
    return _localhost


def thishost() -> tuple[str, ...]:
    """This machine's addresses (looked up once)."""
    global _thishost
    if _thishost is None:
        try:
            _thishost = tuple(socket.gethostbyname_ex(socket.gethostname())[2])
        except socket.gaierror:
            _thishost = tuple(socket.gethostbyname_ex("localhost")[2])
    return _thishost


def noheaders() -> HTTPMessage:
    """An empty header set."""
    return HTTPMessage()


class URLopener:
    """Opens URLs by scheme with ``open_<scheme>``; non-2xx HTTP responses raise HTTPError."""

    version = f"Python-urllib/{__version__}"

    def __init__(self, proxies: Any = None, **x509: Any) -> None:
        warnings.warn(f"{type(self).__name__} style of invoking requests is deprecated. "
                      "Use newer urlopen functions/methods", DeprecationWarning, stacklevel=3)  # fmt: skip
        if proxies is None:
            proxies = getproxies()
        if not hasattr(proxies, "keys"):
            raise AssertionError("proxies must be a mapping")
        self.proxies = proxies
        self.key_file = x509.get("key_file")
        self.cert_file = x509.get("cert_file")
        self.addheaders: list[tuple[str, ...]] = [("User-Agent", self.version), ("Accept", "*/*")]
        self._tempfiles: list[str] = []
        self._unlink = os.unlink  # kept: cleanup() may run while the interpreter shuts down
        self.tempcache: dict[str, Any] | None = None
        self.ftpcache = _request_module().ftpcache

    def __del__(self) -> None:
        self.close()

    def close(self) -> None:
        self.cleanup()

    def cleanup(self) -> None:
        """Removes the temporary files ``retrieve`` made."""
        tempfiles = getattr(self, "_tempfiles", None)
        if tempfiles:
            for name in tempfiles:
                try:
                    self._unlink(name)
                except OSError:
                    pass
            del tempfiles[:]
        if getattr(self, "tempcache", None):
            self.tempcache.clear()  # type: ignore[union-attr]

    def addheader(self, *args: str) -> None:
        """A header sent with every HTTP request, e.g. ``addheader('Accept', 'sound/basic')``."""
        self.addheaders.append(args)

    def open(self, fullurl: str, data: Any = None) -> Any:
        fullurl = quote(unwrap(_to_bytes(fullurl)), safe=_URL_SAFE)
        if self.tempcache and fullurl in self.tempcache:
            filename, headers = self.tempcache[fullurl]
            return addinfourl(open(filename, "rb"), headers, fullurl)
        urltype, url = _splittype(fullurl)
        if not urltype:
            urltype = "file"
        proxy = None
        target: Any = url
        if urltype in self.proxies:
            proxy = self.proxies[urltype]
            urltype, proxy_rest = _splittype(proxy)
            proxy_host, _ = _splithost(proxy_rest)
            target = (proxy_host, fullurl)  # (proxy, URL): open_* sees it is to go through one
        self.type = urltype
        name = "open_" + (urltype or "").replace("-", "_")
        if not hasattr(self, name) or name == "open_local_file":
            if proxy:
                return self.open_unknown_proxy(proxy, fullurl, data)
            return self.open_unknown(fullurl, data)
        try:
            if data is None:
                return getattr(self, name)(target)
            return getattr(self, name)(target, data)
        except (HTTPError, URLError):
            raise
        except OSError as error:
            raise OSError("socket error", error) from error

    def open_unknown(self, fullurl: str, data: Any = None) -> Any:
        urltype, _ = _splittype(fullurl)
        raise OSError("url error", "unknown url type", urltype)

    def open_unknown_proxy(self, proxy: str, fullurl: str, data: Any = None) -> Any:
        urltype, _ = _splittype(fullurl)
        raise OSError("url error", f"invalid proxy for {urltype}", proxy)

    def retrieve(self, url: str, filename: str | None = None, reporthook: Any = None,
                 data: Any = None) -> tuple[str, Any]:  # fmt: skip
        """(filename, headers): a local file's own name, or where the body was saved (a temporary
        file named with the URL's extension, removed by cleanup(), when ``filename`` is None)."""
        url = unwrap(_to_bytes(url))
        if self.tempcache and url in self.tempcache:
            return self.tempcache[url]
        urltype, rest = _splittype(url)
        if filename is None and (not urltype or urltype == "file"):
            try:
                local = self.open_local_file(rest)
                headers = local.info()
                local.close()
                return url2pathname(_splithost(rest)[1]), headers
            except OSError:
                pass
        response = self.open(url, data)
        try:
            headers = response.info()
            if filename:
                target = open(filename, "wb")
            else:
                path = _splithost(_splittype(url)[1] or "")[1]
                path = _splitattr(_splitquery(path or "")[0] or "")[0]
                handle, filename = tempfile.mkstemp(os.path.splitext(path)[1])
                self._tempfiles.append(filename)
                target = os.fdopen(handle, "wb")
            with target:
                result = filename, headers
                if self.tempcache is not None:
                    self.tempcache[url] = result
                size, received = copy_with_progress(response, target, headers, reporthook)
        finally:
            response.close()
        if size >= 0 and received < size:
            raise ContentTooShortError(
                f"retrieval incomplete: got only {received} out of {size} bytes", result
            )
        return result

    # --- HTTP -------------------------------------------------------------------------------

    def _open_generic_http(self, connection_factory: Any, url: Any, data: Any) -> Any:
        user_password = proxy_password = None
        if isinstance(url, str):
            host, selector = _splithost(url)
            if host:
                user_password, host = _splituser(host)
                host = unquote(host)
            real_host = host
        else:
            host, selector = url
            proxy_password, host = _splituser(host)
            urltype, rest = _splittype(selector)
            url = rest
            if (urltype or "").lower() != "http":
                real_host = None
            else:
                real_host, rest = _splithost(rest)
                if real_host:
                    user_password, real_host = _splituser(real_host)
                if user_password:
                    selector = f"{urltype}://{real_host}{rest}"
                if proxy_bypass(real_host):
                    host = real_host
        if not host:
            raise OSError("http error", "no host given")
        headers = {}
        if proxy_password:
            credentials = base64.b64encode(unquote(proxy_password).encode()).decode("ascii")
            headers["Proxy-Authorization"] = f"Basic {credentials}"
        if user_password:
            credentials = base64.b64encode(unquote(user_password).encode()).decode("ascii")
            headers["Authorization"] = f"Basic {credentials}"
        if real_host:
            headers["Host"] = real_host
        headers["Connection"] = "close"  # one request per connection
        for name, value in self.addheaders:
            headers[name] = value
        connection = connection_factory(host)
        if data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request("POST", selector, data, headers)
        else:
            connection.request("GET", selector, headers=headers)
        try:
            response = connection.getresponse()
        except _client.BadStatusLine:
            raise URLError("http protocol error: bad status line")
        if 200 <= response.status < 300:
            return addinfourl(response, response.msg, "http:" + url, response.status)
        # The response itself as the error's file (3.11 passes response.fp, the raw socket
        # file): reading it reads the body without its chunked framing.
        return self.http_error(url, response, response.status, response.reason, response.msg,
                               data)  # fmt: skip

    def open_http(self, url: Any, data: Any = None) -> Any:
        return self._open_generic_http(_client.HTTPConnection, url, data)

    def _https_connection(self, host: str) -> Any:
        if self.key_file or self.cert_file:
            return _client.HTTPSConnection(host, key_file=self.key_file, cert_file=self.cert_file)
        return _client.HTTPSConnection(host)

    def open_https(self, url: Any, data: Any = None) -> Any:
        return self._open_generic_http(self._https_connection, url, data)

    def http_error(self, url: Any, fp: Any, errcode: int, errmsg: str, headers: Any,
                   data: Any = None) -> Any:  # fmt: skip
        """Calls ``http_error_<errcode>`` if defined and it returns something; else
        ``http_error_default``."""
        method = getattr(self, f"http_error_{errcode}", None)
        if method is not None:
            if data is None:
                result = method(url, fp, errcode, errmsg, headers)
            else:
                result = method(url, fp, errcode, errmsg, headers, data)
            if result:
                return result
        return self.http_error_default(url, fp, errcode, errmsg, headers)

    def http_error_default(self, url: Any, fp: Any, errcode: int, errmsg: str,
                           headers: Any) -> Any:  # fmt: skip
        fp.close()
        raise HTTPError(url, errcode, errmsg, headers, None)

    # --- file:, ftp:, data: -----------------------------------------------------------------

    def open_file(self, url: Any) -> Any:
        if not isinstance(url, str):
            raise URLError("file error: proxy support for file protocol currently not implemented")
        if url[:2] == "//" and url[2:3] != "/" and url[2:12].lower() != "localhost/":
            raise ValueError("file:// scheme is supported only on localhost")
        return self.open_local_file(url)

    def open_local_file(self, url: str) -> Any:
        host, file = _splithost(url)
        local_name = url2pathname(file)
        try:
            stats = os.stat(local_name)
        except OSError as error:
            raise URLError(error.strerror, error.filename)
        headers = _message([
            ("Content-Type", mimetypes.guess_type(url)[0] or "text/plain"),
            ("Content-Length", str(stats.st_size)),
            ("Last-modified", format_http_date(stats.st_mtime)),
        ])  # fmt: skip
        url_file = "file://" + file if file[:1] == "/" else file
        if not host:
            return addinfourl(open(local_name, "rb"), headers, url_file)
        host, port = _splitport(host)
        if not port and socket.gethostbyname(host) in (localhost(), *thishost()):
            if file[:2] == "./":
                raise ValueError("local file url may start with / or file:. Unknown url of "
                                 f"type: {url}")  # fmt: skip
            return addinfourl(open(local_name, "rb"), headers, url_file)
        raise URLError("local file error: not on local host")

    def open_ftp(self, url: Any) -> Any:
        if not isinstance(url, str):
            raise URLError("ftp error: proxy support for ftp protocol currently not implemented")
        request = _request_module()
        host, path = _splithost(url)
        if not host:
            raise URLError("ftp error: no host given")
        user, passwd, host, port = parse_ftp_host(host)
        user, passwd = unquote(user), unquote(passwd)
        host = socket.gethostbyname(host)
        if port is None:
            port = 21
        path, attributes = _splitattr(path)
        dirs = unquote(path).split("/")
        dirs, file = dirs[:-1], dirs[-1]
        if dirs and not dirs[0]:
            dirs = dirs[1:]
        if dirs and not dirs[0]:
            dirs[0] = "/"
        key = user, host, port, "/".join(dirs)
        if len(self.ftpcache) > request.MAXFTPCACHE:
            # Full: close every cached connection but the one about to be used.
            for other in list(self.ftpcache):
                if other != key:
                    self.ftpcache.pop(other).close()
        try:
            if key not in self.ftpcache:
                self.ftpcache[key] = request.ftpwrapper(user, passwd, host, port, dirs)
            stream, length = self.ftpcache[key].retrfile(file, transfer_type(file, attributes))
            headers = ftp_headers("ftp:" + url, length, ("Content-Type", "Content-Length"))
            return addinfourl(stream, headers, "ftp:" + url)
        except ftperrors() as error:
            raise URLError(f"ftp error: {error}") from error

    def open_data(self, url: Any, data: Any = None) -> Any:
        """``data:`` URLs as 3.11's URLopener reads them: the body is text (a str file) holding
        the headers, a blank line and the data."""
        if not isinstance(url, str):
            raise URLError("data error: proxy support for data protocol currently not implemented")
        try:
            media_type, body = url.split(",", 1)
        except ValueError:
            raise OSError("data error", "bad data URL")
        if not media_type:
            media_type = "text/plain;charset=US-ASCII"
        semicolon = media_type.rfind(";")
        encoding = ""
        if semicolon >= 0 and "=" not in media_type[semicolon:]:
            encoding, media_type = media_type[semicolon + 1 :], media_type[:semicolon]
        if encoding == "base64":
            text = base64.decodebytes(body.encode("ascii")).decode("latin-1")
        else:
            text = unquote(body)
        fields = [("Date", time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())),
                  ("Content-type", media_type), ("Content-Length", str(len(text)))]  # fmt: skip
        message = "\n".join([*(f"{name}: {value}" for name, value in fields), "", text])
        return addinfourl(io.StringIO(message), _message(fields), url)


class FancyURLopener(URLopener):
    """URLopener that follows redirects, asks for Basic credentials and returns error
    responses instead of raising."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        URLopener.__init__(self, *args, **kwargs)
        self.auth_cache: dict[str, tuple[str, str]] = {}
        self.tries = 0
        self.maxtries = 10

    def http_error_default(self, url: Any, fp: Any, errcode: int, errmsg: str,
                           headers: Any) -> Any:  # fmt: skip
        return addinfourl(fp, headers, "http:" + url, errcode)

    def http_error_302(self, url: Any, fp: Any, errcode: int, errmsg: str, headers: Any,
                       data: Any = None) -> Any:  # fmt: skip
        self.tries += 1
        try:
            if self.maxtries and self.tries >= self.maxtries:
                handler = getattr(self, "http_error_500", self.http_error_default)
                return handler(url, fp, 500, "Internal Server Error: Redirect Recursion", headers)
            return self.redirect_internal(url, fp, errcode, errmsg, headers, data)
        finally:
            self.tries = 0

    def redirect_internal(self, url: Any, fp: Any, errcode: int, errmsg: str, headers: Any,
                          data: Any) -> Any:  # fmt: skip
        if "location" in headers:
            new_url = headers["location"]
        elif "uri" in headers:
            new_url = headers["uri"]
        else:
            return None
        fp.close()
        new_url = urljoin(self.type + ":" + url, new_url)
        if urlparse(new_url).scheme not in _REDIRECT_SCHEMES:
            raise HTTPError(new_url, errcode,
                            f"{errmsg} Redirection to url '{new_url}' is not allowed.", headers,
                            fp)  # fmt: skip
        return self.open(new_url)

    def http_error_301(self, url: Any, fp: Any, errcode: int, errmsg: str, headers: Any,
                       data: Any = None) -> Any:  # fmt: skip
        return self.http_error_302(url, fp, errcode, errmsg, headers, data)

    def http_error_303(self, url: Any, fp: Any, errcode: int, errmsg: str, headers: Any,
                       data: Any = None) -> Any:  # fmt: skip
        return self.http_error_302(url, fp, errcode, errmsg, headers, data)

    def http_error_307(self, url: Any, fp: Any, errcode: int, errmsg: str, headers: Any,
                       data: Any = None) -> Any:  # fmt: skip
        if data is None:
            return self.http_error_302(url, fp, errcode, errmsg, headers, data)
        return self.http_error_default(url, fp, errcode, errmsg, headers)

    def http_error_308(self, url: Any, fp: Any, errcode: int, errmsg: str, headers: Any,
                       data: Any = None) -> Any:  # fmt: skip
        if data is None:
            return self.http_error_301(url, fp, errcode, errmsg, headers, data)
        return self.http_error_default(url, fp, errcode, errmsg, headers)

    def _basic_realm(self, header: str, url: Any, fp: Any, errcode: int, errmsg: str,
                     headers: Any, retry: bool) -> str:  # fmt: skip
        """The realm of a Basic challenge in ``header``, or the error raised when there is
        none to answer (or ``retry`` is false, as 3.11's default)."""
        challenge = headers[header] if header in headers else None
        match = _BASIC_CHALLENGE.match(challenge) if challenge is not None else None
        if match is None or match.group(1).lower() != "basic" or not retry:
            URLopener.http_error_default(self, url, fp, errcode, errmsg, headers)
        assert match is not None
        return match.group(2)

    def http_error_401(self, url: Any, fp: Any, errcode: int, errmsg: str, headers: Any,
                       data: Any = None, retry: bool = False) -> Any:  # fmt: skip
        realm = self._basic_realm("www-authenticate", url, fp, errcode, errmsg, headers, retry)
        retry_method = getattr(self, f"retry_{self.type}_basic_auth")
        return retry_method(url, realm) if data is None else retry_method(url, realm, data)

    def http_error_407(self, url: Any, fp: Any, errcode: int, errmsg: str, headers: Any,
                       data: Any = None, retry: bool = False) -> Any:  # fmt: skip
        realm = self._basic_realm("proxy-authenticate", url, fp, errcode, errmsg, headers, retry)
        retry_method = getattr(self, f"retry_proxy_{self.type}_basic_auth")
        return retry_method(url, realm) if data is None else retry_method(url, realm, data)

    def _retry_proxy(self, scheme: str, url: Any, realm: str, data: Any) -> Any:
        host, selector = _splithost(url)
        proxy_host, proxy_selector = _splithost(_splittype(self.proxies[scheme])[1])
        at = proxy_host.find("@") + 1
        proxy_host = proxy_host[at:]
        user, passwd = self.get_user_passwd(proxy_host, realm, at)
        if not (user or passwd):
            return None
        proxy_host = f"{quote(user, safe='')}:{quote(passwd, safe='')}@{proxy_host}"
        self.proxies[scheme] = f"{scheme}://{proxy_host}{proxy_selector}"
        new_url = f"{scheme}://{host}{selector}"
        return self.open(new_url) if data is None else self.open(new_url, data)

    def _retry(self, scheme: str, url: Any, realm: str, data: Any) -> Any:
        host, selector = _splithost(url)
        at = host.find("@") + 1
        host = host[at:]
        user, passwd = self.get_user_passwd(host, realm, at)
        if not (user or passwd):
            return None
        new_url = f"{scheme}://{quote(user, safe='')}:{quote(passwd, safe='')}@{host}{selector}"
        return self.open(new_url) if data is None else self.open(new_url, data)

    def retry_proxy_http_basic_auth(self, url: Any, realm: str, data: Any = None) -> Any:
        return self._retry_proxy("http", url, realm, data)

    def retry_proxy_https_basic_auth(self, url: Any, realm: str, data: Any = None) -> Any:
        return self._retry_proxy("https", url, realm, data)

    def retry_http_basic_auth(self, url: Any, realm: str, data: Any = None) -> Any:
        return self._retry("http", url, realm, data)

    def retry_https_basic_auth(self, url: Any, realm: str, data: Any = None) -> Any:
        return self._retry("https", url, realm, data)

    def get_user_passwd(self, host: str, realm: str, clear_cache: int = 0) -> tuple[Any, Any]:
        key = realm + "@" + host.lower()
        if key in self.auth_cache:
            if not clear_cache:
                return self.auth_cache[key]
            del self.auth_cache[key]
        user, passwd = self.prompt_user_passwd(host, realm)
        if user or passwd:
            self.auth_cache[key] = (user, passwd)
        return user, passwd

    def prompt_user_passwd(self, host: str, realm: str) -> tuple[Any, Any]:
        """Asks on the terminal; override it in a program with another way to ask."""
        import getpass

        try:
            user = input(f"Enter username for {realm} at {host}: ")
            passwd = getpass.getpass(f"Enter password for {user} in {realm} at {host}: ")
            return user, passwd
        except KeyboardInterrupt:
            print()
            return None, None

