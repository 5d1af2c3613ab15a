"""A plain WSGI application for test_web_wsgi.py: echoes its environ, streams a generator, reads
its body, raises (before and after starting its answer), and can end its own process."""

import json
import os
import threading
import time

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
