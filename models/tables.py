"""The tables. Alembic owns the schema: change a table here, then add a migration.

Times are stored as timezone-aware UTC. Built-in groups are rows like any other,
recognised by their ``code`` (a slug that never changes, used by the config file) so that
an administrator may rename them freely.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    text,
)
from sqlmodel import Field, SQLModel

# Named constraints let later migrations alter them on SQLite and PostgreSQL alike.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def table_of(model: type[SQLModel]) -> Any:
    """A model's Core table, for the statements the hot paths build once (typed ``Any``:
    SQLModel does not declare ``__table__``, and its columns are reached by name)."""
    return model.__table__  # type: ignore[attr-defined]


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite alone would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: store aware UTC times")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _timestamp(*, nullable: bool = False, index: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    login_lower: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    email: str | None = Field(default=None, max_length=254)
    email_lower: str | None = Field(default=None, max_length=254, index=True)
    #: proven by our link or vouched for by a service (``email_verified``): only a verified
    #: address is unique, signs in, and goes out to applications as verified
    email_verified: bool = False
    #: registered with the form while its address must be proven before the first
    #: sign-in: until the link is followed, the password does not sign in
    awaiting_email_proof: bool = False
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    #: lower-case copies of the names, kept by ``_keep_search_keys``: the administrators'
    #: search reads names by prefix through these columns' indexes
    first_name_lower: str = Field(default="", max_length=100)
    last_name_lower: str = Field(default="", max_length=100)
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    last_login_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    version: int = 1

    __table_args__ = (
        Index("ix_users_first_name_lower_id", "first_name_lower", "id"),
        Index("ix_users_last_name_lower_id", "last_name_lower", "id"),
        # one owner per verified address; an unverified one (typed, not yet proven) may
        # repeat, so that nobody can hold an address they do not own against its owner
        Index(
            "ux_users_verified_email",
            "email_lower",
            unique=True,
            sqlite_where=text("email_verified"),
            postgresql_where=text("email_verified"),
        ),
    )


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _keep_search_keys(mapper: object, connection: object, user: User) -> None:
    """Names are written in many places (sign-up through a service, the profile, the
    administrators' pages): lowering them here, on every write, means no place can leave
    a user unfindable by a stale search key. Python lowers every alphabet (SQLite's
    lower() only ASCII; a few letters grow when lowered, hence the cut)."""
    user.first_name_lower = user.first_name.lower()[:100]
    user.last_name_lower = user.last_name.lower()[:100]


class Group(SQLModel, table=True):
    __tablename__ = "groups"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=50, unique=True)
    name: str = Field(max_length=100, unique=True)
    description: str = Field(default="", max_length=500)
    #: raised by every change; an edit based on an older version is refused
    version: int = 1


class Membership(SQLModel, table=True):
    __tablename__ = "memberships"

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    group_id: int = Field(foreign_key="groups.id", primary_key=True, ondelete="CASCADE")


class Site(SQLModel, table=True):
    __tablename__ = "sites"

    id: str = Field(primary_key=True, max_length=20)
    name: str = Field(max_length=100)
    host_names: str = Field(default="", max_length=2000)
    is_default: bool = False
    individual_settings: bool = False
    #: the subject (``sub``) its applications receive: the same for every site ("public"),
    #: or one of this site's own that other sites cannot correlate ("pairwise")
    subject_type: str = Field(default="public", max_length=10)
    #: the zone its visitors come from (``models.sites.REGIONS``): the Russian services
    #: are offered on sites of the ru, kz and by zones (``admin_app/services/catalogue.py``)
    region: str = Field(default="other", max_length=10)
    #: the administrator offers the Russian services here although the site is elsewhere.
    #: True for a row written without a choice (every site before regions existed): it
    #: keeps offering what it did; the site editor asks for a new site.
    show_regional_services: bool = True
    #: raised by every change; an edit based on an older version is refused
    version: int = 1


class RegistrationOptions(SQLModel, table=True):
    """A single row (id 1) holding the installation-wide registration rules."""

    __tablename__ = "registration_options"

    id: int = Field(default=1, primary_key=True)
    allow_self_registration: bool = False
    allow_social_registration: bool = True
    #: a registered address is proven "before" the account's first sign-in, or "later"
    #: (the account signs in at once; the address is unverified until the link is followed)
    email_verification: str = Field(default="before", max_length=10)
    #: a person registering through a service that gives no (verified) address is asked
    #: for one, and proves it, before the account is created
    require_email: bool = False
    #: raised by every change; an edit based on an older version is refused
    version: int = 1


class GroupDenial(SQLModel, table=True):
    """A group listed in "denied sign-in through social services" or "denied linking"."""

    __tablename__ = "group_denials"
    __table_args__ = (UniqueConstraint("group_id", "denial"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="groups.id", ondelete="CASCADE")
    denial: str = Field(max_length=20)


class SetupToken(SQLModel, table=True):
    """A one-time first-run link; only its hash is kept."""

    __tablename__ = "setup_tokens"

    token_hash: str = Field(primary_key=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class LoginThrottle(SQLModel, table=True):
    """Consecutive failed local sign-ins per account (or per unknown login), kept in the
    database so that every app process slows the same attacker down."""

    __tablename__ = "login_throttle"

    login_key: str = Field(primary_key=True, max_length=254)
    failures: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    #: an attempt is being checked until then: parallel attempts wait their turn
    in_flight_until: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class AuthSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its hash is stored.

    A session is created "pending" by the page that checked the password, bound to the
    browser that asked, and activated once by an HTTP request from that same browser,
    which is when the cookie is set: so a session id planted in a browser beforehand can
    never become a signed-in one.
    """

    __tablename__ = "auth_sessions"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    browser_binding: str = Field(default="", max_length=64)
    # indexed for the purge of pending and idle sessions (auth_sessions._forget_stale)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp(index=True))
    activated_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp(index=True))
    #: what the person sees in their list of sessions: the browser and the address it
    #: signed in from
    user_agent: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=64)


