"""`junction check` over every config of the Crossbar example corpus.

Usage: test_crossbar_corpus.py JUNCTION CORPUS_DIR CROSSBAR_MD

Each config must be accepted, or refused for a feature docs/crossbar.md lists as not supported
("<phrase> is not supported yet"), or refused for one of the real errors below (errors Crossbar's
own checker reports too, or a file the corpus does not ship). The table is the data: when a
feature lands and its row says "supported", a refusal for it fails this test. Prints the count
accepted. Unset "${VAR}" references are warnings for `check`, never refusals."""

import concurrent.futures
import os
import re
import subprocess
import sys

# Errors that are real, not missing features: Crossbar's checker (22.6.1) rejects these files too,
# or the file names a key/certificate the corpus does not include (its NOTICE: only the configs
# were copied).
REAL_ERRORS = [
    ("RawSocket 'serializer' (singular), refused by Crossbar's checker too",
     re.compile(r"\.serializer: unknown key 'serializer' in transport")),
    ("worker option 'reactor', refused by Crossbar's checker too",
     re.compile(r"unknown worker option 'reactor'")),
    ("a file the corpus does not ship",
     re.compile(r": No such file or directory$")),
]

EXPECTED_FILES = 164
# Accepted today; raise it as features land (a lower count is a regression).
MIN_ACCEPTED = 131


def unsupported_phrases(crossbar_md):
    """The 'refused as' phrases of the rows whose status says 'not supported'."""
    phrases = set()
    with open(crossbar_md, encoding="utf-8") as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) != 4 or not cells[2].startswith("not supported"):
                continue
            phrases.update(re.findall(r"`([^`]+)`", cells[3]))
    return phrases


def configs(corpus):
    out = []
    for root, _dirs, files in os.walk(corpus):
        for name in files:
            if name in ("config.json", "config.yaml", "config.yml"):
                out.append(os.path.join(root, name))
    return sorted(out)


def check(junction, path, env):
    r = subprocess.run([junction, "check", "--config", path], capture_output=True, text=True,
                       env=env, timeout=30)
    errors = [l for l in r.stderr.splitlines() if l.strip() and not re.match(r"^\S+ warn ", l)]
    warnings = [l for l in r.stderr.splitlines() if re.match(r"^\S+ warn ", l)]
    return r.returncode, r.stdout, errors, warnings


def main():
    junction, corpus, crossbar_md = sys.argv[1:4]
    if not os.path.isdir(corpus):
        print("FAIL: corpus not found at %s (../shared/testdata/crossbar-examples beside the "
              "clone)" % corpus)
        return 1
    phrases = unsupported_phrases(crossbar_md)
    if len(phrases) < 10:
        print("FAIL: read only %d phrases from %s: has its table changed shape?"
              % (len(phrases), crossbar_md))
        return 1
    files = configs(corpus)
    env = {k: v for k, v in os.environ.items()}
    # The corpus references ${MYSECRET} and ${MYTICKET}: they must stay unset for this test.
    for name in ("MYSECRET", "MYTICKET"):
        env.pop(name, None)

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda p: (p, check(junction, p, env)), files))

    accepted, by_feature, by_error, failures, env_warnings = 0, {}, {}, [], 0
    for path, (rc, out, errors, warnings) in results:
        rel = os.path.relpath(path, corpus)
        env_warnings += sum("is not set; `junction start` refuses" in w for w in warnings)
        if rc == 0:
            if "config OK" not in out or errors:
                failures.append("%s: exit 0 but output %r %r" % (rel, out, errors))
            else:
                accepted += 1
            continue
        if rc != 1 or len(errors) != 1:
            failures.append("%s: exit %d, stderr %r" % (rel, rc, errors))
            continue
        reason = errors[0].split(": ", 2)[-1] if errors[0].startswith(path) else errors[0]
        # The longest phrase that matches ("transport type 'mqtt'" rather than "'mqtt'").
        hit = max((p for p in phrases
                   if p + " is not supported yet" in reason or p + " are not supported yet"
                   in reason), key=len, default=None)
        if hit:
            by_feature[hit] = by_feature.get(hit, 0) + 1
            continue
        real = next((what for what, pattern in REAL_ERRORS if pattern.search(errors[0])), None)
        if real:
            by_error[real] = by_error.get(real, 0) + 1
            continue
        failures.append("%s: refused for something docs/crossbar.md does not list as not "
                        "supported:\n    %s" % (rel, errors[0]))

    print("junction check over %d Crossbar example configs: %d accepted" % (len(files), accepted))
    for what, n in sorted(by_feature.items(), key=lambda kv: -kv[1]):
        print("  %3d refused, not supported yet: %s" % (n, what))
    for what, n in sorted(by_error.items(), key=lambda kv: -kv[1]):
        print("  %3d refused: %s" % (n, what))
    print("  unset ${VAR} warnings: %d" % env_warnings)
    if len(files) != EXPECTED_FILES:
        failures.append("expected %d configs in the corpus, found %d" % (EXPECTED_FILES, len(files)))
    if accepted < MIN_ACCEPTED:
        failures.append("only %d accepted; at least %d were before" % (accepted, MIN_ACCEPTED))
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
