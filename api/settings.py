"""Service settings: one pydantic-settings class, read from BRIEFS_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything the service reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="BRIEFS_", extra="ignore")

    database_url: str = Field(f"sqlite:///{ROOT / 'var' / 'briefs.db'}",
                              description="SQLAlchemy URL: SQLite by default, postgresql+psycopg://… for PostgreSQL")
    model_dir: Path | None = Field(None, description="Pin the service to this model directory (no registry); "
                                                     "unset: the registry's champion")
    model_root: Path | None = Field(None, description="Model registry root; default var/models/registry")
    config: Path | None = Field(None, description="Review configuration TOML merged over review/defaults.toml")
    dup_index: Path | None = Field(None, description="Persistent duplicate index directory, shared with "
                                                     "`briefs score --index`; unset: built in memory at start")
    secret_key: str = Field("", description="Key signing access tokens; empty means one kept in var/secret_key")
    token_minutes: int = Field(12 * 60, description="Lifetime of an access token, in minutes")
    max_body_bytes: int = Field(1_000_000, description="Largest request body accepted; larger is answered 413")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once (tests clear the cache to override)."""
    return Settings()


def secret_key(settings: Settings) -> str:
    """The token signing key: the configured one, else a random one kept in var/secret_key."""
    if settings.secret_key:
        return settings.secret_key
    import secrets

    path = ROOT / "var" / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()
