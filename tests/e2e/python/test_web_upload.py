"""The "upload" path service (Crossbar's File Upload Service) with Python's http.client posting
multipart chunks the way resumable.js does, and a live Autobahn|Python subscriber seeing the
progress events: chunks out of order, resumable.js's test GETs, resuming after a restart,
file names that try to leave the directory, size and type limits, temporary files cleaned.

Run: /usr/bin/python3 test_web_upload.py path/to/junction
"""

import asyncio
import http.client
import os
import shutil
import stat
import tempfile
import urllib.parse
import uuid

from junction_harness import JunctionTestCase, RouterProcess, main, within

FORM_FIELDS = {
    "file_name": "resumableFilename", "mime_type": "resumableType",
    "total_size": "resumableTotalSize", "chunk_number": "resumableChunkNumber",
    "chunk_size": "resumableChunkSize", "total_chunks": "resumableTotalChunks",
    "content": "file", "on_progress": "on_progress", "session": "session",
    "chunk_extra": "chunk_extra", "finish_extra": "finish_extra",
}
ANONYMOUS = {
    "name": "anonymous",
    "permissions": [{"uri": "", "match": "prefix",
                     "allow": {"call": True, "register": True, "publish": True, "subscribe": True},
                     "disclose": {"caller": False, "publisher": False}, "cache": True}],
}
TOPIC = "com.example.upload.on_progress"


def config(root):
    return {
        "version": 2,
        "workers": [{
            "type": "router",
            "realms": [{"name": "realm1", "roles": [ANONYMOUS]}],
            "transports": [{
                "type": "web",
                "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
                "paths": {
                    "ws": {"type": "websocket", "serializers": ["json"]},
                    "upload": {
                        "type": "upload", "realm": "realm1", "role": "anonymous",
                        "directory": os.path.join(root, "uploaded"),
                        "temp_directory": os.path.join(root, "uploaded", "tmp"),
                        "form_fields": FORM_FIELDS,
                        "options": {"max_file_size": 100000, "file_permissions": "0640",
                                    "file_types": [".txt", ".bin"]},
                    },
                },
            }],
        }],
    }


