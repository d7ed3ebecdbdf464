"""``webstd images URL``: list a page's images, or download them with ``--download DIR``.

It owns the command line: options, fetching and decoding the page, printing the list or running
the downloads (``--jobs`` at once on one event loop, see webstd._images.client) and printing the
summary. Extraction, naming, robots.txt, fetching and downloading live in webstd._images. Exit
status: 0 when everything went well, 1 when an image failed, 2 for bad arguments, a page that
cannot be fetched or a URL that is not an HTML page (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from webstd._images.charset import decode_page
from webstd._images.download import Downloader, DownloadOptions, Outcome
from webstd._images.extract import image_urls, request_url
from webstd._images.fetch import Fetcher, FetchError, FetchOptions, classify
from webstd._images.naming import assign_names
from webstd._images.progress import Progress
from webstd.urllib.parse import urlsplit

SUMMARY = "list a page's images, or download them (concurrent, resumable, polite)"

MAX_PAGE_BYTES = 64 * 1024 * 1024

_SIZE = re.compile(r"(?P<number>\d+)(?P<unit>[kmgt]?)(?:i?b)?", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
LOOPS = ("auto", "asyncio", "uvloop")


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _size(text: str) -> int:
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"invalid size {text!r} (e.g. 500K, 10M, 1G)")
    return int(match["number"]) * _UNITS[match["unit"].lower()]


def _number(kind: type, minimum: float, *, strict: bool = False) -> object:
    def convert(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid number {text!r}") from None
        if value < minimum or (strict and value == minimum):
            relation = "greater than" if strict else "at least"
            raise argparse.ArgumentTypeError(f"must be {relation} {minimum}, not {text}")
        return value  # type: ignore[no-any-return]

    return convert


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="webstd images", description=SUMMARY)
    parser.add_argument("url", help="the page (http:// or https://)")
    parser.add_argument("--css", action="store_true",
                        help="also url(...) in style attributes and <style> elements")
    parser.add_argument("--download", metavar="DIR", type=Path,
                        help="download the images into DIR instead of listing them")
    parser.add_argument("--jobs", "-j", type=_number(int, 1), default=8, metavar="N",
                        help="concurrent downloads (default: 8)")
    parser.add_argument("--timeout", type=_number(float, 0, strict=True), default=30.0,
                        metavar="SECONDS", help="socket timeout per request (default: 30)")
    parser.add_argument("--retries", type=_number(int, 0), default=3, metavar="N",
                        help="retries after a connection error, timeout, 5xx or 429 (default: 3)")
    parser.add_argument("--any-type", action="store_true",
                        help="save whatever comes back, not only image/* content types")
    parser.add_argument("--max-size", type=_size, metavar="SIZE",
                        help="abort and discard an image larger than SIZE (e.g. 5M)")
    parser.add_argument("--delay", type=_number(float, 0), default=0.0, metavar="SECONDS",
                        help="pause between two requests to the same host (default: 0)")
    parser.add_argument("--ignore-robots", action="store_true",
                        help="do not fetch or obey robots.txt")
    parser.add_argument("--loop", choices=LOOPS, default="auto",
                        help="event loop: uvloop when it is installed (auto, the default), "
                             "or the one named")
    return parser


def loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """What runs the event loop for ``--loop name``; None is asyncio's own. uvloop (the optional
    ``webstd[uvloop]`` extra) moves the transports' work into C: 1-10% less time per image
    from a server on the same machine (docs/benchmarks.md)."""
    if name == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if name == "uvloop":
            raise UsageError("--loop uvloop: uvloop is not installed "
                             "(pip install 'webstd[uvloop]')") from None
        return None
    return uvloop.new_event_loop  # type: ignore[no-any-return]


# What a page may be; a response without a Content-Type is taken for HTML, as browsers sniff it.
HTML_TYPES = frozenset(("text/html", "application/xhtml+xml", ""))


class NotAPage(Exception):
    """The URL answered with something other than HTML (an image, text/plain ...)."""


async def fetch_page(fetcher: Fetcher, url: str, css: bool) -> list[str]:
    """The image URLs of the page at ``url``; raises FetchError, or NotAPage."""
    response = await fetcher.open(url)
    media_type = (response.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
    if media_type not in HTML_TYPES:
        response.close()
        raise NotAPage(f"{media_type}, not an HTML page")
    try:
        body = await response.read(MAX_PAGE_BYTES + 1)
    except Exception as error:
        raise classify(error) from error
    if len(body) > MAX_PAGE_BYTES:
        raise FetchError(f"page larger than {MAX_PAGE_BYTES} bytes")
    html, codec = decode_page(body, response.headers.get("Content-Type"))
    return image_urls(html, response.url, css=css, encoding=codec)


async def download_all(urls: list[str], directory: Path, fetcher: Fetcher,
                       options: DownloadOptions, jobs: int) -> list[Outcome]:
    """Downloads with ``jobs`` workers on this event loop; outcomes in the order of ``urls``."""
    names = assign_names(urls)
    progress = Progress(len(urls), sys.stderr)
    downloader = Downloader(fetcher, directory, options, progress)
    outcomes: list[Outcome | None] = [None] * len(urls)
    pending = iter(enumerate(urls))

    async def worker() -> None:
        for index, url in pending:
            outcomes[index] = await downloader.download(url, names[url])

    try:
        await asyncio.gather(*(worker() for _ in range(min(jobs, len(urls)))))
    finally:
        progress.close()
    return outcomes  # type: ignore[return-value]


def print_summary(outcomes: list[Outcome]) -> None:
    counts = {status: sum(o.status == status for o in outcomes)
              for status in ("downloaded", "skipped", "failed")}
    print(", ".join(f"{status} {count}" for status, count in counts.items()))
    for outcome in outcomes:
        if outcome.status != "downloaded":
            print(f"{outcome.status} {outcome.url}: {outcome.detail}")


def _fail(message: str) -> int:
    print(f"webstd images: error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str]) -> int:
    try:
        args = build_parser().parse_args(argv)
    except UsageError as error:
        return _fail(str(error))
    except SystemExit as leaving:  # --help
        return int(leaving.code or 0)
    if urlsplit(args.url).scheme.lower() not in ("http", "https") or not urlsplit(args.url).netloc:
        return _fail(f"not an http(s) URL: {args.url!r}")
    try:
        factory = loop_factory(args.loop)
    except UsageError as error:
        return _fail(str(error))
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(_run(args, request_url(args.url)))


async def _run(args: argparse.Namespace, page_url: str) -> int:
    fetcher = Fetcher(FetchOptions(timeout=args.timeout, delay=args.delay,
                                   respect_robots=not args.ignore_robots))
    try:
        try:
            urls = await fetch_page(fetcher, page_url, args.css)
        except FetchError as error:
            return _fail(f"cannot fetch {args.url}: {error.reason}")
        except NotAPage as error:
            return _fail(f"{args.url} is {error}")
        if args.download is None:
            if urls:
                sys.stdout.write("\n".join(urls) + "\n")
            return 0
        try:
            os.makedirs(args.download, exist_ok=True)
        except OSError as error:
            return _fail(f"cannot create {args.download}: {error.strerror or error}")
        options = DownloadOptions(retries=args.retries, any_type=args.any_type,
                                  max_size=args.max_size)
        outcomes = await download_all(urls, args.download, fetcher, options, args.jobs)
    finally:
        fetcher.close()
    print_summary(outcomes)
    return 1 if any(outcome.status == "failed" for outcome in outcomes) else 0
