"""A real Flask application through `webstd wsgi` (validated, warnings as errors): pages, JSON,
redirects, cookies and file uploads, with http.client as the client."""

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

pytest.importorskip("flask")

ROOT = Path(__file__).resolve().parents[2]
APP = '''\
import hashlib, warnings
from flask import Flask, jsonify, make_response, redirect, request, send_file, url_for
from webstd.wsgiref.validate import validator

warnings.simplefilter("error")
app = Flask(__name__)

@app.route("/")
def index():
    return "<h1>Hello from Flask</h1>"

@app.route("/api/<int:number>")
def api(number):
    return jsonify(number=number, square=number * number, query=request.args.get("q"))

@app.route("/go")
def go():
    return redirect(url_for("index"))

@app.route("/login", methods=["POST"])
def login():
    response = make_response("logged in")
    response.set_cookie("session", request.form["user"], httponly=True)
    return response

@app.route("/whoami")
def whoami():
    return request.cookies.get("session", "nobody")

@app.route("/upload", methods=["POST"])
def upload():
    data = request.files["file"].read()
    return jsonify(name=request.files["file"].filename, size=len(data), sha=hashlib.sha256(data).hexdigest())

@app.route("/file")
def file():
    return send_file(__file__, mimetype="text/plain")

def validated():
    return validator(app)
'''


@pytest.fixture(scope="module")
def port(tmp_path_factory):
    directory = tmp_path_factory.mktemp("flask")
    (directory / "flaskapp.py").write_text(APP)
    process = subprocess.Popen(
        [sys.executable, "-m", "webstd", "wsgi", "flaskapp:validated()", "--bind", "127.0.0.1:0"],
        cwd=directory, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    match = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", process.stderr.readline())
    assert match
    errors = []
    threading.Thread(target=lambda: errors.append(process.stderr.read()), daemon=True).start()
    yield int(match[1])
    process.send_signal(signal.SIGTERM)
    assert process.wait(10) == 0
    assert "Traceback" not in "".join(errors), errors


def request(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response, response.read()


def test_page(port):
    response, body = request(port, "GET", "/")
    assert response.status == 200 and body == b"<h1>Hello from Flask</h1>"
    assert response.getheader("Content-Type").startswith("text/html")


def test_json(port):
    response, body = request(port, "GET", "/api/12?q=x%20y")
    assert json.loads(body) == {"number": 12, "square": 144, "query": "x y"}


def test_redirect(port):
    response, _ = request(port, "GET", "/go")
    assert response.status == 302 and response.getheader("Location") == "/"


def test_cookies(port):
    response, body = request(port, "POST", "/login", body="user=alice",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    cookie = response.getheader("Set-Cookie")
    assert body == b"logged in" and cookie.startswith("session=alice") and "HttpOnly" in cookie
    _, body = request(port, "GET", "/whoami", headers={"Cookie": cookie.split(";")[0]})
    assert body == b"alice"


def test_file_upload(port):
    import hashlib

    data = os.urandom(200_000)
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"
        f"Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    _, result = request(port, "POST", "/upload", body=body, headers=headers)
    assert json.loads(result) == {"name": "a.bin", "size": len(data), "sha": hashlib.sha256(data).hexdigest()}


def test_send_file(port):
    response, body = request(port, "GET", "/file")
    assert response.status == 200 and body.startswith(b"import hashlib")
