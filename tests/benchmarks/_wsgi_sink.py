"""A WSGI application that does only what the tus endpoint must do with a PATCH body: read it from
wsgi.input in 1 MiB pieces and write it to a file at the offset the request names. Served by the same
gunicorn as the portal, it shows what the server itself leaves of the raw socket's speed (bench_tus.py)."""

import os

READ_SIZE = 1024 * 1024
FOLDER = os.environ.get("BENCH_WSGI_SINK_DIR", "/tmp")


def application(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    offset = int(environ.get("HTTP_UPLOAD_OFFSET") or 0)
    path = os.path.join(FOLDER, "wsgi-sink.part")
    if offset == 0 and os.path.exists(path):
        os.unlink(path)
    with open(os.open(path, os.O_RDWR | os.O_CREAT, 0o640), "r+b", buffering=0) as part:
        part.seek(offset)
        received = 0
        while received < length:
            piece = environ["wsgi.input"].read(min(READ_SIZE, length - received))
            if not piece:
                break
            view = memoryview(piece)
            while view:
                view = view[part.write(view) :]
            received += len(piece)
    start_response("204 No Content", [("Content-Length", "0"), ("Upload-Offset", str(offset + received))])
    return [b""]
