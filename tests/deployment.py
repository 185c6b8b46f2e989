"""The deployment of deploy/ run as processes on this machine, for tests/test_deploy.py and bench/worker_export.py.

The commands are read from the systemd units themselves (``ExecStart=``, with ``/srv/survey`` taken to be this
checkout, the virtualenv's ``bin`` this interpreter's, ``%i`` the instance and ``${NAME}`` from the environment), and
the settings from deploy/survey.env.example with the test's own values over it: whatever the recipe says is what
runs. ``Browser`` is a small HTTP client with a cookie jar that talks to an app server directly as nginx would
(``X-Forwarded-Proto: https``, ``X-Forwarded-For``), so that a test can choose which server a request lands on.
"""

from __future__ import annotations

import http.client
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
INSTALL_DIR = "/srv/survey"  # where the recipe installs the app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def env_file(path: Path = DEPLOY / "survey.env.example") -> dict[str, str]:
    """``NAME=value`` lines of an EnvironmentFile (comments and blank lines skipped)."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def unit_service(name: str) -> dict[str, list[str]]:
    """The ``[Service]`` settings of a unit in deploy/, each a list (a key may repeat)."""
    settings: dict[str, list[str]] = {}
    section = None
    for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def unit_command(name: str, instance: str, env: dict[str, str]) -> list[str]:
    """The unit's ExecStart as an argument list for this checkout."""
    (line,) = unit_service(name)["ExecStart"]
    line = line.replace("%i", instance)
    line = re.sub(r"\$\{(\w+)\}", lambda match: env[match.group(1)], line)
    line = line.replace(f"{INSTALL_DIR}/.venv/bin/", f"{Path(sys.executable).parent}/")
    return [part.replace(INSTALL_DIR, str(ROOT)) for part in shlex.split(line)]


class Deployment:
    """App servers and workers started as the units start them, with logs kept for the failure messages."""

    def __init__(self, env: dict[str, str], log_dir: Path):
        self.env = env
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen] = {}

    def _start(self, label: str, command: list[str], extra: dict[str, str]) -> subprocess.Popen:
        log = open(self.log_dir / f"{label}.log", "ab")
        process = subprocess.Popen(command, cwd=ROOT, env={**self.env, **extra}, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        log.close()
        self.processes[label] = process
        return process

    def run(self, *args: str) -> subprocess.CompletedProcess:
        """``flask --app wsgi …`` with the deployment's settings, as the README has a person type it."""
        return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=300)

    def start_web(self, **export_dirs: Path) -> list[str]:
        """App servers (survey-web@<port>), one per label, each with its EXPORT_DIR, started side by side; returns
        their base URLs once each answers."""
        bases = {}
        for label, export_dir in export_dirs.items():
            port = free_port()
            self._start(label, unit_command("survey-web@.service", str(port), self.env),
                        {"EXPORT_DIR": str(export_dir)})
            bases[label] = f"http://127.0.0.1:{port}"
        for label, base in bases.items():
            self.wait_until_up(label, base)
        return list(bases.values())

    def start_worker(self, label: str, export_dir: Path) -> subprocess.Popen:
        return self._start(label, unit_command("survey-worker@.service", label, self.env),
                           {"EXPORT_DIR": str(export_dir)})

    def wait_until_up(self, label: str, base: str, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.processes[label].poll() is not None:
                raise AssertionError(f"{label} exited:\n{self.log(label)}")
            try:
                Browser(base).get("/healthz")
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"{label} did not answer in {seconds} s:\n{self.log(label)}")

    def log(self, label: str, lines: int = 40) -> str:
        path = self.log_dir / f"{label}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def logs(self) -> str:
        return "\n".join(f"--- {label} ---\n{self.log(label)}" for label in self.processes)

    def kill(self, label: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes[label]
        if process.poll() is None:
            os.killpg(process.pid, sig)
            if sig in (signal.SIGKILL, signal.SIGTERM):
                process.wait(timeout=60)

    def stop(self) -> None:
        """SIGTERM to each (gunicorn and the worker stop gracefully), SIGKILL to what is left after 20 s."""
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGCONT)
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


class Answer:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        import json

        return json.loads(self.body)


