"""A fake Sber ID: the sign-in page of id.sber.ru (plain http here) and oauth.sber.ru's
token, UserInfo and sign-in confirmation endpoints, served over TLS that requires the
partner's client certificate, as Sber's gateway does.

It makes its own certificates: a server certificate from the tests' authority
(``server_ca_pem``, what the administrator pastes as Sber's authority) and a partner
certificate with its key from a "Sber" authority (``partner_pem``); a connection without
such a certificate fails its handshake.

The authorize request must carry ``openid`` first in its scope, a state and a nonce. The
token endpoint wants ``client_id`` and ``client_secret`` in the form and an ``rquid`` header
of 32 hex digits; UserInfo wants the bearer token and an ``x-introspect-rquid`` header of 32
hex digits, and names our client in ``aud``; a missing or malformed id is refused with the
gateway's ``httpCode``/``httpMessage``/``moreInformation`` answer. The ID token carries a
GOST algorithm name and a signature that nobody can check, as Sber's cannot be checked with
our tools; a refresh token comes only with the ``offline_access`` scope.

``failure`` values of its own: ``id_token_wrong_audience``, ``id_token_wrong_nonce``,
``id_token_expired``, ``userinfo_wrong_audience``, ``userinfo_other_subject``,
``confirmation_500``.
"""

from __future__ import annotations

import base64
import datetime
import json
import re
import secrets
import shutil
import ssl
import tempfile
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.fakes.oauth import FakeOAuthService, Grant, Response, json_response
from tests.support.tls import LocalAuthority

REQUEST_ID = re.compile(r"[0-9a-fA-F]{32}")


def gateway_refusal(status: int, message: str, more: str) -> Response:
    return json_response(
        {"httpCode": str(status), "httpMessage": message, "moreInformation": more}, status
    )


