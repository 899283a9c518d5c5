"""A real reverse proxy for the tests and the benchmark: Debian's nginx with ``auth_request``
in front of an application that knows no OpenID Connect, asking our ``/auth/verify``.

Forward authentication is only proven once a widely used proxy does it: nginx asks us
about every request (its internal verify location passes ``X-Original-URL`` and the
browser's ``Cookie``), passes the four ``X-Auth-Request-*`` headers we answer to the
application, sends a visitor we answer 401 for to our sign-in (``error_page 401``) and
shows our explanation when we answer 403 (``error_page 403``), and passes
``/_socialservices/`` (where the one-time code becomes a cookie on the application's own
host) to us. The server block is ``SERVER``, the very text ``docs/sites.md`` tells an
administrator to write (``test_nginx_proxy.py`` checks that they agree).

nginx (``make relying-parties``) runs in the foreground from a configuration written into
a temporary folder, on a free port of 127.0.0.1; its pid file, logs and temporary files
stay in that folder, nothing of the system's own nginx configuration is read, and port 80
is never touched. The protected application is a ``Recorder``, a small HTTP server in this
process that answers a page listing the request headers it received::

    with NginxProxy(auth_url=app.base_url, server_name="localhost") as proxy:
        proxy.start()
        page.goto(proxy.url("/protected/"))    # nginx asks app.base_url/auth/verify
        proxy.upstream.requests[-1]            # the headers the application saw

Without ``auth_url`` it only serves static files (``/public/``, the benchmark's floor).
With ``balance`` (the processes' ``host:port``s) it is the load balancer in front of
several app processes (``BALANCED``), as in the rolling-restart test.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

import httpx

from tests.support.apache_rp import _die_with_parent
from tests.support.app_server import free_port

NGINX = Path("/usr/sbin/nginx")
RUN_AS = "www-data"  # the workers' user when the tests run as root; nginx needs a `user` then

#: the four headers /auth/verify answers with, which nginx passes to the application
USER_HEADERS = (
    "X-Auth-Request-User",
    "X-Auth-Request-Email",
    "X-Auth-Request-Groups",
    "X-Auth-Request-Preferred-Username",
)

#: What protects an application, exactly as docs/sites.md has it: ``{auth_url}`` is where
#: nginx reaches us, ``{public_url}`` where the browser does (both ``https://id.example.org``
#: in the docs), ``{upstream}`` the application's address. The verify
#: location is internal (a visitor cannot call it) and sends no body; ``auth_request_set``
#: takes each user header from our answer, ``proxy_set_header`` passes it on (an empty
#: value, e.g. no verified e-mail, is not sent at all, nor the browser's header of that
#: name). ``rd`` is the last parameter and unencoded: we read everything after ``rd=``.
SERVER = """\
    # Everything under / needs a person socialservices lets in.
    location / {{
        auth_request /_socialservices/verify;
        auth_request_set $auth_user $upstream_http_x_auth_request_user;
        auth_request_set $auth_email $upstream_http_x_auth_request_email;
        auth_request_set $auth_groups $upstream_http_x_auth_request_groups;
        auth_request_set $auth_login $upstream_http_x_auth_request_preferred_username;
        proxy_set_header X-Auth-Request-User $auth_user;
        proxy_set_header X-Auth-Request-Email $auth_email;
        proxy_set_header X-Auth-Request-Groups $auth_groups;
        proxy_set_header X-Auth-Request-Preferred-Username $auth_login;
        proxy_set_header Host $http_host;
        error_page 401 = @signin;
        error_page 403 = @refused;
        proxy_pass {upstream};
    }}

    # nginx asks socialservices about every request; visitors cannot call this.
    location = /_socialservices/verify {{
        internal;
        proxy_pass {auth_url}/auth/verify;
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
        proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
        proxy_set_header Cookie $http_cookie;
    }}

    # Not signed in: to the sign-in page, which brings the visitor back here.
    location @signin {{
        return 302 {public_url}/auth/start?rd=$scheme://$http_host$request_uri;
    }}

    # Not allowed: socialservices' page saying why, with its status 403.
    location @refused {{
        rewrite ^ /auth/refused? break;
        proxy_method GET;
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
        proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
        proxy_set_header Cookie $http_cookie;
        proxy_pass {auth_url};
    }}

    # The one-time code becomes a cookie on this host: socialservices answers here.
    location /_socialservices/ {{
        proxy_pass {auth_url};
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-Proto $scheme;
    }}
"""

#: a static file nobody needs to sign in for (the benchmark's floor)
PUBLIC = """\
    location /public/ {
    }

"""

#: a load balancer in front of several app processes, as docs/deploy.md has it (without
#: ``ip_hash``: the tests' requests all come from 127.0.0.1 and should reach every
#: process); a process that refuses the connection (stopping) is passed over for the next
BALANCED = """\
    location / {
        proxy_pass http://socialservices;
        proxy_next_upstream error timeout;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $http_connection;
    }