class Browser:
    """One person's browser talking to an app server directly, as nginx would pass it on (HTTPS, their address).
    Cookies are shared between servers, like a browser's for one site behind one proxy. ``proxied=False``: a browser
    on the app server's own machine with no nginx (plain HTTP to the loopback address, where browsers keep ``Secure``
    cookies as this jar does)."""

    def __init__(self, base: str, jar: dict[str, str] | None = None, address: str = "203.0.113.7",
                 proxied: bool = True):
        self.base, self.address, self.proxied = base, address, proxied
        self.jar = {} if jar is None else jar

    def on(self, base: str) -> "Browser":
        """The same browser (same cookies), its next requests landing on another server."""
        return Browser(base, self.jar, self.address, self.proxied)

    def request(self, method: str, path: str, data: dict | None = None, timeout: float = 120,
                into: Path | None = None) -> Answer:
        """One request; the answer's body is kept in memory, or written to ``into`` as it arrives."""
        parts = urlsplit(self.base)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        # a browser sends the page's address as the referrer of a same-site form (Flask-WTF checks it over HTTPS)
        headers = {"Accept-Language": "ru", "Referer": f"{'https' if self.proxied else parts.scheme}://{parts.netloc}/"}
        if self.proxied:
            headers.update({"X-Forwarded-Proto": "https", "X-Forwarded-For": self.address})
        if self.jar:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.jar.items())
        body = None
        if data is not None:
            body = urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            if into is None:
                answer = Answer(response.status, response.headers, response.read())
            else:
                with open(into, "wb") as target:
                    while chunk := response.read(1024 * 1024):
                        target.write(chunk)
                answer = Answer(response.status, response.headers, b"")
        finally:
            connection.close()
        for header in answer.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for name, morsel in cookie.items():
                if morsel["expires"] and "1970" in morsel["expires"] or morsel["max-age"] == "0":
                    self.jar.pop(name, None)
                else:
                    self.jar[name] = morsel.value
        return answer

    def get(self, path: str, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> Answer:
        return self.request("POST", path, data, **kwargs)

    def csrf(self, path: str) -> str:
        page = self.get(path)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
        assert match, f"no CSRF token on {path} ({page.status}): {page.text[:300]}"
        return match.group(1)

    def sign_in(self, email: str, password: str) -> None:
        answer = self.post("/auth/sign-in", {"csrf_token": self.csrf("/auth/sign-in"), "email": email,
                                             "password": password})
        assert answer.status == 302, f"sign-in answered {answer.status}: {answer.text[:500]}"

    def request_export(self, **fields) -> int:
        """Posts the /reports/ form; returns the new job's id."""
        data = {"csrf_token": self.csrf("/reports/"), "lang": "ru", "headers": "labels", "format": "xlsx",
                "layout": "tables", **fields}
        answer = self.post("/reports/", data)
        assert answer.status == 302, f"/reports/ answered {answer.status}: {answer.text[:500]}"
        return int(answer.headers["Location"].rstrip("/").split("/")[-1])

    def job(self, job_id: int) -> dict:
        answer = self.get(f"/reports/jobs/{job_id}.json")
        assert answer.status == 200, answer.text[:300]
        return answer.json()

    def wait_for_job(self, job_id: int, until: tuple[str, ...] = ("done", "failed"), seconds: float = 600,
                     every: float = 0.2) -> list[dict]:
        """Polls the job's status until it is in ``until``; returns every distinct status seen."""
        seen: list[dict] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            status = self.job(job_id)
            if not seen or (status["status"], status["progress"]) != (seen[-1]["status"], seen[-1]["progress"]):
                seen.append(status)
            if status["status"] in until:
                return seen
            time.sleep(every)
        raise AssertionError(f"job {job_id} is still {seen[-1] if seen else None} after {seconds} s")


def delete_redis_keys(server, prefix: str) -> None:
    """Everything a run put in the shared Redis under its own prefix, the RQ jobs its queues name (RQ keeps a failed
    job for a year) and the workers that served them (a killed one stays registered for hours); never another run's
    keys."""
    for key in list(server.scan_iter(f"*{prefix}*")):
        kind = server.type(key)
        if kind == b"set":  # rq:workers:<queue>: its workers' keys
            for worker in server.smembers(key):
                server.delete(worker, worker + b":executions")
                server.srem("rq:workers", worker)
        members = server.lrange(key, 0, -1) if kind == b"list" else server.zrange(key, 0, -1) if kind == b"zset" else []
        for member in members:
            job_id = member.decode().split(":")[0]  # registries hold job_id:execution_id
            server.delete(f"rq:job:{job_id}", f"rq:results:{job_id}", f"rq:executions:{job_id}",
                          f"rq:execution:{member.decode()}")
        server.delete(key)