class ConfiguredService(SQLModel, table=True):
    """One external service as configured for a scope: "common", or a site's id when that
    site has individual settings. Secret values are kept apart from the others so that
    they are never sent back to a browser, and encrypted at rest once encryption is on
    (``models.encryption``: each value sealed with its scope, service and setting)."""

    __tablename__ = "service_configs"
    __table_args__ = (UniqueConstraint("scope", "service_id"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=20)
    service_id: str = Field(max_length=50)
    provider: str = Field(max_length=30)
    name: str = Field(default="", max_length=100)
    enabled: bool = False
    position: int = 0
    settings: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    secrets: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    endpoints: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    version: int = 1


class EncryptionState(SQLModel, table=True):
    """A single row (id 1): whether stored tokens and secrets are encrypted (once on, for
    good), the keys that may have made what is stored, and the pass in progress that
    seals everything with the newest key (resumed where it stopped)."""

    __tablename__ = "encryption_state"

    id: int = Field(default=1, primary_key=True)
    enabled: bool = False
    enabled_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    #: ids of every key that may have encrypted a stored value: each must be configured
    key_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: the key a pass in progress seals with; "pending": one is due (with the newest key);
    #: empty: none
    pass_key_id: str = Field(default="", max_length=8)
    #: the last linked account sealed by the pass; -1: the services' secrets come first
    pass_cursor: int = -1
    #: how many linked accounts there were when the pass began, and how many it has done
    pass_total: int = 0
    pass_done: int = 0


class FeedPost(SQLModel, table=True):
    """A message in a site's live feed: written on the site, or (later) a post imported
    from a service, kept once per (source, external id)."""

    __tablename__ = "feed_posts"
    __table_args__ = (
        Index("ix_feed_posts_site_id_id", "site_id", "id"),
        Index("ix_feed_posts_source_id", "source", "id"),
        #: an imported post lands once in each site's feed
        UniqueConstraint("site_id", "source", "external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    site_id: str = Field(max_length=20)
    author_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    #: "site" for a message written here; a service's id for an imported post
    source: str = Field(default="site", max_length=50)
    external_id: str | None = Field(default=None, max_length=100)
    external_url: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class ActivityDelivery(SQLModel, table=True):
    """The outbox: one feed post to publish through one linked X or Facebook account.

    (post, link) is unique: the idempotency key that keeps a post from being queued, and
    so published, twice. A process claims a due row for ``claimed_until`` before sending;
    a claim that expired with the row still pending means its process stopped mid-send.
    """

    __tablename__ = "activity_deliveries"
    __table_args__ = (
        UniqueConstraint("post_id", "link_id"),
        Index("ix_activity_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="feed_posts.id", ondelete="CASCADE")
    link_id: int = Field(foreign_key="linked_accounts.id", ondelete="CASCADE", index=True)
    service_id: str = Field(max_length=50)
    #: pending, sent, failed (for good) or cancelled (sending was turned off)
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    claimed_by: str | None = Field(default=None, max_length=40)
    claimed_until: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    #: an earlier attempt may have been published (no answer, or a server error)
    maybe_published: bool = False
    #: why it failed or was cancelled, as a reason code shown translated
    problem: str = Field(default="", max_length=30)
    #: what the service said (for the administrator and the log)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))
    external_id: str | None = Field(default=None, max_length=100)
    external_url: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class HashtagImport(SQLModel, table=True):
    """A single row (id 1): the hashtag import job's lease and its last run.

    The lease is the database lock that lets one app process import at a time; it
    expires, so a process that stops mid-run does not stop the job for good.
    """

    __tablename__ = "hashtag_import"

    id: int = Field(default=1, primary_key=True)
    lease_owner: str = Field(default="", max_length=40)
    lease_until: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    last_started_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    last_finished_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    last_imported: int = 0
    total_imported: int = 0
    #: the last run's problems: [{"who": ..., "detail": ...}], for the administrator
    last_errors: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )


class ImportCursor(SQLModel, table=True):
    """How far the import has read one linked X account, and when it may ask again."""

    __tablename__ = "import_cursors"

    link_id: int = Field(foreign_key="linked_accounts.id", ondelete="CASCADE", primary_key=True)
    since_id: str | None = Field(default=None, max_length=40)
    #: the rate limit is spent until then (X's x-rate-limit-reset)
    not_before: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class ActivityOptions(SQLModel, table=True):
    """A single row (id 1): sending activities to X and Facebook, and live-feed hashtags."""

    __tablename__ = "activity_options"

    id: int = Field(default=1, primary_key=True)
    send_activity: bool = False
    hashtags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    version: int = 1


class LinkedAccount(SQLModel, table=True):
    """An external account linked to one of our users: who it is, what the service said
    about them, and the tokens it granted (written only as ``models.linked_accounts
    .token_values`` makes them, the one place token storage changes)."""

    __tablename__ = "linked_accounts"
    #: an account id is unique only within the issuer that vouches for it
    __table_args__ = (UniqueConstraint("service_id", "issuer", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    service_id: str = Field(max_length=50)
    provider: str = Field(max_length=30)
    #: who vouched for ``external_id`` when the link was made (the OpenID Connect issuer,
    #: the origin of a plain OAuth service's profile endpoint): a link is only ever found
    #: through that issuer. Empty for links made before issuers were recorded, until
    #: ``admin_app.core.link_issuers`` fills it in.
    issuer: str = Field(default="", max_length=500)
    #: exactly as the service gave it: compared byte for byte
    external_id: str = Field(max_length=255)
    site_id: str = Field(max_length=20)
    login_hint: str = Field(default="", max_length=255)
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    email: str | None = Field(default=None, max_length=254)
    email_verified: bool = False
    picture_url: str | None = Field(default=None, max_length=2000)
    profile_url: str | None = Field(default=None, max_length=2000)
    raw_profile: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    access_token: str = Field(default="", sa_column=Column(Text, nullable=False))
    refresh_token: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    token_expires_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    scopes: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    last_used_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    #: the user's choice: publish their activity through this (X or Facebook) account
    publish_activity: bool = False


class OAuthState(SQLModel, table=True):
    """A sign-in or linking round trip in progress: single-use, expiring, bound to the
    browser that started it, and kept in the database so that any app process can
    finish what another began."""

    __tablename__ = "oauth_states"

    state_hash: str = Field(primary_key=True, max_length=64)
    browser_binding: str = Field(max_length=64)
    purpose: str = Field(max_length=10)  # "login", "link" or "try"
    service_id: str = Field(max_length=50)
    site_id: str = Field(max_length=20)
    user_id: int | None = Field(default=None)  # who is linking
    next_path: str = Field(default="/", max_length=2000)
    nonce: str | None = Field(default=None, max_length=255)
    code_verifier: str | None = Field(default=None, max_length=255)
    # indexed for the purge of round trips nobody finished (oauth_states.remember)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp(index=True))


class TriedResult(SQLModel, table=True):
    """What an administrator's "Try it" received, waiting for the one page that shows it:
    bound to that administrator and the browser that tried, read and deleted once."""

    __tablename__ = "tried_results"
    __table_args__ = (Index("ix_tried_results_user_id_browser", "user_id", "browser_binding"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    browser_binding: str = Field(max_length=64)  # a hash of the browser's id, as a round trip's
    profile: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # indexed for the daily purge of results nobody came to see (models.housekeeping)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp(index=True))


class ConsumedProof(SQLModel, table=True):
    """A bearer proof from a service (Telegram's signed data) that was already used: it
    is refused again until it would have expired anyway."""

    __tablename__ = "consumed_proofs"

    proof_key: str = Field(primary_key=True, max_length=200)
    valid_until: datetime = Field(sa_column=_timestamp())


class AuditEntry(SQLModel, table=True):
    """Who changed which setting, when, from where. ``details`` never holds secret values
    (the code that records an entry passes field names for them, not values)."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    actor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    actor_login: str = Field(default="", max_length=100)
    address: str = Field(default="", max_length=64)
    action: str = Field(max_length=50)
    target: str = Field(default="", max_length=200)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class SignInEvent(SQLModel, table=True):
    """One finished sign-in round trip with an external service, for the overview."""

    __tablename__ = "sign_in_events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True)
    )
    service_id: str = Field(max_length=50)
    site_id: str = Field(max_length=20)
    success: bool
    reason: str = Field(default="", max_length=50)


class Application(SQLModel, table=True):
    """An application of a site (an OAuth client) that signs people in through us.

    The client secret is kept apart from everything shown, sealed like a service's secrets
    once encryption is on (``models.encryption``), so that ``config export --with-secrets``
    can write it back; it is compared in constant time, never displayed after creation."""

    __tablename__ = "applications"

    id: str = Field(primary_key=True, max_length=20)
    site_id: str = Field(foreign_key="sites.id", ondelete="CASCADE", max_length=20, index=True)
    name: str = Field(max_length=100)
    #: "confidential" (has a secret), "public" (PKCE instead) or "proxy" (a reverse proxy
    #: asks ``/auth/verify`` for it)
    kind: str = Field(default="confidential", max_length=20)
    client_id: str = Field(max_length=100, unique=True)
    client_secret: str = Field(default="", sa_column=Column(Text, nullable=False))
    redirect_uris: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    post_logout_redirect_uris: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    #: group codes whose members may use it; empty with ``everyone``: all users
    everyone: bool = True
    allowed_groups: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: for a proxy application: the host names its reverse proxy serves
    hosts: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: OpenID Connect back-channel logout: where logout tokens are posted ("" none)
    backchannel_logout_uri: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    version: int = 1


class SigningKey(SQLModel, table=True):
    """A key that signs ID tokens. The newest of each algorithm signs; an older one stays
    published until ``retire_at``, when no token it signed is still valid."""

    __tablename__ = "signing_keys"

    kid: str = Field(primary_key=True, max_length=64)
    algorithm: str = Field(max_length=10)
    #: PEM, sealed once encryption is on
    private_key: str = Field(sa_column=Column(Text, nullable=False))
    public_jwk: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    retire_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class ProviderGrant(SQLModel, table=True):
    """One sign-in of a person into an application: the code, then every access and
    refresh token issued from it (the "family"). Deleting the grant revokes all of them,
    which is what a reused code or refresh token does."""

    __tablename__ = "provider_grants"

    id: str = Field(primary_key=True, max_length=64)
    application_id: str = Field(foreign_key="applications.id", ondelete="CASCADE", index=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    scope: str = Field(default="", max_length=1000)
    nonce: str | None = Field(default=None, max_length=500)
    #: when the person last proved who they are (the session's sign-in)
    auth_time: datetime = Field(sa_column=_timestamp())
    #: the digest of the session it came from: signing out there ends it
    session_hash: str = Field(default="", max_length=64, index=True)
    #: the language the person used when signing in (the ``locale`` claim)
    locale: str = Field(default="", max_length=10)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class ProviderToken(SQLModel, table=True):
    """A code, access token or refresh token of a grant; only its digest is stored."""

    __tablename__ = "provider_tokens"

    token_hash: str = Field(primary_key=True, max_length=64)
    grant_id: str = Field(foreign_key="provider_grants.id", ondelete="CASCADE", index=True)
    #: "code", "access" or "refresh"
    kind: str = Field(max_length=10)
    expires_at: datetime = Field(sa_column=_timestamp(index=True))
    #: a code exchanged or a refresh token rotated: presenting it again revokes the grant
    used_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    #: for a code: the redirect URI and PKCE challenge it was issued with
    redirect_uri: str = Field(default="", max_length=2000)
    code_challenge: str = Field(default="", max_length=128)


class LogoutDelivery(SQLModel, table=True):
    """A back-channel logout owed to an application: queued in the transaction that ended
    the person's session there, posted by whichever process claims it, retried until the
    application answers. It names the person by id (no foreign key: a deleted person's
    applications must still hear of it)."""

    __tablename__ = "logout_deliveries"

    id: int | None = Field(default=None, primary_key=True)
    application_id: str = Field(foreign_key="applications.id", ondelete="CASCADE", index=True)
    user_id: int
    #: the ``sid`` the application's ID tokens of that session carried
    sid: str = Field(max_length=64)
    #: "pending", "sent" or "failed"
    status: str = Field(default="pending", max_length=10)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp(index=True))
    claimed_by: str | None = Field(default=None, max_length=40)
    claimed_until: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    last_problem: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class ProviderOptions(SQLModel, table=True):
    """A single row (id 1): the salt of pairwise subjects, the same in every process."""

    __tablename__ = "provider_options"

    id: int = Field(default=1, primary_key=True)
    pairwise_salt: str = Field(max_length=64)


class MailMessage(SQLModel, table=True):
    """A message in the mail outbox: written in the transaction that asked for it, sent by
    whichever process claims it, retried while the server is down. Its bodies are sealed
    (they may hold a one-time link) and emptied once it is sent."""

    __tablename__ = "mail_messages"

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=254)
    #: what it is ("verify_registration", "reset_password", "test"...): logs and overview
    kind: str = Field(max_length=40)
    language: str = Field(default="en", max_length=5)
    subject: str = Field(max_length=300)
    body_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    body_html: str = Field(default="", sa_column=Column(Text, nullable=False))
    #: "pending", "sent" or "failed"
    status: str = Field(default="pending", max_length=10)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp(index=True))
    claimed_by: str | None = Field(default=None, max_length=40)
    claimed_until: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    last_problem: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class MailLink(SQLModel, table=True):
    """A link sent by mail (verify an address, reset a password, confirm a new address,
    finish a registration begun with a service): single use, until ``expires_at``. Only
    the token's digest is kept; the link's facts are here, not in the URL, so an altered
    link finds nothing."""

    __tablename__ = "mail_links"

    token_hash: str = Field(primary_key=True, max_length=64)
    purpose: str = Field(max_length=30)
    user_id: int | None = Field(
        default=None, foreign_key="users.id", ondelete="CASCADE", index=True
    )
    email: str = Field(max_length=254)
    #: the browser it must be opened in ("": any browser)
    browser_binding: str = Field(default="", max_length=64)
    #: a registration through a service waiting for this address (``PendingSignup``)
    pending_id: str | None = Field(
        default=None, foreign_key="pending_signups.id", ondelete="CASCADE", max_length=64
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    expires_at: datetime = Field(sa_column=_timestamp(index=True))
    used_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class PendingSignup(SQLModel, table=True):
    """An external account's answer held for a second step: proving an address the
    service did not give ("complete your profile"), or signing in to the account that
    already owns the address it gave ("link to your account"). Bound to the browser of
    the round trip; the answer (tokens included) is sealed; the id is a digest."""

    __tablename__ = "pending_signups"

    id: str = Field(primary_key=True, max_length=64)
    #: "complete_profile" or "link_existing"
    kind: str = Field(max_length=20)
    browser_binding: str = Field(max_length=64)
    service_id: str = Field(max_length=50)
    site_id: str = Field(max_length=20)
    next_path: str = Field(default="/profile", max_length=2000)
    #: the service's answer (profile and tokens), JSON, sealed
    answer: str = Field(sa_column=Column(Text, nullable=False))
    #: "link_existing": the account that owns the address
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE")
    email: str = Field(default="", max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    expires_at: datetime = Field(sa_column=_timestamp(index=True))


class RateCount(SQLModel, table=True):
    """Requests counted per key (an address, a client) in a fixed window: what keeps the
    registration and reset forms from being used to flood someone's mailbox."""

    __tablename__ = "rate_counts"

    key: str = Field(primary_key=True, max_length=300)
    window_started_at: datetime = Field(sa_column=_timestamp(index=True))
    count: int = 0
