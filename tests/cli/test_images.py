"""webstd images: extraction, charset sniffing, robots.txt, naming, arguments and the listing."""

import io
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support.image_site import KOREAN_PATH, image_site
from webstd._images import charset, extract, naming, robots
from webstd._images.download import decode_data_url
from webstd._images.extract import (
    _PATH_SAFE,
    _QUERY_SAFE,
    css_urls,
    image_urls,
    request_url,
    srcset_urls,
)
from webstd._images.fetch import FinalError
from webstd._images.progress import Progress
from webstd.cli import COMMANDS
from webstd.cli.images import loop_factory, main
from webstd.urllib.parse import quote, urlsplit, urlunsplit

PAGE = "http://example.test/dir/page.html"


def test_registered():
    assert COMMANDS["images"] == "images"


@pytest.mark.parametrize(("html", "expected"), [
    ('<img src="a.png">', ["http://example.test/dir/a.png"]),
    ('<img src=" \n/a\n.png\t ">', ["http://example.test/a.png"]),
    ('<img srcset="a.png 1x, b.png 2x">', ["http://example.test/dir/a.png",
                                            "http://example.test/dir/b.png"]),
    ('<picture><source src="s.png" srcset="t.png 100w"></picture>',
     ["http://example.test/dir/s.png", "http://example.test/dir/t.png"]),
    ('<video><source src="movie.mp4"></video>', []),
    ('<img data-src=a.png data-srcset="b.png 2x" data-original=c.png data-lazy-src=d.png>',
     [f"http://example.test/dir/{n}.png" for n in "abcd"]),
    ('<input type=IMAGE src=go.png><input type=text src=no.png>', ["http://example.test/dir/go.png"]),
    ('<link rel="Shortcut Icon" href=/f.ico><link rel=apple-touch-icon href=t.png>'
     '<link rel=stylesheet href=s.css>', ["http://example.test/dir/t.png", "http://example.test/f.ico"]),
    ('<img src="javascript:alert(1)"><img src=""><img src>', []),
    ('<base href="http://cdn.test/x/"><base href="/ignored/"><img src=a.png>', ["http://cdn.test/x/a.png"]),
    ('<img src="data:image/png;base64,AAAA">', ["data:image/png;base64,AAAA"]),
    ('<img src="a.png"><IMG SRC="a.png"><img src="./a.png#frag">', ["http://example.test/dir/a.png"]),
    ('<img src="사진.png?q=가 b">', ["http://example.test/dir/%EC%82%AC%EC%A7%84.png?q=%EA%B0%80%20b"]),
    ('<div style="background:url(bg.png)"></div><style>a{background:url(s.png)}</style>', []),
])
def test_extraction(html, expected):
    assert image_urls(html, PAGE) == sorted(expected)


def test_css_extraction_only_with_the_flag():
    html = ('<div style="background:url(\'bg.png\')"></div><style>@import url(x.css);'
            ' a{background:url("s.png")} /* url(c.png) */ b{background:URL( t\\2e png )}</style>')
    assert image_urls(html, PAGE, css=True) == [
        "http://example.test/dir/bg.png", "http://example.test/dir/s.png",
        "http://example.test/dir/t.png"]


def test_query_uses_the_page_encoding():
    assert image_urls('<img src="a.png?q=가">', PAGE, encoding="cp949") == [
        "http://example.test/dir/a.png?q=%B0%A1"]


@pytest.mark.parametrize(("value", "expected"), [
    ("a.png 1x, b.png 2x", ["a.png", "b.png"]),
    ("a,b.png 1x,c.png", ["a,b.png", "c.png"]),
    ("a.png,b.png", ["a.png,b.png"]),  # commas inside a URL belong to it (HTML 4.8.4.3.10)
    ("  a.png  100w (x, y), b.png", ["a.png", "b.png"]),
    ("", []),
])
def test_srcset(value, expected):
    assert srcset_urls(value) == expected


def test_css_urls_skip_comments_and_imports():
    assert css_urls("@import 'x.css'; /* url(no.png) */ a { b: url( 'y.png' ) }") == ["y.png"]


@given(st.text(max_size=200))
@settings(max_examples=300)
def test_extraction_never_raises_and_yields_absolute_urls(text):
    for url in image_urls(text, PAGE, css=True):
        assert url.startswith(("http://", "https://", "data:")) or ":" in url


@pytest.mark.parametrize(("body", "content_type", "expected"), [
    (b"\xef\xbb\xbf<meta charset=euc-kr>", "text/html; charset=latin1", ("utf-8", 3)),
    (b"<meta charset=euc-kr>", "text/html; charset=iso-8859-1", ("cp1252", 0)),
    (b"<meta charset='euc-kr'>", "text/html", ("cp949", 0)),
    (b'<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">', None, ("cp932", 0)),
    (b"<!-- <meta charset=euc-kr> --><p>", None, ("utf-8", 0)),
    (b"<meta charset=utf-16>", None, ("utf-8", 0)),
    (b"<meta charset=rot13>", "text/html; charset=nonsense", ("utf-8", 0)),
    (b" " * 1100 + b"<meta charset=euc-kr>", None, ("utf-8", 0)),
    (b"\xff\xfe<\x00", None, ("utf-16-le", 2)),
])
def test_charset_order(body, content_type, expected):
    assert charset.sniff(body, content_type) == expected


