#!/usr/bin/python3
"""Junction's Python component launcher: runs the Autobahn|Python components of one Crossbar
`container` worker, or the router worker's own `components`, and connects each to the router over
the node's private Unix socket (WAMP over RawSocket).

Junction starts it as a supervised worker process (src/node/guest_supervisor.cpp; the job comes from src/node/config_component.cpp) with the
system's Python and Autobahn|Python (Debian python3-autobahn, Twisted API: the asyncio
Component.run of Autobahn 22.7 is broken on Python 3.11), the private socket's path in
$JUNCTION_COMPONENT_SOCKET, and writes its job to stdin, one JSON object:

  {"worker": "worker-001", "kind": "container" | "router",
   "shutdown": "shutdown-manual" | "shutdown-on-last-component-stopped",
   "restart": "restart-never" | "restart-always" | "restart-on-failed",
   "components": [{"type": "class", "id": "...", "classname": "pkg.module.Class",
                   "realm": "realm1", "extra": {...}, "role": "backend" | null}
                  | {"type": "function", "id": "...", "realm": "realm1", "role": "backend",
                     "callbacks": {"join": "pkg.module.on_join", ...}}],
   "authenticators": [{"create": "pkg.module.create_authenticator", "config": {...},
                       "procedure": "junction.auth.function.0", "realm": "realm1"}]}

A "class" component is the ApplicationSession subclass `classname`, built with
ComponentConfig(realm, extra) as Crossbar builds it. A "function" component is a plain
ApplicationSession with each callback attached as session.on(event, function), as Crossbar's
router builds it (join/leave: f(session, details), connect: f(session, transport), disconnect:
f(session, was_clean=...)). A router component joins with its `role` (the private socket is
trusted: the router takes the role HELLO names); a container component joins as it asks to
(anonymous, by default).

Authenticators are Crossbar's "function" authenticators of the router's transports: one session
(role "trusted") on `realm` registers each `procedure`; the first call imports `create` and calls
create(config, None) (its result, or what its Deferred/coroutine gives, is kept, as Crossbar keeps
it per name), then each call is authenticate(realm, authid, details). The router calls these
procedures as a dynamic authenticator from its in-process session "junction-auth" (role
"trusted", caller disclosed); any other caller is refused (wamp.error.not_authorized). Log lines go to stdout, one a line, prefixed with the
level when it is not info ("warn: ...", "error: ..."); the node puts them into its log.
Exit status: 0 when every component ended cleanly, 1 when one failed, 2 for a bad job.
"""

import importlib
import inspect
import json
import os
import sys
import traceback

import txaio

txaio.use_twisted()

from twisted.internet import defer, reactor  # noqa: E402
from twisted.internet.endpoints import UNIXClientEndpoint  # noqa: E402
from twisted.logger import (FilteringLogObserver, LogLevel, LogLevelFilterPredicate,  # noqa: E402
                            formatEvent, globalLogBeginner)

from autobahn.twisted.rawsocket import WampRawSocketClientFactory  # noqa: E402
from autobahn.twisted.wamp import ApplicationSession  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.types import ComponentConfig, RegisterOptions  # noqa: E402

try:
    from autobahn.wamp.serializer import MsgPackSerializer as Serializer
except ImportError:  # python3-msgpack missing
    from autobahn.wamp.serializer import JSONSerializer as Serializer

RESTART_DELAY = 1.0  # seconds before a component is restarted (container option "restart")
LEAVE_TIMEOUT = 3.0  # seconds the components get to leave at shutdown


def emit(event):
    text = formatEvent(event)
    failure = event.get("log_failure")
    if failure is not None:
        text = (text + "\n" if text else "") + failure.getTraceback()
    level = event.get("log_level")
    prefix = "" if level in (None, LogLevel.info) else level.name + ": "
    if level == LogLevel.warn:
        prefix = "warn: "
    elif level == LogLevel.critical:
        prefix = "error: "
    for line in text.splitlines() or [""]:
        sys.stdout.write(prefix + line + "\n")
    sys.stdout.flush()


def start_logging():
    level = os.environ.get("JUNCTION_COMPONENT_LOGLEVEL", "info")
    txaio.set_global_log_level(level)
    predicate = LogLevelFilterPredicate(defaultLogLevel=LogLevel.levelWithName(
        {"trace": "debug", "warning": "warn"}.get(level, level)))
    globalLogBeginner.beginLoggingTo([FilteringLogObserver(emit, [predicate])],
                                     redirectStandardIO=False)


log = txaio.make_logger()


def as_deferred(result):
    """What a wrapped callback returned, with `async def` callbacks run as Autobahn runs them."""
    if inspect.iscoroutine(result):
        return defer.ensureDeferred(result)
    return result


def import_name(qualified):
    """`pkg.module.name` -> the object (ImportError/AttributeError when it is not there)."""
    module_name, _, name = qualified.rpartition(".")
    if not module_name:
        raise ValueError("expected module.name, not '%s'" % qualified)
    return getattr(importlib.import_module(module_name), name)