def multipart(fields, content, filename="blob"):
    """A multipart/form-data body as a browser's FormData makes it (resumable.js)."""
    boundary = "----WebKitFormBoundary" + uuid.uuid4().hex[:16]
    out = []
    for name, value in fields.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                    % (boundary, name, value)).encode())
    out.append(("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n" % (boundary, filename)).encode())
    out.append(content + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=" + boundary


class Upload:
    """One file cut in chunks as resumable.js cuts it (the last chunk takes the remainder)."""

    def __init__(self, name, data, chunk_size, **extra):
        self.name, self.data, self.chunk_size, self.extra = name, data, chunk_size, extra
        self.total_chunks = max(1, len(data) // chunk_size)

    def chunk(self, number):
        start = (number - 1) * self.chunk_size
        end = len(self.data) if number == self.total_chunks else start + self.chunk_size
        return self.data[start:end]

    def params(self, number):
        p = {"resumableChunkNumber": number, "resumableChunkSize": self.chunk_size,
             "resumableCurrentChunkSize": len(self.chunk(number)),
             "resumableTotalSize": len(self.data), "resumableType": "text/plain",
             "resumableIdentifier": "%d-%s" % (len(self.data), self.name),
             "resumableFilename": self.name, "resumableRelativePath": self.name,
             "resumableTotalChunks": self.total_chunks}
        p.update(self.extra)
        return p


class UploadTest(JunctionTestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="junction-upload-")
        os.makedirs(os.path.join(cls.root, "uploaded"))
        cls.router_config = config(cls.root)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.root, ignore_errors=True)

    def uploaded(self, *name):
        return os.path.join(self.root, "uploaded", *name)

    def request_sync(self, method, path, body=None, headers=None, router=None):
        router = router or self.router
        conn = http.client.HTTPConnection(router.host, router.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, r.read().decode("utf-8", "replace")
        finally:
            conn.close()

    async def request(self, *args, **kwargs):
        return await within(asyncio.to_thread(self.request_sync, *args, **kwargs), 15)

    async def post_chunk(self, upload, number, router=None, **override):
        fields = upload.params(number)
        fields.update(override)
        body, content_type = multipart(fields, upload.chunk(number))
        return await self.request("POST", "/upload", body, {"Content-Type": content_type},
                                  router=router)

    async def chunk_present(self, upload, number, router=None):
        query = urllib.parse.urlencode(upload.params(number))
        status, _ = await self.request("GET", "/upload?" + query, router=router)
        return status

    async def subscribe(self):
        s = await self.connect()
        queue = asyncio.Queue()
        await within(s.subscribe(lambda *a, **kw: queue.put_nowait(a[0]), TOPIC))
        return s, queue

    def in_temp(self, name):
        return os.path.exists(self.uploaded("tmp", name))

    async def test_chunks_out_of_order_with_progress_events(self):
        session, events = await self.subscribe()
        _, bystander = await self.subscribe()
        data = os.urandom(3000)
        upload = Upload("report.bin", data, 1000, on_progress=TOPIC, session=session.session_id,
                        chunk_extra='{"step": 1}', finish_extra='{"done": true}')
        for number in (3, 1, 2):
            self.assertEqual(await self.chunk_present(upload, number), 404)  # not there yet: upload
            status, body = await self.post_chunk(upload, number)
            self.assertEqual(status, 200, body)
            if number != 2:
                self.assertEqual(await self.chunk_present(upload, number), 200)  # stored
        with open(self.uploaded("report.bin"), "rb") as f:
            self.assertEqual(f.read(), data)
        self.assertEqual(stat.S_IMODE(os.stat(self.uploaded("report.bin")).st_mode), 0o640)
        self.assertFalse(self.in_temp("report.bin"))  # temporary files are gone
        # Crossbar's events: started, then progress per chunk, then finished.
        got = [await within(events.get()) for _ in range(5)]
        self.assertEqual([e["status"] for e in got],
                         ["started", "progress", "progress", "progress", "finished"])
        self.assertEqual([e["chunk"] for e in got], [3, 3, 1, 2, 2])
        self.assertEqual([e["remaining"] for e in got], [3000, 2000, 1000, 0, 0])
        self.assertEqual([e["progress"] for e in got], [0, 0.333, 0.667, 1, 1])
        for e in got:
            self.assertEqual((e["id"], e["name"], e["total"]), ("report.bin", "report.bin", 3000))
            self.assertEqual(e["chunk_extra"], {"step": 1})
        self.assertEqual(got[-1]["finish_extra"], {"done": True})
        self.assertNotIn("finish_extra", got[0])
        # The events were for `session` only (eligible): the bystander sees only a later event.
        marker = await self.connect()
        await within(marker.publish(TOPIC, {"status": "marker"},
                                    options=__import__("autobahn").wamp.types.PublishOptions(
                                        acknowledge=True)))
        self.assertEqual((await within(bystander.get()))["status"], "marker")
        self.assertTrue(bystander.empty())

    async def test_single_chunk_and_a_retried_chunk(self):
        _, events = await self.subscribe()
        upload = Upload("notes.txt", b"hello, upload", 100, on_progress=TOPIC)
        self.assertEqual((await self.post_chunk(upload, 1))[0], 200)
        with open(self.uploaded("notes.txt"), "rb") as f:
            self.assertEqual(f.read(), b"hello, upload")
        got = [await within(events.get()) for _ in range(2)]
        self.assertEqual([e["status"] for e in got], ["started", "finished"])
        self.assertEqual(got[1]["progress"], 1)
        # A chunk sent twice (a retry) replaces itself; the file is still right.
        upload = Upload("twice.txt", b"a" * 50 + b"b" * 60, 50)
        self.assertEqual((await self.post_chunk(upload, 1))[0], 200)
        self.assertEqual((await self.post_chunk(upload, 1))[0], 200)
        self.assertEqual((await self.post_chunk(upload, 2))[0], 200)
        with open(self.uploaded("twice.txt"), "rb") as f:
            self.assertEqual(f.read(), b"a" * 50 + b"b" * 60)

    async def test_octet_method_fields_in_the_query(self):
        upload = Upload("raw.txt", b"raw body bytes", 100)
        query = urllib.parse.urlencode(upload.params(1))
        status, body = await self.request("POST", "/upload?" + query, upload.chunk(1),
                                          {"Content-Type": "application/octet-stream"})
        self.assertEqual(status, 200, body)
        with open(self.uploaded("raw.txt"), "rb") as f:
            self.assertEqual(f.read(), b"raw body bytes")

    async def test_names_that_try_to_leave_the_directory(self):
        outside = os.path.join(self.root, "escaped.txt")
        for name in ("../escaped.txt", "../../escaped.txt", "sub/escaped.txt",
                     "..\\escaped.txt", ".hidden.txt", "/etc/escaped.txt", "a\x01b.txt", ""):
            status, body = await self.post_chunk(Upload(name, b"x" * 10, 100), 1)
            self.assertEqual(status, 400, (name, body))
        self.assertFalse(os.path.exists(outside))
        self.assertFalse(os.path.exists("/etc/escaped.txt"))
        # Percent signs are just characters of a name: it stays in the directory.
        status, _ = await self.post_chunk(Upload("%2e%2e%2fodd.txt", b"x" * 10, 100), 1)
        self.assertEqual(status, 200)
        self.assertTrue(os.path.exists(self.uploaded("%2e%2e%2fodd.txt")))
        self.assertFalse(self.in_temp("%2e%2e%2fodd.txt"))

    async def test_limits_and_bad_requests(self):
        cases = [
            (Upload("big.txt", b"x" * 100001, 50000), {}, 413),   # over max_file_size
            (Upload("image.png", b"x" * 10, 100), {}, 415),       # not in file_types
            (Upload("noext", b"x" * 10, 100), {}, 415),
            (Upload("n.txt", b"x" * 100, 50), {"resumableChunkNumber": 3}, 400),
            (Upload("n.txt", b"x" * 100, 50), {"resumableChunkNumber": 0}, 400),
            (Upload("n.txt", b"x" * 100, 50), {"resumableTotalSize": "ten"}, 400),
            (Upload("n.txt", b"x" * 10, 100), {"resumableTotalSize": 5}, 413),  # chunk > file
            (Upload("n.txt", b"x" * 10, 100), {"resumableTotalChunks": 20}, 400),
            (Upload("n.txt", b"x" * 10, 100), {"chunk_extra": "{not json"}, 400),
            (Upload("n.txt", b"x" * 10, 100), {"session": "abc", "on_progress": TOPIC}, 400),
        ]
        for upload, override, expected in cases:
            status, body = await self.post_chunk(upload, 1, **override)
            self.assertEqual(status, expected, (upload.name, override, body))
        # A chunk that does not match the upload in progress: 409; the upload carries on.
        upload = Upload("sizes.txt", b"y" * 100, 50)
        self.assertEqual((await self.post_chunk(upload, 1))[0], 200)
        self.assertEqual((await self.post_chunk(upload, 2, resumableTotalSize=120))[0], 409)
        self.assertEqual((await self.post_chunk(upload, 2))[0], 200)
        # Chunks that add up to more than the declared size: refused, nothing assembled.
        upload = Upload("over.txt", b"z" * 100, 50)
        self.assertEqual((await self.post_chunk(upload, 1))[0], 200)
        body, content_type = multipart(upload.params(2), b"z" * 60)
        status, _ = await self.request("POST", "/upload", body, {"Content-Type": content_type})
        self.assertEqual(status, 413)
        self.assertFalse(os.path.exists(self.uploaded("over.txt")))
        # Missing fields, a malformed form, other methods.
        body, content_type = multipart({"resumableFilename": "m.txt"}, b"x")
        self.assertEqual((await self.request("POST", "/upload", body,
                                             {"Content-Type": content_type}))[0], 400)
        self.assertEqual((await self.request("POST", "/upload", b"--nope\r\n",
                                             {"Content-Type": "multipart/form-data; boundary=x"}
                                             ))[0], 400)
        self.assertEqual((await self.request("GET", "/upload?resumableFilename=a.txt"))[0], 400)
        self.assertEqual((await self.request("PUT", "/upload", b"x"))[0], 405)
        for name in ("big.txt", "image.png", "noext", "n.txt"):
            self.assertFalse(os.path.exists(self.uploaded(name)), name)


class ResumeAfterRestartTest(JunctionTestCase):
    """Chunks stored before the node stopped are still there after it starts again: resumable.js
    asks with a GET, skips them and sends the rest."""

    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="junction-upload-")
        os.makedirs(os.path.join(cls.root, "uploaded"))
        cls.router_config = config(cls.root)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.root, ignore_errors=True)

    request_sync = UploadTest.request_sync
    request = UploadTest.request
    post_chunk = UploadTest.post_chunk
    chunk_present = UploadTest.chunk_present

    async def test_resume(self):
        data = os.urandom(3500)
        upload = Upload("resumed.bin", data, 1000)
        self.assertEqual((await self.post_chunk(upload, 1))[0], 200)
        self.assertEqual((await self.post_chunk(upload, 2))[0], 200)
        # An interrupted write left a partial file: it is removed at start, chunks are kept.
        temp = os.path.join(self.root, "uploaded", "tmp", "resumed.bin")
        with open(os.path.join(temp, ".chunk_3.partial"), "wb") as f:
            f.write(b"half")
        self.router.stop()
        second = RouterProcess(config=config(self.root), name="restarted").start()
        try:
            self.assertEqual(await self.chunk_present(upload, 1, router=second), 200)
            self.assertEqual(await self.chunk_present(upload, 2, router=second), 200)
            self.assertEqual(await self.chunk_present(upload, 3, router=second), 404)
            self.assertFalse(os.path.exists(os.path.join(temp, ".chunk_3.partial")))
            self.assertEqual((await self.post_chunk(upload, 3, router=second))[0], 200)
            with open(os.path.join(self.root, "uploaded", "resumed.bin"), "rb") as f:
                self.assertEqual(f.read(), data)
            self.assertFalse(os.path.exists(temp))
        finally:
            second.stop()


if __name__ == "__main__":
    main()
