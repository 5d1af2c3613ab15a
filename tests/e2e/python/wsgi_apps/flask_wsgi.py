"""A Flask application (Debian python3-flask) for test_web_wsgi.py."""

from flask import Flask, jsonify, request, url_for

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