def make_session(spec):
    """The ApplicationSession of one component spec (see the job above)."""
    if spec.get("type", "class") == "class":
        cls = import_name(spec["classname"])
        return cls(ComponentConfig(realm=spec["realm"], extra=spec.get("extra")))
    # "function": Crossbar builds a plain session and attaches the callbacks as observers.
    callbacks = {event: import_name(name) for event, name in spec.get("callbacks", {}).items()}
    session = ApplicationSession(ComponentConfig(realm=spec["realm"], extra={}))
    for event, function in callbacks.items():
        session.on(event, function)
    return session


class Authenticators:
    """The router's "function" authenticators: one session registers them all (see above)."""

    CALLER_AUTHID = "junction-auth"  # the router's in-process caller (node/auth_caller.cpp)

    def __init__(self, launcher, specs):
        self.launcher = launcher
        self.specs = specs
        self.created = {}  # create name -> the authenticate function
        self.session = None

    def start(self):
        for spec in self.specs:  # an early word in the log about a name that is not there
            try:
                import_name(spec["create"])
            except Exception as e:
                log.error("function authenticator '{create}' cannot be imported: {err}",
                          create=spec["create"], err=e)
        realm = self.specs[0]["realm"]
        session = ApplicationSession(ComponentConfig(realm=realm))
        original_join = session.join

        def join(realm, *args, **kwargs):
            kwargs.update(authrole="trusted", authid="junction-function-authenticators",
                          authmethods=["anonymous"])
            return original_join(realm, *args, **kwargs)

        session.join = join
        session.on("join", self.joined)
        session.on("disconnect", lambda *a, **k: self.lost())
        self.session = session
        factory = WampRawSocketClientFactory(lambda: session, serializer=Serializer())
        factory.noisy = False
        d = UNIXClientEndpoint(reactor, self.launcher.socket, timeout=10).connect(factory)
        d.addErrback(lambda f: log.error("function authenticators cannot connect to {path}: {err}",
                                         path=self.launcher.socket, err=f.getErrorMessage()))

    @defer.inlineCallbacks
    def joined(self, session, details):
        for spec in self.specs:
            yield session.register(self.handler(spec), spec["procedure"],
                                   options=RegisterOptions(details_arg="call_details"))
            log.info("function authenticator '{create}' ready on realm '{realm}'",
                     create=spec["create"], realm=details.realm)

    def lost(self):
        self.session = None
        if not self.launcher.stopping:
            log.error("function authenticators: the connection to the router was lost")

    def handler(self, spec):
        @defer.inlineCallbacks
        def authenticate(realm, authid, details, call_details=None):
            if (call_details is None or call_details.caller_authid != self.CALLER_AUTHID
                    or call_details.caller_authrole != "trusted"):
                raise ApplicationError(ApplicationError.NOT_AUTHORIZED,
                                       "only the router calls function authenticators")
            try:
                function = yield self.authenticator(spec)
                principal = yield as_deferred(function(realm, authid, details))
            except ApplicationError:
                raise
            except Exception as e:
                log.warn("function authenticator '{create}' failed: {err}",
                         create=spec["create"], err=e)
                raise ApplicationError(ApplicationError.AUTHENTICATION_FAILED,
                                       "dynamic authenticator failed: {}".format(e))
            return principal

        return authenticate

    @defer.inlineCallbacks
    def authenticator(self, spec):
        name = spec["create"]
        if name not in self.created:
            create = import_name(name)
            function = yield as_deferred(create(spec.get("config", {}), None))
            self.created.setdefault(name, function)
        return self.created[name]

    def leave(self):
        session = self.session
        if session is not None and session.is_attached():
            try:
                session.leave("wamp.close.system_shutdown", "the node is stopping")
            except Exception:
                pass
        return defer.succeed(None)


