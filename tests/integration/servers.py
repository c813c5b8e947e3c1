"""Real servers for the integration tests: nginx configured by the repository's own files, and gunicorn
processes started by deploy/gunicorn.conf.py, as the README tells an operator to run them."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
LOCATIONS = BASE_DIR / "deploy" / "nginx" / "portal-locations.conf"
GUNICORN_CONFIG = BASE_DIR / "deploy" / "gunicorn.conf.py"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _wait_until_listening(port, process, what, log_path):
    deadline = time.monotonic() + 30
    while not answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{what} did not come up: {Path(log_path).read_text(errors='replace')}")
        time.sleep(0.05)


def nginx_config(
    folder,
    *,
    port,
    upstream_ports,
    static_root,
    media_root,
    upload_ports=None,
    worker_processes=1,
    worker_connections=64,
    extra="",
):
    """Writes folder/nginx.conf: nginx on 127.0.0.1:port with the repository's locations in front of 127.0.0.1 at
    each of upstream_ports (taken in turn, nginx's round robin), the resumable uploads at upload_ports (the same
    servers unless given), plus `extra` inside `http`; returns its path."""
    folder.mkdir()
    locations = LOCATIONS.read_text()
    for installed, here in {
        "/srv/contest_portal/var/static/": f"{static_root}/",
        "/srv/contest_portal/var/media/": f"{media_root}/",
    }.items():
        assert installed in locations, f"{LOCATIONS.name} no longer names {installed}"
        locations = locations.replace(installed, here)
    (folder / "portal-locations.conf").write_text(locations)
    temp_paths = "\n".join(
        f"    {name}_temp_path {folder}/{name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    servers = " ".join(f"server 127.0.0.1:{upstream};" for upstream in upstream_ports)
    upload_servers = " ".join(f"server 127.0.0.1:{upstream};" for upstream in upload_ports or upstream_ports)
    config = folder / "nginx.conf"
    config.write_text(
        f"""{"user root;" if os.geteuid() == 0 else ""}
worker_processes {worker_processes};
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections {worker_connections}; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
{temp_paths}
    upstream contest_portal {{ {servers} keepalive 4; }}
    upstream contest_portal_uploads {{ {upload_servers} keepalive 4; }}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        include {folder}/portal-locations.conf;
    }}
{extra}
}}
"""
    )
    return config


def run_nginx(folder, config, port):
    """Checks `config` and starts nginx with it; returns the process once it listens on `port`."""
    check = subprocess.run([NGINX, "-t", "-p", str(folder), "-c", str(config)], capture_output=True)
    assert check.returncode == 0, check.stderr.decode()
    process = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(config)])
    _wait_until_listening(port, process, "nginx", folder / "error.log")
    return process


def start_nginx(folder, *, upstream_ports, static_root, media_root, upload_ports=None):
    """nginx on a free port with the repository's locations, in front of 127.0.0.1 at each of upstream_ports
    (taken in turn, nginx's round robin), the resumable uploads at upload_ports (the same servers unless given):
    (port, process)."""
    from tests.conftest import require_service

    require_service(Path(NGINX).exists(), "needs nginx: apt-get install nginx")
    port = free_port()
    config = nginx_config(
        folder,
        port=port,
        upstream_ports=upstream_ports,
        upload_ports=upload_ports,
        static_root=static_root,
        media_root=media_root,
    )
    return port, run_nginx(folder, config, port)


class Gunicorn:
    """One app server: `gunicorn -c deploy/gunicorn.conf.py` on a port of its own, its access log in a file."""

    def __init__(self, folder, *, environment):
        folder.mkdir()
        self.port = free_port()
        self.access_log = folder / "access.log"
        self.log = folder / "gunicorn.log"
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    str(GUNICORN_CONFIG),
                    "--access-logfile",
                    str(self.access_log),
                    "--access-logformat",
                    "%(m)s %(U)s %(s)s",
                ],
                cwd=BASE_DIR,
                env={
                    **environment,
                    "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                    "GUNICORN_WORKERS": "1",
                    "GUNICORN_THREADS": "2",
                },
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_until_listening(self.port, self.process, "gunicorn", self.log)

    def requests(self):
        """(method, path, status) of each request it answered."""
        if not self.access_log.exists():
            return []
        return [tuple(line.split()) for line in self.access_log.read_text().splitlines() if line.strip()]

    def kill(self):
        """SIGKILL, as a crash or the out-of-memory killer: no request finishes, nothing is cleaned up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
