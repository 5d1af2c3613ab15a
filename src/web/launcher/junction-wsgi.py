#!/usr/bin/python3
"""Junction's WSGI launcher: serves one WSGI application (Flask, Django, a plain callable) for a
"wsgi" path service of Junction's web transport.

Junction starts it (src/web/wsgi.cpp) with the system's Python and Twisted (Debian
python3-twisted), the router worker's options.pythonpath first on the module path and the node
directory as the working directory:

  junction-wsgi.py --socket PATH --module MOD --object OBJ --mount /app
                   [--minthreads N] [--maxthreads N]

It imports MOD, takes OBJ from it, and serves it as Crossbar's router worker does: Twisted's
WSGIResource on a ThreadPool(minthreads, maxthreads), mounted at --mount (so SCRIPT_NAME is the
mount path and PATH_INFO the rest), listening on the Unix socket PATH (in a directory only
Junction's user can enter). Junction forwards each request with X-Forwarded-For/-Host/-Proto:
they become REMOTE_ADDR, SERVER_NAME/SERVER_PORT (and the Host field) and wsgi.url_scheme.

Prints "junction-wsgi: ready" on stdout once it listens. Log records go to stdout, one a line,
prefixed with the level when it is not info ("warn: ...", "error: ..."); Junction puts them into
its log. An application that raises answers 500 and its traceback is logged.

Backpressure: Twisted's WSGI container writes what the application yields to the connection
without waiting for it to drain, so a slow client would pile the answer up here. Each request
registers a push producer (WriteGate) that Twisted pauses while the connection to Junction is
full (Junction stops reading when the client stops taking), and the thread that runs the
application waits after each chunk until it is resumed. Exit status: 0 after
SIGTERM, 2 for bad arguments or a socket it cannot listen on, 3 when the application cannot be
imported.
"""

import argparse
import importlib
import ipaddress
import sys
import threading
import traceback

from twisted.internet import address, reactor
from twisted.logger import LogLevel, formatEvent, globalLogBeginner
from twisted.python.threadpool import ThreadPool
from twisted.internet.interfaces import IPushProducer
from twisted.web import resource, server
from twisted.web import wsgi as twisted_wsgi
from twisted.web.wsgi import WSGIResource
from zope.interface import implementer


def is_twisted(event):
    namespace = event.get("log_namespace") or ""
    return namespace.startswith("twisted") or namespace == "log_legacy" or namespace == "__main__"


def emit(event):
    text = formatEvent(event)
    failure = event.get("log_failure")
    if failure is not None:
        text = (text + "\n" if text else "") + failure.getTraceback()
    level = event.get("log_level")
    prefix = ""
    if level == LogLevel.debug or (level == LogLevel.info and is_twisted(event)):
        prefix = "debug: "  # Twisted's own chatter ("Site starting on ...")
    elif level == LogLevel.warn:
        prefix = "warn: "
    elif level in (LogLevel.error, LogLevel.critical):
        prefix = "error: "
    for line in text.splitlines() or [""]:
        sys.stdout.write(prefix + line + "\n")
    sys.stdout.flush()


def say(prefix, text):
    for line in text.splitlines() or [""]:
        sys.stdout.write(prefix + line + "\n")
    sys.stdout.flush()


@implementer(IPushProducer)
class WriteGate:
    """Open while the connection to Junction takes more; the transport pauses and resumes it."""

    def __init__(self):
        self.open = threading.Event()
        self.open.set()

    def pauseProducing(self):
        self.open.clear()

    def resumeProducing(self):
        self.open.set()

    def stopProducing(self):
        self.open.set()  # the connection is gone: nobody waits for it


class BackpressuredResponse(twisted_wsgi._WSGIResponse):
    """Twisted's WSGI response, but the application's thread waits after each chunk while the
    connection is paused (until it drains, or the request ends)."""

    def write(self, data):
        result = super().write(data)
        gate = getattr(self.request, "gate", None)
        while gate is not None and not self._requestFinished and not gate.open.wait(0.5):
            pass
        return result


