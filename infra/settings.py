"""RiskStream's settings: one pydantic-settings class, read from RISKSTREAM_* variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the services are and the limits the API applies; validated when a process starts."""

    model_config = SettingsConfigDict(env_prefix="RISKSTREAM_", extra="ignore")

    kafka_bootstrap: str = "127.0.0.1:19092"
    topic_prefix: str = Field(default="riskstream", pattern=r"^[A-Za-z0-9._-]+$")
    postgres_dsn: str = "postgresql://riskstream@127.0.0.1:15432/riskstream"
    mongo_url: str = "mongodb://127.0.0.1:27027/"
    mongo_db: str = "riskstream"
    redis_url: str = "redis://127.0.0.1:16379/0"
    stripe_api_base: str = "http://127.0.0.1:12111"
    stripe_api_key: str | None = None
    blob_dir: Path = Path(".stack/blobs")
    max_upload_bytes: int = 50 * 1024 * 1024
    max_iterations: int = 100_000_000
    runner_threads: int = 2
    kafka_timeout_s: float = 10.0

    @property
    def projection_schema(self) -> str:
        """The PostgreSQL schema of the live views (one per topic prefix)."""
        return self.topic_prefix.replace(".", "_").replace("-", "_").lower()

    def topic(self, name: str) -> str:
        """The full Kafka topic name for a logical topic."""
        return f"{self.topic_prefix}.{name}"
