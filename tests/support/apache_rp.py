"""A real relying party for the tests: Apache httpd with mod_auth_openidc.

What an OpenID provider offers is only proven once a widely used client signs people in
with it: discovery, the authorization redirect with PKCE, the code exchange at the token
endpoint, the ID token's signature and claims, and RP-initiated logout. This module runs
Debian's ``apache2`` with ``libapache2-mod-auth-openidc`` (``make relying-parties``) on
127.0.0.1, from a configuration written into a temporary folder, for as long as a test
needs it. Nothing of the system's own Apache configuration is read, and port 80 is never
touched.

The port comes first, because the provider must know the redirect URIs before Apache
starts::

    rp = apache_rp_factory()                      # a free port, not started yet
    provider = ...register rp.redirect_uri and rp.logged_out_url with the issuer...
    rp.start(issuer, client_id, client_secret)    # then browse to rp.protected_url

``rp.protected_url`` needs a signed-in visitor and shows the claims Apache received
(``#email``, ``#sub``, ``#name``, ``#remote-user``); ``rp.logout_url`` ends Apache's session
and, where discovery names an ``end_session_endpoint``, the provider's, and lands on
``rp.logged_out_url``, a public page.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

import httpx
import pytest

from tests.support.app_server import free_port

APACHE = Path("/usr/sbin/apache2")
MODULES = Path("/usr/lib/apache2/modules")
# mime for the content types, include for the claims page, dir for /protected/ itself.
MODULE_FILES = {
    "mpm_event_module": "mod_mpm_event.so",
    "authn_core_module": "mod_authn_core.so",
    "authz_core_module": "mod_authz_core.so",
    "authz_user_module": "mod_authz_user.so",
    "mime_module": "mod_mime.so",
    "include_module": "mod_include.so",
    "dir_module": "mod_dir.so",
    "auth_openidc_module": "mod_auth_openidc.so",
}
RUN_AS = "www-data"  # Apache refuses to serve requests as root

# SSI echoes with encoding "entity" (the default): a claim cannot inject markup.
CLAIMS_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Protected by mod_auth_openidc</title></head>
<body>
<h1>Signed in through mod_auth_openidc</h1>
<dl>
<dt>E-mail</dt><dd id="email"><!--#echo var="OIDC_CLAIM_email" --></dd>
<dt>Subject</dt><dd id="sub"><!--#echo var="OIDC_CLAIM_sub" --></dd>
<dt>Name</dt><dd id="name"><!--#echo var="OIDC_CLAIM_name" --></dd>
<dt>REMOTE_USER</dt><dd id="remote-user"><!--#echo var="REMOTE_USER" --></dd>
</dl>
<p><a id="logout" href="{logout_url}">Sign out</a></p>
</body></html>
"""

# The instance's folder in a meta tag: the start-up check knows it is this Apache that
# answers, not another one that took the port first.
LOGGED_OUT_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="apache-rp" content="{instance}">
<title>Signed out</title></head>
<body><h1>Signed out of the Apache relying party</h1></body></html>
"""

CONFIG = """# Written by tests/support/apache_rp.py; removed when the test ends.
ServerRoot "{root}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile "{root}/apache2.pid"
DefaultRuntimeDir "{root}/run"
Mutex file:{root}/run default
ErrorLog "{root}/error.log"
LogLevel {log_level}
LogFormat "%h \\"%r\\" %>s %b" brief
CustomLog "{root}/access.log" brief
{run_as}
{load_modules}
TypesConfig /etc/mime.types
AddType text/html .shtml
AddOutputFilter INCLUDES .shtml
DirectoryIndex index.shtml index.html

DocumentRoot "{root}/htdocs"
<Directory "{root}/htdocs">
    Options +Includes
    AllowOverride None
    Require all granted
</Directory>

OIDCProviderMetadataURL {metadata_url}
OIDCClientID "{client_id}"
{client_secret_line}
OIDCProviderTokenEndpointAuth {token_endpoint_auth}
OIDCRedirectURI {redirect_uri}
OIDCCryptoPassphrase "{passphrase}"
OIDCScope "{scope}"
OIDCPKCEMethod S256
# Sessions live in Apache's shared memory; the browser holds only the session's id.
OIDCSessionType server-cache
# An explicit SameSite=Lax on the state and session cookies: sent on the provider's
# top-level redirect back. (Off works on http too: the SameSite=None it sets, which
# Chromium refuses without Secure, comes only on https; on http the cookies have none.)
OIDCCookieSameSite On
OIDCCookieHTTPOnly On
# Claims as environment variables for the page (OIDC_CLAIM_email ...), not as headers.
OIDCPassClaimsAs environment
OIDCDefaultLoggedOutURL {logged_out_url}

<Location /protected>
    AuthType openid-connect
    Require valid-user
