"""The node suites' shared pieces: a `junction start` in the background with its stderr
collected, waiting for a condition with a deadline, and whether a process is alive (a zombie
is not). Each suite sets `node_process.JUNCTION` (and may set TIMEOUT) from its command line."""
import os
import signal
import subprocess
import threading
import time

JUNCTION = None
TIMEOUT = 15


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is not alive either (its parent, junction, may not have reaped it yet).
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_for(predicate, what, timeout=None):
    deadline = time.time() + (timeout if timeout is not None else TIMEOUT)
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


class Node:
    """A `junction start` in the background, its stderr collected."""

    def __init__(self, cwd, *args):
        self.lines = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen([JUNCTION, "start", *args], cwd=cwd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            with self.lock:
                self.lines.append(line.rstrip("\n"))

    def text(self):
        with self.lock:
            return "\n".join(self.lines)

    def wait_line(self, fragment, count=1):
        try:
            wait_for(lambda: self.text().count(fragment) >= count, repr(fragment))
        except AssertionError:
            raise AssertionError("no %r (x%d) in the node log:\n%s" % (fragment, count, self.text()))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(TIMEOUT)
        self.reader.join(TIMEOUT)
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(TIMEOUT)