"""

#: a static file behind ``auth_request``: nginx serves it itself once we answered 200
FILES = """\
    location /files/ {
        auth_request /_socialservices/verify;
        error_page 401 = @signin;
        error_page 403 = @refused;
    }

"""

CONFIG = """# Written by tests/support/nginx_proxy.py; removed when the test ends.
{user}
worker_processes {workers};
pid {root}/nginx.pid;
error_log {root}/error.log {log_level};

events {{
    worker_connections 1024;
}}

http {{
    access_log {root}/access.log;
    client_body_temp_path {root}/temp/client_body;
    proxy_temp_path {root}/temp/proxy;
    fastcgi_temp_path {root}/temp/fastcgi;
    uwsgi_temp_path {root}/temp/uwsgi;
    scgi_temp_path {root}/temp/scgi;
    types {{
        text/html html;
    }}
    default_type application/octet-stream;
    keepalive_requests 100000;
{upstreams}
    server {{
        listen 127.0.0.1:{port};
        server_name {server_name};
        root {root}/htdocs;

{locations}
    }}
}}
"""

# The instance's folder in a meta tag: the start-up check knows it is this nginx that
# answers, not another one that took the port first.
STATIC_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="nginx-proxy" content="{instance}">
<title>A static page</title></head>
<body><h1>{heading}</h1></body></html>
"""


class NginxProxyError(RuntimeError):
    """nginx did not start; the message carries its error log."""


