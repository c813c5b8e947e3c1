"""The tus reference server, @tus/server with its file store on Node.js, as the peer of the portal's tus endpoint:
installed from the npm registry into a folder under the system's temporary folder (once; later runs reuse it) and
run on a port of its own, storing what it receives in a folder the caller gives.

Not a benchmark itself: `make bench` runs only the scripts whose names do not start with "_"."""

import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

VERSIONS = {"@tus/server": "2.4", "@tus/file-store": "2"}
SERVER = """
import http from "node:http";
import { Server } from "@tus/server";
import { FileStore } from "@tus/file-store";
const [port, directory] = process.argv.slice(2);
const tus = new Server({ path: "/files", datastore: new FileStore({ directory }), respectForwardedHeaders: true });
http.createServer((req, res) => tus.handle(req, res)).listen(Number(port), "127.0.0.1", () => console.log("ready"));
"""


def _installed():
    folder = Path(tempfile.gettempdir()) / "contest-portal-bench" / "tus-node"
    if not (folder / "node_modules" / "@tus" / "server").exists():
        if not shutil.which("npm"):
            raise SystemExit("@tus/server needs Node.js and npm (apt-get install nodejs npm)")
        folder.mkdir(parents=True, exist_ok=True)
        print(f"installing @tus/server into {folder} …", flush=True)
        packages = [f"{name}@{version}" for name, version in VERSIONS.items()]
        subprocess.run(
            ["npm", "install", "--silent", "--no-audit", "--no-fund", *packages],
            cwd=folder,
            check=True,
            timeout=600,
        )
    (folder / "server.mjs").write_text(SERVER)
    return folder


def version():
    import json

    package = _installed() / "node_modules" / "@tus" / "server" / "package.json"
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return f"@tus/server {json.loads(package.read_text())['version']} on Node.js {node}"


@contextmanager
def tus_node_server(port, store):
    """@tus/server listening on 127.0.0.1:port (uploads at /files), writing into `store`, for the block."""
    folder = _installed()
    Path(store).mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        ["node", "server.mjs", str(port), str(store)], cwd=folder, stdout=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        if process.stdout.readline().strip() != "ready" or time.monotonic() > deadline:
            raise SystemExit("@tus/server did not start")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)