def test_undecodable_bytes_become_replacement_characters():
    text, codec = charset.decode_page(b"<p>\xff\xfe\xfd</p>", "text/html")
    assert codec == "utf-8" and "\ufffd" in text


ROBOTS = """# comment
User-agent: other
Disallow: /

User-agent: *
User-agent: webstd-images
Disallow: /private/
Allow: /private/public$
Disallow: /*.gif$
Disallow:
"""


@pytest.mark.parametrize(("path", "allowed"), [
    ("/", True), ("/private/x", False), ("/private/public", True), ("/private/public2", False),
    ("/a.gif", False), ("/a.gif?x=1", True), ("/robots.txt", True), ("/%7Eprivate", True),
    ("/priv%61te/x", False),
])
def test_robots_rules(path, allowed):
    assert robots.parse(ROBOTS, "webstd-images").allowed(path) is allowed


def test_robots_specific_group_beats_star_and_ties_go_to_allow():
    text = "User-agent: *\nDisallow: /\n\nUser-agent: WEBSTD-IMAGES\nDisallow: /x\nAllow: /x\n"
    policy = robots.parse(text, "webstd-images")
    assert policy.allowed("/anything") and policy.allowed("/x")
    assert not robots.parse(text, "someone-else").allowed("/anything")


def test_names_are_safe_and_unique():
    urls = ["http://h/a/x.png", "http://h/b/x.png", "http://h/B/X.PNG", "http://h/..%2F..%2Fpasswd",
            "http://h/", "http://h/con.png", "http://h/%00a%0A.png", "http://h/x.png.part",
            "http://h/.hidden", "http://h/" + "%EC%82%AC" * 100 + ".png"]
    names = naming.assign_names(urls)
    # The first in sorted order keeps the name; names clash case-insensitively.
    assert names["http://h/B/X.PNG"] == "X.PNG"
    assert names["http://h/a/x.png"] == f"x-{naming.url_hash('http://h/a/x.png')}.png"
    assert names["http://h/b/x.png"] == f"x-{naming.url_hash('http://h/b/x.png')}.png"
    assert len({name.lower() for name in names.values()}) == len(urls)
    assert names["http://h/..%2F..%2Fpasswd"] == "passwd"
    assert names["http://h/con.png"] == "_con.png"
    assert names["http://h/%00a%0A.png"] == "_a_.png"
    assert names["http://h/x.png.part"] == "x.png.part_"
    assert names["http://h/.hidden"] == "_hidden"
    assert all(len(name.encode()) <= naming.MAX_NAME_BYTES for name in names.values())
    assert names == naming.assign_names(list(reversed(urls)))


@given(st.text(max_size=80))
@settings(max_examples=300)
def test_sanitized_names_never_leave_the_directory(text):
    name = naming.sanitize(text)
    assert name and "/" not in name and "\\" not in name and "\x00" not in name
    assert name not in (".", "..") and not name.startswith(".")


@given(st.one_of(st.text(alphabet="abcNULnulConPRTx019._-", max_size=12),
                 st.sampled_from(["con", "CON.png", "a.part", "A.PART", "x.", "_", "-", "a" * 199,
                                  "a" * 200, "a" * 201, "lpt1.jpg", "conin$"])))
@settings(max_examples=500)
def test_sanitize_shortcut_agrees_with_the_full_rules(text):
    # sanitize skips its rules for names they leave unchanged; that must be the same answer.
    assert naming.sanitize(text) == naming._make_safe(text)


def test_data_urls_decode():
    assert decode_data_url("data:image/gif;base64,R0lG ODlh") == ("image/gif", b"GIF89a")
    assert decode_data_url("data:image/svg+xml,%3Csvg%2F%3E") == ("image/svg+xml", b"<svg/>")
    assert decode_data_url("data:,hi") == ("text/plain", b"hi")
    with pytest.raises(FinalError):
        decode_data_url("data:image/png;base64,***")


def test_progress_bar_and_plain_lines():
    bar = io.StringIO()
    progress = Progress(2, bar, bar=True)
    progress.add_bytes(2048)
    progress.finished("http://h/a", "downloaded", "a")
    progress.finished("http://h/b", "failed", "HTTP 404")
    progress.close()
    assert "2/2 files, 2.0 KiB, 1 failed" in bar.getvalue()
    plain = io.StringIO()
    Progress(1, plain).finished("http://h/a", "failed", "HTTP 404 Not Found")
    assert plain.getvalue() == "failed http://h/a: HTTP 404 Not Found\n"


