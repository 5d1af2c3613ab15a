"""A WAMP-over-RawSocket client for Junction's end-to-end tests, driven line by line.

Autobahn|Python 22.7.1's asyncio RawSocket client is broken (it lacks transport_details); its
Twisted one works, and Twisted cannot share a process with the asyncio tests. So each RawSocket
client runs in its own process (/usr/bin/python3 rawsocket_client.py ...), started and killed by
PID by rawsocket_helpers.RawSocketClient.

    rawsocket_client.py (--tcp HOST:PORT | --unix PATH) [--serializer json|msgpack|cbor|ubjson]
                        [--realm REALM]

Protocol (JSON lines). Out: {"joined": session_id, "serializer": name} once joined, then
{"id": n, "ok": result} or {"id": n, "error": "..."} per command, {"event": {...}} per event,
{"closed": reason} when the session or the transport ends (then the process exits).
In: {"id": n, "op": "register"|"call"|"subscribe"|"publish"|"leave", "uri": ..., "args": [...],
"kwargs": {...}}. A registered procedure echoes its arguments: [args, kwargs] come back as the
call result's args/kwargs. Bytes travel as {"$bytes": base64} in both directions.
"""

import argparse
import base64
import json
import sys

import txaio

txaio.use_twisted()

from autobahn.twisted.rawsocket import WampRawSocketClientFactory  # noqa: E402
from autobahn.twisted.wamp import ApplicationSession  # noqa: E402
from autobahn.wamp import serializer as wamp_serializer  # noqa: E402
from autobahn.wamp.types import CallResult, ComponentConfig, PublishOptions  # noqa: E402
from twisted.internet import reactor, stdio  # noqa: E402
from twisted.internet.endpoints import TCP4ClientEndpoint, UNIXClientEndpoint  # noqa: E402
from twisted.protocols.basic import LineReceiver  # noqa: E402

SERIALIZERS = {
    "json": wamp_serializer.JsonSerializer,
    "msgpack": wamp_serializer.MsgPackSerializer,
    "cbor": wamp_serializer.CBORSerializer,
    "ubjson": wamp_serializer.UBJSONSerializer,
}


def to_wire(value):
    if isinstance(value, dict):
        if set(value) == {"$bytes"}:
            return base64.b64decode(value["$bytes"])
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_wire(v) for v in value]
    return value


def from_wire(value):
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict):
        return {k: from_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [from_wire(v) for v in value]
    return value


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class Driven(ApplicationSession):
    serializer_name = "json"

    def onJoin(self, details):
        emit({"joined": details.session, "serializer": self.serializer_name})
        stdio.StandardIO(Commands(self))

    def onLeave(self, details):
        emit({"closed": "left: %s" % details.reason})
        self.disconnect()

    def onDisconnect(self):
        emit({"closed": "disconnected"})
        if reactor.running:
            reactor.stop()


class Commands(LineReceiver):
    delimiter = b"\n"

    def __init__(self, session):
        self.session = session

    def lineReceived(self, line):
        if not line.strip():
            return
        cmd = json.loads(line)
        n = cmd.get("id")
        op = cmd["op"]
        args = to_wire(cmd.get("args", []))
        kwargs = to_wire(cmd.get("kwargs", {}))
        s = self.session
        if op == "register":
            d = s.register(lambda *a, **kw: CallResult(*a, **kw), cmd["uri"])
            d.addCallback(lambda reg: {"registration": reg.id})
        elif op == "call":
            d = s.call(cmd["uri"], *args, **kwargs)

            def result(res):
                if isinstance(res, CallResult):
                    return {"args": from_wire(list(res.results)), "kwargs": from_wire(res.kwresults)}
                return {"args": [] if res is None else [from_wire(res)], "kwargs": {}}

            d.addCallback(result)
        elif op == "subscribe":
            topic = cmd["uri"]

            def on_event(*a, **kw):
                emit({"event": {"topic": topic, "args": from_wire(list(a)), "kwargs": from_wire(kw)}})

            d = s.subscribe(on_event, topic)
            d.addCallback(lambda sub: {"subscription": sub.id})
        elif op == "publish":
            d = s.publish(cmd["uri"], *args, options=PublishOptions(acknowledge=True, exclude_me=False),
                          **kwargs)
            d.addCallback(lambda pub: {"publication": pub.id})
        elif op == "leave":
            s.leave()
            return
        else:
            emit({"id": n, "error": "unknown op %r" % op})
            return
        d.addCallbacks(lambda ok: emit({"id": n, "ok": ok}),
                       lambda f: emit({"id": n, "error": "%s: %s" % (
                           getattr(f.value, "error", type(f.value).__name__), f.value)}))

    def connectionLost(self, reason):
        # stdin closed: the test is done with us.
        if reactor.running:
            reactor.stop()


def main():
    p = argparse.ArgumentParser()
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--tcp")
    where.add_argument("--unix")
    p.add_argument("--serializer", default="json", choices=sorted(SERIALIZERS))
    p.add_argument("--realm", default="realm1")
    opts = p.parse_args()

    def make():
        Driven.serializer_name = opts.serializer
        return Driven(ComponentConfig(realm=opts.realm))

    factory = WampRawSocketClientFactory(make, serializer=SERIALIZERS[opts.serializer]())
    if opts.tcp:
        host, port = opts.tcp.rsplit(":", 1)
        endpoint = TCP4ClientEndpoint(reactor, host, int(port), timeout=10)
    else:
        endpoint = UNIXClientEndpoint(reactor, opts.unix, timeout=10)

    def failed(f):
        emit({"closed": "connect failed: %s" % f.value})
        reactor.stop()

    endpoint.connect(factory).addErrback(failed)
    reactor.callLater(60, lambda: (emit({"closed": "client timeout (60 s)"}), reactor.stop()))
    reactor.run()


if __name__ == "__main__":
    main()
