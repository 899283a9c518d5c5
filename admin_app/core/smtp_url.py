"""``SOCIALSERVICES_SMTP_URL``: where mail goes, as one URL an operator already knows from
other tools: ``smtp://user:password@host:587?starttls=1`` (plain, upgraded with STARTTLS),
``smtps://user:password@host:465`` (TLS from the first byte) or ``smtp://host:25`` (a
local relay). A password with reserved characters is percent-encoded."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from admin_app.core.i18n import N_

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SmtpUrlError(ValueError):
    """``problem`` is a translatable message id."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    #: "tls" (smtps), "starttls" or "none"
    security: str
    user: str = ""
    password: str = field(default="", repr=False)
    #: seconds to wait for the server
    timeout: float = 20.0

    def describe(self) -> str:
        """For the administrator: where, how, as whom (never the password)."""
        who = f"{self.user}@" if self.user else ""
        return f"{who}{self.host}:{self.port} ({self.security})"


def parse_smtp_url(text: str) -> SmtpTarget:
    parts = urlsplit(text.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise SmtpUrlError(N_("must be an smtp:// or smtps:// URL"))
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise SmtpUrlError(N_("has an invalid port")) from None
    if not parts.hostname:
        raise SmtpUrlError(N_("must name the mail server's host"))
    if parts.path not in {"", "/"} or parts.fragment:
        raise SmtpUrlError(N_("must not have a path or a fragment"))
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = set(options) - {"starttls", "timeout"}
    if unknown:
        raise SmtpUrlError(N_("knows only the options starttls and timeout"))
    starttls = options.get("starttls", "").lower()
    if starttls and starttls not in _TRUE | _FALSE:
        raise SmtpUrlError(N_("starttls must be 1 or 0"))
    if scheme == "smtps" and starttls in _TRUE:
        raise SmtpUrlError(N_("smtps:// is TLS already: starttls is for smtp://"))
    try:
        timeout = float(options.get("timeout", "20"))
    except ValueError:
        raise SmtpUrlError(N_("timeout must be a number of seconds")) from None
    if not 1 <= timeout <= 300:
        raise SmtpUrlError(N_("timeout must be between 1 and 300 seconds"))
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    if password and not user:
        raise SmtpUrlError(N_("names a password without a user"))
    security = "tls" if scheme == "smtps" else "starttls" if starttls in _TRUE else "none"
    return SmtpTarget(parts.hostname, port, security, user, password, timeout)