@pytest.mark.parametrize("columns", [1, 10, 20, 30, 40, 41, 80, 200])
def test_progress_line_fits_the_width(columns):
    progress = Progress(26, io.StringIO(), bar=True)
    progress.files_done, progress.failed, progress.bytes_received = 23, 4, 1234567
    line = progress.line(columns)
    assert len(line) <= max(columns - 1, 1)
    if columns >= 80:
        assert line == "[#####################...] 23/26 files, 1.2 MiB, 4 failed"
    elif columns == 40:
        assert line == "[#####.] 23/26 files, 1.2 MiB, 4 failed"
    elif columns == 30:
        assert line == "23/26 files, 1.2 MiB, 4 failed"[:29]


@pytest.mark.parametrize("argv", [
    [], ["ftp://h/"], ["http://h/", "--jobs", "0"], ["http://h/", "--max-size", "lots"],
    ["http://h/", "--timeout", "0"], ["http://h/", "--retries", "-1"], ["http://h/", "--bogus"],
    ["http://h/", "--loop", "trio"],
])
def test_bad_arguments_are_one_line_and_exit_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("webstd images: error:") and err.count("\n") == 1


def test_loop_uvloop_without_uvloop_is_one_line_and_exit_2(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "uvloop", None)  # what `import uvloop` meets when absent
    assert main(["http://127.0.0.1:9/", "--loop", "uvloop"]) == 2
    assert capsys.readouterr().err == (
        "webstd images: error: --loop uvloop: uvloop is not installed"
        " (pip install 'webstd[uvloop]')\n")


def test_loop_auto_without_uvloop_runs_on_asyncio(monkeypatch):
    monkeypatch.setitem(sys.modules, "uvloop", None)
    assert loop_factory("auto") is None and loop_factory("asyncio") is None


def test_loop_auto_takes_uvloop_when_installed():
    uvloop = pytest.importorskip("uvloop")
    assert loop_factory("auto") is uvloop.new_event_loop
    assert loop_factory("uvloop") is uvloop.new_event_loop
    assert loop_factory("asyncio") is None


def test_unreachable_page_is_one_line_and_exit_2(capsys):
    with image_site() as site:
        url = site.url
    assert main([url + "/", "--timeout", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"webstd images: error: cannot fetch {url}/") and err.count("\n") == 1


def test_listing(capsys):
    with image_site() as site:
        assert main([site.url + "/"]) == 0
        plain = capsys.readouterr().out.splitlines()
        assert main([site.url + "/", "--css"]) == 0
        with_css = capsys.readouterr().out.splitlines()
        assert main([site.url + "/missing.png"]) == 2
    assert plain == sorted(set(plain))
    assert f"{site.url}/img/spaced.png" in plain and f"{site.url}/favicon.ico" in plain
    assert f"{site.url}/wrong/plain.png" not in plain and f"{site.url}/img/plain.png" in plain
    assert set(with_css) - set(plain) == {f"{site.url}/img/hero.png", f"{site.url}/img/inline.png"}
    assert "data:image/gif;base64,R0lGODlhAQABAAAAACw=" in plain


def test_listing_of_a_euc_kr_page_declared_by_meta_only(capsys):
    with image_site() as site:
        assert main([site.url + "/korean.html"]) == 0
    assert capsys.readouterr().out == f"{site.url}{KOREAN_PATH}\n"


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(max_codepoint=0x3000), max_size=30),
       st.text(max_size=20), st.sampled_from(["utf-8", "euc-kr"]))
def test_request_url_quotes_like_quote_with_the_safe_sets(path, query, encoding):
    # request_url skips quote() when nothing needs quoting; the result must be the same.
    for url in (f"http://h/{path}?{query}", f"http://h/{path}",
                f"https://h/{path.replace('[', '')}?{query}#{path}"):
        try:
            expected = urlsplit(url)
        except ValueError:
            continue
        expected = urlunsplit((expected.scheme, expected.netloc,
                               quote(expected.path, safe=_PATH_SAFE, errors="surrogatepass") or "/",
                               quote(expected.query, safe=_QUERY_SAFE, encoding=encoding,
                                     errors="xmlcharrefreplace"), ""))
        assert request_url(url, encoding) == expected


URL_PIECES = ["http://", "https://", "HTTP://", "h", "h.example", "[::1]", ":80", "user@", "/", "//",
              "a.png", "?", "?q=1", "#f", "%41", "%", " ", "\t", "\\", "[", "]", "\u00e9", ";p", ":"]


@settings(max_examples=500)
@given(st.lists(st.one_of(st.sampled_from(URL_PIECES), st.text(max_size=3)), max_size=8).map("".join))
def test_request_url_shortcut_agrees_with_the_general_way(url):
    # URLs that need nothing done are returned as they are, without being split: the same result.
    try:
        expected = extract._request_url(url, "utf-8")
    except ValueError as error:
        expected = error
    if isinstance(expected, ValueError):
        with pytest.raises(ValueError):
            request_url(url)
    else:
        assert request_url(url) == expected


@pytest.mark.parametrize("url", ["http://h/a.png", "https://user@h.example:8443/img/a%20b(1).png",
                                 "http://h/", "http://h/x;p:q@r", "http://h/a/../b.png"])
def test_request_url_returns_ready_urls_as_they_are(url):
    assert extract._READY_URL.fullmatch(url) is not None
    assert request_url(url) == extract._request_url(url, "utf-8") == url