class PartnerAuthority:
    """Sber's authority for partners' client certificates, and one partner's certificate."""

    def __init__(self) -> None:
        now = datetime.datetime.now(datetime.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake Sber partners CA")])
        self.ca = (
            _builder(ca_name, ca_name, ca_key.public_key(), now)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "partner")])
        certificate = (
            _builder(name, ca_name, key.public_key(), now)
            .add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        self.partner_pem = (
            certificate.public_bytes(serialization.Encoding.PEM)
            + key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ).decode()

    @property
    def ca_pem(self) -> str:
        return self.ca.public_bytes(serialization.Encoding.PEM).decode()


def _builder(
    subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePublicKey, now: datetime.datetime
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )


class FakeSberID(FakeOAuthService):
    authorize_path = "/CSAFront/oidc/authorize.do"
    token_path = "/ru/prod/tokens/v2/oidc"
    profile_path = "/ru/prod/sberbankid/v2.1/userinfo"
    completed_path = "/api/v2/auth/completed"
    client_auth = "client_secret_post"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._directory = Path(tempfile.mkdtemp(prefix="fake-sberid-"))
        authority = LocalAuthority(self._directory)
        self.server_ca_pem = authority.ca_file.read_text()
        self.partners = PartnerAuthority()
        self.partner_pem = self.partners.partner_pem
        context = authority.server_context()
        context.verify_mode = ssl.CERT_REQUIRED  # the partner's certificate, or no answer
        context.load_verify_locations(cadata=self.partners.ca_pem)
        self.serve_tls(context)
        self._server.handle_error = lambda *args: None  # type: ignore[method-assign]
        #: the browser's side (id.sber.ru): no client certificate there
        self._front = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._front_thread = threading.Thread(
            target=self._front.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        #: (path, headers) of every request to oauth.sber.ru's side
        self.seen_headers: list[tuple[str, dict[str, str]]] = []
        #: access tokens whose sign-in was confirmed (auth/completed)
        self.completions: list[str] = []

    def start(self) -> Self:
        self._front_thread.start()
        return super().start()

    def stop(self) -> None:
        self._front.shutdown()
        self._front.server_close()
        super().stop()
        shutil.rmtree(self._directory, ignore_errors=True)

    def endpoints(self) -> dict[str, str]:
        front = f"http://127.0.0.1:{self._front.server_address[1]}"
        return {
            "authorize_url": front + self.authorize_path,
            "token_url": self.url(self.token_path),
            "api_url": self.url(self.profile_path),
            "completed_url": self.url(self.completed_path),
        }

    def settings(self) -> dict[str, str]:
        """The certificate settings that let a provider talk to this fake."""
        return {"client_certificate": self.partner_pem, "trusted_authority": self.server_ca_pem}

    # -- routing

    def route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        headers: Mapping[str, str],
    ) -> Response:
        if getattr(self._local, "front", False) != (path == self.authorize_path):
            return Response(404, b"not found", "text/plain")  # each host serves its own
        if path != self.authorize_path:
            with self.lock:
                self.seen_headers.append((path, dict(headers)))
        if path == self.completed_path and method == "GET":
            return self.completed(headers)
        return super().route(method, path, query, form, headers)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        service = self
        base = super()._handler_class()

        class Handler(base):  # type: ignore[valid-type,misc]
            def _serve(self, method: str) -> None:
                service._local.front = self.server is service._front
                super()._serve(method)

        return Handler

    def authorize(self, query: dict[str, str]) -> Response:
        scope = query.get("scope", "").split(" ")
        if scope[0] != "openid" or not query.get("state") or not query.get("nonce"):
            return Response(400, b"invalid_request: openid first, state and nonce", "text/plain")
        return super().authorize(query)

    # -- the token endpoint

    def token(self, form: dict[str, str], headers: Mapping[str, str]) -> Response:
        if not REQUEST_ID.fullmatch(headers.get("rquid", "")):
            return gateway_refusal(400, "Bad Request", "rquid: 32 hex digits expected")
        return super().token(form, headers)

    def token_response(self, access_token: str, grant: Grant) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 60,
            "scope": grant.scope,
            "id_token": self.id_token(grant),
        }
        if "offline_access" in grant.scope.split():
            body["refresh_token"] = secrets.token_urlsafe(24)
        return body

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": "https://online.sberbank.ru/CSAFront/index.do",
            "sub": self.user_id_of(grant),
            "aud": self.client_id,
            "iat": now,
            "exp": now + 600,
            "nonce": grant.nonce,
        }
        if self.failure == "profile_no_id":
            del claims["sub"]
        if self.failure == "id_token_wrong_audience":
            claims["aud"] = "somebody-else"
        if self.failure == "id_token_wrong_nonce":
            claims["nonce"] = "replayed"
        if self.failure == "id_token_expired":
            claims["exp"] = now - 3600
        header = {"alg": "GOST3410_2012_256", "typ": "JWT"}
        return ".".join(
            _b64(part)
            for part in (
                json.dumps(header).encode(),
                json.dumps(claims).encode(),
                secrets.token_bytes(64),  # a GOST signature nobody here can check
            )
        )

    # -- UserInfo and the confirmation

    def profile_endpoint(
        self, query: dict[str, str], form: dict[str, str], headers: Mapping[str, str]
    ) -> Response:
        if not REQUEST_ID.fullmatch(headers.get("x-introspect-rquid", "")):
            return gateway_refusal(400, "Bad Request", "x-introspect-rquid: 32 hex digits expected")
        response = super().profile_endpoint(query, form, headers)
        if response.status == 401:
            return gateway_refusal(401, "Unauthorized", "Invalid access token")
        return response

    def bearer_grant(self, headers: Mapping[str, str], query: dict[str, str]) -> Grant | None:
        value = headers.get("authorization", "")
        return self.tokens.get(value[7:]) if value.startswith("Bearer ") else None

    def profile(self, profile: dict[str, Any], grant: Grant) -> Any:
        answer = {**profile, "aud": self.client_id}
        if self.failure == "userinfo_wrong_audience":
            answer["aud"] = "somebody-else"
        if self.failure == "userinfo_other_subject":
            answer["sub"] = "another-person"
        return answer

    def completed(self, headers: Mapping[str, str]) -> Response:
        if self.failure == "confirmation_500":
            return Response(500, b"<html>Internal Server Error</html>", "text/html")
        grant = self.bearer_grant(headers, {})
        if not REQUEST_ID.fullmatch(headers.get("rquid", "")):
            return gateway_refusal(400, "Bad Request", "rquid: 32 hex digits expected")
        if grant is None:
            return gateway_refusal(401, "Unauthorized", "Invalid access token")
        with self.lock:
            self.completions.append(headers["authorization"][7:])
        return Response(200, b"", "application/json")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
