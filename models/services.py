"""Which external services a scope offers, in which order, with which values.

A scope is "common", or a site's id when that site applies individual settings; a site
without them uses the common scope. Values arrive here already split into ``settings``
and ``secrets`` (the use cases know which fields are secret; this layer does not).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import bindparam
from sqlmodel import Session, col, delete, func, select

from models.encryption import seal_secrets
from models.tables import ConfiguredService, Site, utcnow
from models.token_cipher import Keyring
from models.versions import claim

COMMON = "common"


@dataclass(frozen=True)
class ServiceValues:
    """One service's configuration as the use cases hand it over for storing."""

    service_id: str
    provider: str
    name: str = ""
    enabled: bool = False
    position: int = 0
    settings: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    endpoints: dict[str, str] = field(default_factory=dict)


def scope_of(site: Site) -> str:
    return site.id if site.individual_settings else COMMON


def sites_using(session: Session, scope: str) -> list[Site]:
    """The sites whose visitors a scope's services serve: the default site first."""
    sites = session.exec(select(Site).order_by(col(Site.is_default).desc(), col(Site.id)))
    return [site for site in sites if scope_of(site) == scope]


def configs_of_service(session: Session, service_id: str) -> list[ConfiguredService]:
    """Every scope's settings of one service id."""
    query = select(ConfiguredService).where(ConfiguredService.service_id == service_id)
    return list(session.exec(query))


def configs_in_scope(session: Session, scope: str) -> list[ConfiguredService]:
    """Every configured service of a scope, in button order."""
    return list(
        session.exec(
            select(ConfiguredService)
            .where(ConfiguredService.scope == scope)
            .order_by(col(ConfiguredService.position), col(ConfiguredService.service_id))
        )
    )


#: built once, with bound parameters: both requests of every sign-in ask it
_CONFIG_IN_SCOPE = select(ConfiguredService).where(
    col(ConfiguredService.scope) == bindparam("scope"),
    col(ConfiguredService.service_id) == bindparam("service_id"),
)


def config_in_scope(session: Session, scope: str, service_id: str) -> ConfiguredService | None:
    """One configured service of a scope (a sign-in needs just the one)."""
    params = {"scope": scope, "service_id": service_id}
    return session.exec(_CONFIG_IN_SCOPE, params=params).first()


def replace_scope(
    session: Session, keyring: Keyring, scope: str, services: Sequence[ServiceValues]
) -> None:
    """Make a scope hold exactly ``services`` (secrets in plain text, sealed here once
    encryption is on); rows of services not listed are removed."""
    existing = {config.service_id: config for config in configs_in_scope(session, scope)}
    wanted = {values.service_id for values in services}
    for service_id, config in existing.items():
        if service_id not in wanted:
            session.delete(config)
    for values in services:
        config = existing.get(values.service_id) or ConfiguredService(
            scope=scope, service_id=values.service_id, provider=values.provider
        )
        config.provider = values.provider
        config.name = values.name
        config.enabled = values.enabled
        config.position = values.position
        config.settings = dict(values.settings)
        config.secrets = seal_secrets(session, keyring, scope, values.service_id, values.secrets)
        if config.id is not None:
            claim(session, config, None)  # open forms of this service now say "reload"
        config.endpoints = dict(values.endpoints)
        config.updated_at = utcnow()
        session.add(config)
    session.flush()


def scopes_in_use(session: Session) -> list[str]:
    return sorted(set(session.exec(select(ConfiguredService.scope))))


def remove_scope(session: Session, scope: str) -> None:
    session.exec(delete(ConfiguredService).where(col(ConfiguredService.scope) == scope))


def find_config(session: Session, scope: str, service_id: str) -> ConfiguredService | None:
    return session.exec(
        select(ConfiguredService).where(
            ConfiguredService.scope == scope, ConfiguredService.service_id == service_id
        )
    ).first()


def next_position(session: Session, scope: str) -> int:
    """The button position after the scope's last one."""
    highest = session.exec(
        select(func.max(col(ConfiguredService.position))).where(ConfiguredService.scope == scope)
    ).one()
    return int(highest or 0) + 1
