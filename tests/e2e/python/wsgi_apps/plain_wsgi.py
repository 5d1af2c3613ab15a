"""A plain WSGI application for test_web_wsgi.py: echoes its environ, streams a generator, reads
its body, raises (before and after starting its answer), and can end its own process. The
streaming routes take their handshake files from the query (?flag=/path&marker=/path)."""

import json
import os
import threading
import time
import urllib.parse


def wait_for_file(path, timeout=10.0):
    """True once `path` exists (the test created it), False after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


class Endless:
    """An iterable answer that goes on until the server calls close(), which it records."""

    def __init__(self, marker):
        self.marker = marker
        self.i = 0

    def __iter__(self):
        return self

    def __next__(self):
        self.i += 1
        if self.i > 3000:  # a minute at most, whatever happens
            raise StopIteration
        time.sleep(0.02)
        return b"tick %06d\n" % self.i

    def close(self):
        # Written whole, then renamed: the test reads it as soon as the name exists.
        with open(self.marker + ".part", "w") as f:
            f.write("closed after %d chunks" % self.i)
        os.replace(self.marker + ".part", self.marker)

ENVIRON_KEYS = ("SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "REQUEST_METHOD", "REMOTE_ADDR",
                "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "CONTENT_TYPE", "CONTENT_LENGTH",
                "HTTP_X_CUSTOM", "wsgi.url_scheme")


def application(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/raise":
        raise RuntimeError("the application raised on purpose")
    if path == "/raise-late":
        def late():
            yield b"partial"
            raise RuntimeError("the application raised while answering")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return late()
    if path == "/exit":
        os._exit(7)  # the launcher process dies: Junction answers 502 and restarts it
    if path == "/stream":
        def chunks():
            for i in range(100):
                yield b"chunk %03d\n" % i
        start_response("200 OK", [("Content-Type", "text/plain")])
        return chunks()
    query = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", "")))
    if path == "/stream-handshake":
        # "first" goes out, then the application waits until the client has seen it.
        def handshake():
            yield b"first\n"
            yield b"last\n" if wait_for_file(query["flag"]) else b"timeout\n"
        start_response("200 OK", [("Content-Type", "text/plain")])
        return handshake()
    if path == "/stream-endless":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Endless(query["marker"])
    if path == "/stream-big":
        total = int(query["n"])
        piece = b"x" * (1 << 20)

        def big():
            left = total
            while left > 0:
                yield piece[:min(left, len(piece))]
                left -= len(piece)
        headers = [("Content-Type", "application/octet-stream")]
        if query.get("sized"):
            headers.append(("Content-Length", str(total)))
        start_response("200 OK", headers)
        return big()
    if path == "/echo-body":
        n = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(n)
        start_response("200 OK", [("Content-Type", "application/octet-stream"),
                                  ("X-Length", str(len(body)))])
        return [body]
    if path == "/sleep":
        time.sleep(0.5)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [threading.current_thread().name.encode()]
    if path == "/pid":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [str(os.getpid()).encode()]
    answer = {k: environ.get(k) for k in ENVIRON_KEYS}
    answer["cwd"] = os.getcwd()
    answer["APP_GREETING"] = os.environ.get("APP_GREETING")
    body = json.dumps(answer).encode()
    start_response("201 Created", [("Content-Type", "application/json"),
                                   ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
    return [body]