# WSGIResource.render() creates its response through the module's name.
twisted_wsgi._WSGIResponse = BackpressuredResponse


class ForwardedRequest(server.Request):
    """A request forwarded by Junction over the Unix socket: the client's address, host and
    scheme come from the X-Forwarded-* fields Junction sets (it replaces what a client sent)."""

    def process(self):
        headers = self.requestHeaders
        proto = (headers.getRawHeaders(b"x-forwarded-proto") or [b"http"])[-1]
        secure = proto.strip().lower() == b"https"
        default_port = 443 if secure else 80
        host = (headers.getRawHeaders(b"x-forwarded-host") or
                headers.getRawHeaders(b"host") or [b"localhost"])[-1].strip()
        name, port = host, default_port
        if host.startswith(b"["):  # [::1]:8080
            end = host.find(b"]")
            name = host[:end + 1]
            if host[end + 1:end + 2] == b":" and host[end + 2:].isdigit():
                port = int(host[end + 2:])
        elif host.count(b":") == 1:
            name, _, digits = host.partition(b":")
            if digits.isdigit():
                port = int(digits)
        self.setHost(name, port, secure)
        forwarded = (headers.getRawHeaders(b"x-forwarded-for") or [b""])[-1]
        client = forwarded.split(b",")[-1].strip().decode("ascii", "replace")
        try:
            ip = ipaddress.ip_address(client)
            kind = address.IPv6Address if ip.version == 6 else address.IPv4Address
            self.client = kind("TCP", client, 0)
        except ValueError:
            self.client = address.IPv4Address("TCP", "0.0.0.0", 0)
        self.gate = WriteGate()
        self.registerProducer(self.gate, True)
        server.Request.process(self)

    def finish(self):
        if self.producer is not None and self.channel is not None:
            self.unregisterProducer()
        return server.Request.finish(self)

    def connectionLost(self, reason):
        gate = getattr(self, "gate", None)
        if gate is not None:
            gate.open.set()
        return server.Request.connectionLost(self, reason)


class Site(server.Site):
    requestFactory = ForwardedRequest
    displayTracebacks = False

    def log(self, request):
        pass  # Junction's web transport has its own access log (options.access_log)


def main():
    parser = argparse.ArgumentParser(description="Junction's WSGI launcher")
    parser.add_argument("--socket", required=True)
    parser.add_argument("--module", required=True)
    parser.add_argument("--object", required=True)
    parser.add_argument("--mount", default="/")
    parser.add_argument("--minthreads", type=int, default=0)
    parser.add_argument("--maxthreads", type=int, default=20)
    args = parser.parse_args()
    globalLogBeginner.beginLoggingTo([emit], redirectStandardIO=False)

    try:
        module = importlib.import_module(args.module)
    except Exception:
        say("error: ", "cannot import WSGI module '%s':\n%s\nPython path: %s"
            % (args.module, traceback.format_exc(), sys.path))
        return 3
    app = module.__dict__.get(args.object)
    if app is None or not callable(app):
        say("error: ", "WSGI module '%s' has no callable '%s'" % (args.module, args.object))
        return 3

    pool = ThreadPool(minthreads=args.minthreads, maxthreads=args.maxthreads,
                      name="junction-wsgi")
    reactor.addSystemEventTrigger("before", "shutdown", pool.stop)
    pool.start()
    wsgi = WSGIResource(reactor, pool, app)
    segments = [s.encode("ascii") for s in args.mount.split("/") if s]
    root = wsgi
    if segments:
        # Twisted's resource tree puts the mount's segments into SCRIPT_NAME.
        root = parent = resource.Resource()
        for segment in segments[:-1]:
            child = resource.Resource()
            parent.putChild(segment, child)
            parent = child
        parent.putChild(segments[-1], wsgi)
    try:
        reactor.listenUNIX(args.socket, Site(root), mode=0o600)
    except Exception as e:
        say("error: ", "cannot listen on %s: %s" % (args.socket, e))
        pool.stop()
        return 2
    sys.stdout.write("junction-wsgi: ready\n")
    sys.stdout.flush()
    reactor.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