class Runner:
    """One component: builds its session, connects it, notices its end, restarts it."""

    def __init__(self, launcher, spec):
        self.launcher = launcher
        self.spec = spec
        if spec.get("type", "class") == "class":
            self.what = spec["classname"]
        else:
            self.what = "function: " + ", ".join(
                "%s=%s" % kv for kv in sorted(spec.get("callbacks", {}).items()))
        self.name = spec.get("id") or (spec["classname"] if "classname" in spec
                                       else "function@" + spec["realm"])
        self.session = None
        self.running = False
        self.failed = False

    def start(self):
        self.running = True
        self.failed = False
        spec = self.spec
        try:
            session = make_session(spec)
        except Exception:
            log.error("component '{name}' ({classname}) could not be created:\n{tb}",
                      name=self.name, classname=self.what, tb=traceback.format_exc())
            self.ended(failed=True)
            return
        self.session = session
        self.joined = False
        self.leave_reason = None
        role = spec.get("role")
        if role is not None:
            # Crossbar attaches router components with their configured role; the private
            # socket is trusted, so naming it in HELLO is how Junction's router learns it.
            original_join = session.join

            def join(realm, *args, **kwargs):
                kwargs["authrole"] = role
                kwargs.setdefault("authid", self.name)
                kwargs["authmethods"] = ["anonymous"]
                return original_join(realm, *args, **kwargs)

            session.join = join

        original_on_join = session.onJoin
        original_on_leave = session.onLeave
        original_on_disconnect = session.onDisconnect

        def on_join(details):
            self.joined = True
            log.info("component '{name}' joined realm '{realm}' (session {id}, role {role})",
                     name=self.name, realm=details.realm, id=details.session,
                     role=details.authrole)
            return as_deferred(original_on_join(details))

        def on_leave(details):
            self.leave_reason = details.reason
            return as_deferred(original_on_leave(details))

        def on_disconnect(*args, **kwargs):
            try:
                return original_on_disconnect(*args, **kwargs)
            finally:
                clean = self.joined and self.leave_reason in (
                    "wamp.close.normal", "wamp.close.goodbye_and_out", "wamp.close.system_shutdown")
                if not clean:
                    log.warn("component '{name}' ended: {reason}", name=self.name,
                             reason=self.leave_reason or "the connection was lost")
                self.ended(failed=not clean)

        session.onJoin = on_join
        session.onLeave = on_leave
        session.onDisconnect = on_disconnect

        factory = WampRawSocketClientFactory(lambda: session, serializer=Serializer())
        factory.noisy = False
        endpoint = UNIXClientEndpoint(reactor, self.launcher.socket, timeout=10)
        d = endpoint.connect(factory)

        def connect_failed(failure):
            log.error("component '{name}' cannot connect to {path}: {err}", name=self.name,
                      path=self.launcher.socket, err=failure.getErrorMessage())
            self.ended(failed=True)

        d.addErrback(connect_failed)

    def ended(self, failed):
        if not self.running:
            return
        self.running = False
        self.failed = failed
        self.session = None
        self.launcher.component_ended(self)

    def leave(self):
        """At shutdown: GOODBYE, then wait (bounded) for the connection to close."""
        session = self.session
        if session is None or not session.is_attached():
            if session is not None and session.transport:
                session.transport.close()
            return defer.succeed(None)
        done = defer.Deferred()
        original = session.onDisconnect

        def on_disconnect(*args, **kwargs):
            try:
                return original(*args, **kwargs)
            finally:
                if not done.called:
                    done.callback(None)

        session.onDisconnect = on_disconnect
        try:
            session.leave("wamp.close.system_shutdown", "the node is stopping")
        except Exception:
            return defer.succeed(None)
        reactor.callLater(LEAVE_TIMEOUT, lambda: done.called or done.callback(None))
        return done


class Launcher:
    def __init__(self, job):
        self.socket = os.environ["JUNCTION_COMPONENT_SOCKET"]
        self.worker = job.get("worker", "")
        self.shutdown = job.get("shutdown", "shutdown-manual")
        self.restart = job.get("restart", "restart-never")
        self.runners = [Runner(self, spec) for spec in job["components"]]
        specs = job.get("authenticators") or []
        self.authenticators = Authenticators(self, specs) if specs else None
        self.any_failed = False
        self.stopping = False

    def start(self):
        reactor.addSystemEventTrigger("before", "shutdown", self.leave_all)
        if self.authenticators:
            self.authenticators.start()
        for r in self.runners:
            r.start()

    def component_ended(self, runner):
        self.any_failed = self.any_failed or runner.failed
        if self.stopping:
            return
        if self.restart == "restart-always" or (
                self.restart == "restart-on-failed" and runner.failed):
            log.info("restarting component '{name}' in {delay} s", name=runner.name,
                     delay=RESTART_DELAY)
            reactor.callLater(RESTART_DELAY, lambda: self.stopping or runner.start())
            return
        if self.shutdown == "shutdown-on-last-component-stopped" and not any(
                r.running for r in self.runners) and not self.authenticators:
            log.info("the last component stopped: the worker ends")
            self.stopping = True
            reactor.callLater(0, reactor.stop)

    def leave_all(self):
        self.stopping = True
        leaving = [r.leave() for r in self.runners]
        if self.authenticators:
            leaving.append(self.authenticators.leave())
        return defer.DeferredList(leaving)


def main():
    start_logging()
    try:
        job = json.load(sys.stdin)
        for spec in job["components"]:
            spec["realm"]  # required, as a class component's classname
            if spec.get("type", "class") == "class":
                spec["classname"]
        for spec in job.get("authenticators") or []:
            spec["create"], spec["procedure"], spec["realm"]  # required
    except Exception as e:
        log.error("bad job on stdin: {err}", err=e)
        return 2
    launcher = Launcher(job)
    reactor.callWhenRunning(launcher.start)
    reactor.run()
    return 1 if launcher.any_failed else 0


if __name__ == "__main__":
    sys.exit(main())