</Location>
"""


class ApacheRpError(RuntimeError):
    """Apache did not start; the message carries its error log."""


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM to Apache when the test process dies, so a
    killed test run leaves no Apache behind on its port (Linux prctl PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


class ApacheRp:
    """Apache with mod_auth_openidc on one port; ``start()`` it, ``stop()`` ends it (safe
    to call twice, also when it never started). A context manager too."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        #: the page that needs a signed-in visitor and shows the claims Apache got
        self.protected_url = f"{self.base_url}/protected/"
        #: where the provider sends the browser back; register it with the client
        self.redirect_uri = f"{self.base_url}/protected/redirect_uri"
        #: a public page, the end of a logout; register it as post-logout redirect URI
        self.logged_out_url = f"{self.base_url}/loggedout.html"
        #: ends Apache's session (and the provider's, if it has an end_session_endpoint)
        self.logout_url = f"{self.redirect_uri}?logout={quote(self.logged_out_url, safe='')}"
        self.folder: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    # -- what it said --------------------------------------------------------------

    def _read(self, name: str) -> str:
        if self.folder is None or not (self.folder / name).exists():
            return ""
        return (self.folder / name).read_text(errors="replace")

    @property
    def error_log(self) -> str:
        """Apache's error log, with what it printed before opening it (config errors)."""
        return "\n".join(
            part for part in (self._read("stderr.log"), self._read("error.log")) if part
        )

    @property
    def access_log(self) -> str:
        return self._read("access.log")

    # -- life ----------------------------------------------------------------------

    def start(
        self,
        issuer: str,
        client_id: str,
        client_secret: str | None,
        *,
        token_endpoint_auth: str = "client_secret_basic",
        scope: str = "openid email profile",
        metadata_url: str | None = None,
        log_level: str = "warn",
        timeout: float = 30,
    ) -> ApacheRp:
        """Write the configuration and start Apache; return once it answers.

        ``metadata_url`` defaults to the issuer's discovery document. mod_auth_openidc
        reads it at the first sign-in, not here: a wrong issuer shows up then, in
        ``error_log``. ``token_endpoint_auth`` is ``client_secret_basic``,
        ``client_secret_post`` or ``none`` (a public client, ``client_secret`` None; PKCE
        S256 is always sent). ``log_level`` e.g. ``"warn auth_openidc:debug"``.
        Raises ``ApacheRpError`` with Apache's error log when it does not come up.
        """
        if self.process is not None:
            raise ApacheRpError(f"Apache on port {self.port} was started already")
        if not APACHE.exists() or not (MODULES / MODULE_FILES["auth_openidc_module"]).exists():
            raise ApacheRpError(
                f"{APACHE} or mod_auth_openidc is missing: run `make relying-parties` or `make test`."
            )
        folder = Path(tempfile.mkdtemp(prefix=f"apache-rp-{self.port}-"))
        self.folder = folder
        self._write_files(
            folder,
            metadata_url=metadata_url or f"{issuer.rstrip('/')}/.well-known/openid-configuration",
            client_id=client_id,
            client_secret_line=f'OIDCClientSecret "{client_secret}"' if client_secret else "",
            token_endpoint_auth=token_endpoint_auth,
            scope=scope,
            log_level=log_level,
        )
        with (folder / "stderr.log").open("wb") as stderr:
            self.process = subprocess.Popen(
                [str(APACHE), "-f", str(folder / "apache2.conf"), "-DFOREGROUND"],
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

    def _write_files(self, folder: Path, **settings: str) -> None:
        (folder / "run").mkdir()
        htdocs = folder / "htdocs"
        (htdocs / "protected").mkdir(parents=True)
        (htdocs / "protected" / "index.shtml").write_text(
            CLAIMS_PAGE.format(logout_url=self.logout_url)
        )
        (htdocs / "loggedout.html").write_text(LOGGED_OUT_PAGE.format(instance=folder))
        load_modules = "\n".join(
            f"LoadModule {name} {MODULES / file}" for name, file in MODULE_FILES.items()
        )
        as_root = os.geteuid() == 0
        (folder / "apache2.conf").write_text(
            CONFIG.format(
                root=folder,
                port=self.port,
                run_as=f"User {RUN_AS}\nGroup {RUN_AS}" if as_root else "",
                load_modules=load_modules,
                redirect_uri=self.redirect_uri,
                logged_out_url=self.logged_out_url,
                passphrase=os.urandom(24).hex(),
                **settings,
            )
        )
        if as_root:
            # The workers run as www-data: they must read the pages (mkdtemp's folder is 0700).
            for path in (folder, htdocs, htdocs / "protected"):
                path.chmod(0o755)
            # The mutex and the shared-memory cache are made by root, used by www-data.
            shutil.chown(folder / "run", RUN_AS, RUN_AS)

    def _wait_until_ready(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                self._fail(f"exited with code {self.process.returncode}")
            try:
                answer = httpx.get(self.logged_out_url, timeout=2)
                if answer.status_code == 200 and str(self.folder) in answer.text:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self._fail(f"did not answer {self.logged_out_url} with 200 within {timeout} s")
            time.sleep(0.05)

    def _fail(self, reason: str) -> None:
        self.stop()
        raise ApacheRpError(
            f"Apache with mod_auth_openidc on port {self.port} {reason}.\n"
            f"Configuration: {self.folder}/apache2.conf\n--- its error log ---\n{self.error_log}"
        )

    def stop(self) -> None:
        """End Apache (SIGTERM stops the workers too); the folder stays for the logs
        until ``remove()``."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def remove(self) -> None:
        """Stop, then delete the temporary folder (safe to call twice)."""
        self.stop()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> ApacheRp:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.remove()


@pytest.fixture
def apache_rp_factory() -> Iterator[Callable[..., ApacheRp]]:
    """Apache relying parties on demand; all of them stop at the end of the test.

    ``factory(port=None)`` gives an ``ApacheRp`` on a free port, not started yet: register
    its ``redirect_uri`` and ``logged_out_url`` with the provider, then
    ``rp.start(issuer, client_id, client_secret, token_endpoint_auth=...)``.
    """
    made: list[ApacheRp] = []

    def factory(port: int | None = None) -> ApacheRp:
        rp = ApacheRp(port)
        made.append(rp)
        return rp

    try:
        yield factory
    finally:
        for rp in made:
            rp.stop()
            if rp.folder is not None:
                # pytest shows this only for a failed test: what mod_auth_openidc complained of.
                print(
                    f"--- Apache relying party {rp.base_url} error log ---\n{rp.error_log}\n"
                    f"--- its access log ---\n{rp.access_log}"
                )
            rp.remove()
