"""A Flask application (Debian python3-flask) for test_web_wsgi.py."""

import os
import time

from flask import Flask, Response, jsonify, request, stream_with_context, url_for

app = Flask(__name__)


@app.route("/")
def index():
    return "<h1>Hello from Flask</h1>"


@app.route("/hello/<name>")
def hello(name):
    return jsonify(greeting="hello " + name, script_root=request.script_root,
                   url=url_for("hello", name=name), external=url_for("hello", name=name,
                                                                     _external=True))


@app.route("/form", methods=["POST"])
def form():
    return jsonify(fields=request.form.to_dict(), method=request.method)


@app.route("/fail")
def fail():
    raise ValueError("a Flask view raised")


@app.route("/stream")
def stream():
    """Streams "first", waits (up to 10 s) until the client created the ?flag= file, then
    "last" — request context still usable in the generator (stream_with_context)."""
    def generate():
        yield "first %s\n" % request.args["who"]
        deadline = time.monotonic() + 10
        while not os.path.exists(request.args["flag"]) and time.monotonic() < deadline:
            time.sleep(0.01)
        yield "last\n" if os.path.exists(request.args["flag"]) else "timeout\n"
    return Response(stream_with_context(generate()), mimetype="text/plain")