@dataclass(frozen=True)
class Received:
    """One request a ``Recorder`` received."""

    method: str
    path: str
    headers: dict[str, str]  # names in lower case

    def get(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class Answer:
    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def headers_page(request: Received) -> Answer:
    """The protected application's page: the request's path and every header it received,
    each in ``<dd id="header-name">`` (``#x-auth-request-user``)."""
    rows = "\n".join(
        f'<dt>{html.escape(name)}</dt><dd id="{html.escape(name)}">{html.escape(value)}</dd>'
        for name, value in sorted(request.headers.items())
    )
    return Answer(
        200,
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Behind nginx</title>'
        "</head>\n<body><h1>The application behind nginx</h1>\n"
        f'<p id="path">{html.escape(request.path)}</p>\n<dl>\n{rows}\n</dl>\n</body></html>\n',
    )


class Recorder:
    """A small HTTP server on a free port of 127.0.0.1, in a thread of this process: it
    keeps every request in ``requests`` and answers with ``answer(request)``, any method.
    By default it is the protected application, answering ``headers_page``."""

    def __init__(self, answer: Callable[[Received], Answer] = headers_page) -> None:
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                request = Received(self.command, self.path, headers)
                with recorder._lock:
                    recorder.requests.append(request)
                answer = answer_with(request)
                body = answer.body.encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

            def log_message(self, format: str, *args: object) -> None:
                pass  # the test reads `requests`, not stderr

        answer_with = answer
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.running = True

    def last(self, path_prefix: str = "/") -> Received | None:
        """The latest request whose path starts with ``path_prefix``."""
        with self._lock:
            found = [r for r in self.requests if r.path.startswith(path_prefix)]
        return found[-1] if found else None

    def stop(self) -> None:
        """Stop serving (safe to call twice); ``requests`` stays readable."""
        if self.running:
            self.running = False
            self._server.shutdown()
            self._server.server_close()


class NginxProxy:
    """nginx on one port of 127.0.0.1; ``start()`` it, ``stop()`` ends it (safe to call
    twice, also when it never started). A context manager too (``remove()`` at the end).

    ``auth_url`` is our app's address (``http://127.0.0.1:8080``): with it, ``/`` is
    protected and proxied to ``upstream`` (the ``Recorder`` this makes by default) and
    ``/files/`` is a static file behind verify; without it, only ``/public/`` is served.
    ``public_url`` is our address as the browser knows it (``PUBLIC_URL``, where nginx
    sends it to sign in), when that differs: nginx itself resolves no test host names.
    ``server_name`` is the host name the browser uses for nginx (``localhost``, or a name
    that ``--host-resolver-rules`` maps to 127.0.0.1): it must differ from our app's, or
    the two would share cookies (cookies ignore ports).
    """

    def __init__(
        self,
        auth_url: str | None = None,
        *,
        public_url: str | None = None,
        server_name: str = "localhost",
        port: int | None = None,
        upstream: str | None = None,
        workers: int = 1,
        balance: tuple[str, ...] = (),
    ) -> None:
        self.auth_url = auth_url.rstrip("/") if auth_url else None
        self.public_url = (public_url or auth_url or "").rstrip("/")
        self.server_name = server_name
        self.port = port or free_port()
        self.workers = workers
        #: the app processes' ``host:port``s a balancer passes every request to
        self.balance = balance
        self.upstream: Recorder | None = None
        if self.auth_url and upstream is None:
            self.upstream = Recorder()
            upstream = self.upstream.url
        self.upstream_url = upstream
        self.folder: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """As the browser reaches nginx: its host name, not 127.0.0.1."""
        return f"http://{self.server_name}:{self.port}"

    @property
    def local_url(self) -> str:
        """127.0.0.1 directly (for HTTP clients that should not resolve names); send
        ``Host: host`` with it when the name matters."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        """The Host header a browser sends to nginx (``localhost:8123``)."""
        return f"{self.server_name}:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    # -- what it said --------------------------------------------------------------

    def _read(self, name: str) -> str:
        if self.folder is None or not (self.folder / name).exists():
            return ""
        return (self.folder / name).read_text(errors="replace")

    @property
    def error_log(self) -> str:
        """nginx's error log, with what it printed before opening it (config errors)."""
        return "\n".join(
            part for part in (self._read("stderr.log"), self._read("error.log")) if part
        )

    @property
    def access_log(self) -> str:
        return self._read("access.log")

    @property
    def config(self) -> str:
        return self._read("nginx.conf")

    # -- life ----------------------------------------------------------------------

    def start(self, *, log_level: str = "warn", timeout: float = 30) -> NginxProxy:
        """Write the configuration and start nginx; return once it answers.

        Raises ``NginxProxyError`` with nginx's error log when it does not come up (a
        configuration it refuses, a port taken meanwhile). ``log_level`` e.g. ``info``.
        """
        if self.process is not None:
            raise NginxProxyError(f"nginx on port {self.port} was started already")
        if not NGINX.exists():
            raise NginxProxyError(f"{NGINX} is missing: run `make relying-parties` or `make test`.")
        folder = Path(tempfile.mkdtemp(prefix=f"nginx-proxy-{self.port}-"))
        self.folder = folder
        self._write_files(folder, log_level)
        # -e: the error log before the configuration is read (not /var/log/nginx)
        command = [str(NGINX), "-p", f"{folder}/", "-c", "nginx.conf", "-e", "error.log"]
        with (folder / "stderr.log").open("wb") as stderr:
            self.process = subprocess.Popen(
                [*command, "-g", "daemon off;"],
                cwd=folder,
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C"},
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        try:
            self._wait_until_ready(timeout)
        except BaseException:  # also Ctrl-C while waiting
            self.stop()
            raise
        return self

    def _write_files(self, folder: Path, log_level: str) -> None:
        (folder / "temp").mkdir()
        htdocs = folder / "htdocs"
        for name, heading in (("public", "A public static page"), ("files", "A static page")):
            (htdocs / name).mkdir(parents=True)
            (htdocs / name / "index.html").write_text(
                STATIC_PAGE.format(instance=folder, heading=heading)
            )
        as_root = os.geteuid() == 0
        locations = PUBLIC
        upstreams = ""
        if self.balance:
            servers = "".join(f"        server {server};\n" for server in self.balance)
            upstreams = f"    upstream socialservices {{\n{servers}    }}\n"
            locations += BALANCED
        if self.auth_url:
            locations += FILES + SERVER.format(
                auth_url=self.auth_url, public_url=self.public_url, upstream=self.upstream_url
            )
        (folder / "nginx.conf").write_text(
            CONFIG.format(
                user=f"user {RUN_AS};" if as_root else "",
                workers=self.workers,
                root=folder,
                log_level=log_level,
                port=self.port,
                server_name=self.server_name,
                locations=locations,
                upstreams=upstreams,
            )
        )
        if as_root:  # the workers run as www-data: they must read the pages (mkdtemp: 0700)
            for path in (folder, htdocs, htdocs / "public", htdocs / "files"):
                path.chmod(0o755)

    def _wait_until_ready(self, timeout: float) -> None:
        assert self.process is not None
        probe = f"{self.local_url}/public/"
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                self._fail(f"exited with code {self.process.returncode}")
            try:
                answer = httpx.get(probe, headers={"Host": self.host}, timeout=2)
                if answer.status_code == 200 and str(self.folder) in answer.text:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self._fail(f"did not answer {probe} with 200 within {timeout} s")
            time.sleep(0.05)

    def _fail(self, reason: str) -> None:
        self.stop()
        raise NginxProxyError(
            f"nginx on port {self.port} {reason}.\n"
            f"Configuration: {self.folder}/nginx.conf\n--- its error log ---\n{self.error_log}"
        )

    def stop(self) -> None:
        """End nginx (SIGTERM: a fast shutdown of the master and its workers) and the
        upstream; the folder stays for the logs until ``remove()``."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.upstream is not None:
            self.upstream.stop()

    def remove(self) -> None:
        """Stop, then delete the temporary folder (safe to call twice)."""
        self.stop()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    def report(self) -> str:
        """nginx's logs, for a failed test's output."""
        return (
            f"--- nginx {self.base_url} error log ---\n{self.error_log}\n"
            f"--- its access log ---\n{self.access_log}"
        )

    def __enter__(self) -> NginxProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            print(self.report())
        self.remove()
