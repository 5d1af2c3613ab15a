"""The "archive" path service with a real HTTP client (http.client): files from a ZIP (made with
Python's zipfile, with an object_prefix and default_object as Crossbar's AutobahnJS examples use)
and from a .tar.gz (tarfile); MIME types and mime_types overrides, ETag and 304, gzip, HEAD,
ranges, default_file, 404 and 405, traversal attempts that must find nothing, a member with a
'..' name left out, and `junction check` refusing a missing archive, a hash mismatch and a file
that is not an archive (downloads: test_web_archive_download.py).

Run: /usr/bin/python3 test_web_archive.py path/to/junction
"""

import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import unittest
import zipfile

import junction_harness
from junction_harness import RouterProcess, http_request, main, web_config

TIMEOUT = 10.0
APP_JS = ("console.log('served from an archive');\n" * 100).encode()
INDEX = "<!DOCTYPE html><html><body>archive index ✓</body></html>\n".encode()


def make_archives(root):
    z = os.path.join(root, "app.zip")
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as f:
        f.writestr("dist-1.0/autobahn.min.js", APP_JS)
        f.writestr("dist-1.0/index.html", INDEX)
        f.writestr("dist-1.0/sub/data.custom", b"custom\n")
        f.writestr("dist-1.0/sub/", b"")  # a directory entry
        f.writestr("../evil.txt", b"EVIL")  # a hostile name, left out
        f.writestr("outside.txt", b"OUTSIDE THE PREFIX")
    t = os.path.join(root, "site.tar.gz")
    with tarfile.open(t, "w:gz") as f:
        for name, data in (("./index.html", INDEX), ("./css/site.css", b"body{color:red}\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1700000000
            f.addfile(info, io.BytesIO(data))
    with open(os.path.join(root, "secret.txt"), "w") as f:
        f.write("TOP SECRET\n")
    with open(os.path.join(root, "not-an-archive.zip"), "w") as f:
        f.write("this is text\n")
    return z, t


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def config(z, t, extra=None):
    paths = {
        "ab": {"type": "archive", "archive": z, "object_prefix": "dist-1.0",
               "default_object": "autobahn.min.js", "cache": True,
               "mime_types": {".custom": "application/x-junction-test"},
               "origin": "https://example.com/app.zip", "download": True,
               "hashes": [sha256(z)]},
        "site": {"type": "archive", "archive": t, "default_object": "index.html",
                 "options": {"default_file": "index.html"}},
    }
    paths.update(extra or {})
    return web_config(paths)


class ArchiveTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="junction-archive-")
        cls.zip, cls.tar = make_archives(cls.root)
        cls.router = RouterProcess(config=config(cls.zip, cls.tar), name="archive").start()

    @classmethod
    def tearDownClass(cls):
        cls.router.stop()
        shutil.rmtree(cls.root, ignore_errors=True)

    def request(self, method, path, headers=None):
        status, fields, body = http_request(self.router, method, path, None, headers,
                                            timeout=TIMEOUT)
        return status, {k.lower(): v for k, v in fields}, body

    def get(self, path, headers=None):
        return self.request("GET", path, headers)

    def test_members_types_and_default_object(self):
        status, headers, body = self.get("/ab/autobahn.min.js")
        self.assertEqual(status, 200)
        self.assertEqual(body, APP_JS)
        self.assertIn("javascript", headers["content-type"])
        for path in ("/ab", "/ab/"):
            status, _, body = self.get(path)
            self.assertEqual((status, body), (200, APP_JS), path)
        status, headers, body = self.get("/ab/index.html")
        self.assertEqual((status, body), (200, INDEX))
        self.assertTrue(headers["content-type"].startswith("text/html"))
        status, headers, body = self.get("/ab/sub/data.custom")
        self.assertEqual((status, body), (200, b"custom\n"))
        self.assertEqual(headers["content-type"], "application/x-junction-test")
        # tar.gz, with "./" names.
        status, headers, body = self.get("/site/css/site.css")
        self.assertEqual((status, body), (200, b"body{color:red}\n"))
        self.assertEqual(headers["last-modified"], "Tue, 14 Nov 2023 22:13:20 GMT")

    def test_conditional_gzip_head_range(self):
        status, headers, _ = self.get("/ab/autobahn.min.js")
        etag = headers["etag"]
        status, _, body = self.get("/ab/autobahn.min.js", {"If-None-Match": etag})
        self.assertEqual((status, body), (304, b""))
        status, headers, body = self.get("/ab/autobahn.min.js", {"Accept-Encoding": "gzip"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-encoding"], "gzip")
        self.assertEqual(gzip.decompress(body), APP_JS)
        status, headers, body = self.request("HEAD", "/ab/autobahn.min.js")
        self.assertEqual((status, body), (200, b""))
        self.assertEqual(headers["content-length"], str(len(APP_JS)))
        status, headers, body = self.get("/ab/autobahn.min.js", {"Range": "bytes=0-9"})
        self.assertEqual((status, body), (206, APP_JS[:10]))
        status, _, _ = self.request("POST", "/ab/autobahn.min.js")
        self.assertEqual(status, 405)

    def test_not_found_default_file_and_traversal(self):
        self.assertEqual(self.get("/ab/nothing.js")[0], 404)
        self.assertEqual(self.get("/ab/sub")[0], 404)  # a directory is not a member
        # The prefix cannot be left: outside.txt is in the archive but not below the prefix.
        for path in ("/ab/../outside.txt", "/ab/%2e%2e/outside.txt", "/ab/..%2foutside.txt",
                     "/ab/%2e%2e%2fevil.txt", "/ab/../evil.txt", "/ab/..%2f..%2fsecret.txt",
                     "/ab/%2e%2e%2f%2e%2e%2fsecret.txt", "/ab//etc/passwd"):
            status, _, body = self.get(path)
            self.assertNotIn(b"OUTSIDE", body, path)
            self.assertNotIn(b"EVIL", body, path)
            self.assertNotIn(b"SECRET", body, path)
            self.assertIn(status, (400, 404), path)
        # default_file: a single-page app's deep link gets the index.
        status, _, body = self.get("/site/app/settings/profile")
        self.assertEqual((status, body), (200, INDEX))
        status, _, body = self.get("/site/..%2f..%2fsecret.txt")
        self.assertEqual((status, body), (200, INDEX))  # not found: the index, never the file

    def test_check_refuses_bad_archives(self):
        def check(paths):
            path = os.path.join(self.root, "check.json")
            with open(path, "w") as f:
                json.dump(config(self.zip, self.tar, paths), f)
            r = subprocess.run([junction_harness.junction_binary(), "check", "--config", path],
                               capture_output=True, text=True, timeout=30)
            return r.returncode, r.stderr

        rc, err = check({"x": {"type": "archive", "archive": "missing.zip"}})
        self.assertEqual(rc, 1)
        self.assertIn("paths.x.archive: ", err)
        self.assertIn("missing.zip: No such file or directory", err)
        # With download and an origin, a missing archive is fetched by `start` (never by
        # `check`: test_web_archive_download.py).
        rc, err = check({"x": {"type": "archive", "archive": "missing.zip", "download": True,
                               "origin": "https://example.com/a.zip"}})
        self.assertEqual(rc, 0, err)
        rc, err = check({"x": {"type": "archive", "archive": self.zip, "hashes": ["0" * 64]}})
        self.assertEqual(rc, 1)
        self.assertIn("matches none of the configured 'hashes'", err)
        rc, err = check({"x": {"type": "archive",
                               "archive": os.path.join(self.root, "not-an-archive.zip")}})
        self.assertEqual(rc, 1)
        self.assertIn("paths.x.archive: ", err)
        rc, err = check({"x": {"type": "archive", "archive": self.zip, "hashes": ["abc"]}})
        self.assertEqual(rc, 1)
        self.assertIn("paths.x.hashes[0]: expected a SHA-256 digest", err)
        rc, err = check({})
        self.assertEqual(rc, 0, err)


if __name__ == "__main__":
    main()
