"""RiskStream's settings: one pydantic-settings class, read from RISKSTREAM_* variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
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
    # Each uploaded workbook is parsed in a child process of its own, killed past these limits;
    # parser_processes children parse the uploads of one batch side by side.
    parse_memory_mb: int = Field(default=2048, gt=0)
    parse_timeout_s: float = Field(default=60.0, gt=0)
    parser_processes: int = Field(default=2, gt=0)
    kafka_timeout_s: float = 10.0
    # Signs the API's short-lived access tokens; no default, so no process runs with a known one.
    jwt_secret: SecretStr = Field(min_length=32)
    jwt_ttl_s: int = Field(default=900, gt=0)
    stripe_webhook_secret: SecretStr | None = None
    stripe_webhook_tolerance_s: int = 300
    # Sliding-window limits per credential and route class, per minute.
    rate_limit_read_per_minute: int = Field(default=1200, gt=0)
    rate_limit_write_per_minute: int = Field(default=300, gt=0)
    rate_limit_login_per_minute: int = Field(default=20, gt=0)

    # Subscribers: server-sent events poll the event_log view, send a comment line when idle,
    # cut off a reader that has fallen further behind than sse_max_lag events, and disconnect
    # one that takes no frame for sse_send_timeout_s.
    sse_poll_s: float = Field(default=0.5, gt=0)
    sse_heartbeat_s: float = Field(default=15.0, gt=0)
    sse_max_lag: int = Field(default=10_000, gt=0)
    sse_send_timeout_s: float = Field(default=30.0, gt=0)
    # Webhooks: the wait before each attempt after a failed one (the first is immediate);
    # its length is the number of attempts. Standard Webhooks' schedule by default.
    webhook_retry_schedule_s: list[float] = [0, 5, 300, 1800, 7200, 18000, 36000, 36000]
    webhook_retry_jitter: float = Field(default=0.1, ge=0, le=1)
    webhook_timeout_s: float = Field(default=15.0, gt=0)
    webhook_max_response_bytes: int = Field(default=64 * 1024, gt=0)
    webhook_allowed_ports: str = Field(default="80,443,8080,8443",
                                       pattern=r"^\d+(-\d+)?(,\d+(-\d+)?)*$")
    # private, loopback and link-local addresses are refused unless this is set (tests, on-prem)
    webhook_allow_private_networks: bool = False
    webhook_disable_after_s: float = Field(default=5 * 24 * 3600, gt=0)
    webhook_secret_overlap_s: float = Field(default=24 * 3600, ge=0)
    # How often the retention sweeper looks for results past their plan's retention_days.
    retention_sweep_s: float = Field(default=3600, gt=0)

    @property
    def projection_schema(self) -> str:
        """The PostgreSQL schema of the live views (one per topic prefix)."""
        return self.topic_prefix.replace(".", "_").replace("-", "_").lower()

    def topic(self, name: str) -> str:
        """The full Kafka topic name for a logical topic."""
        return f"{self.topic_prefix}.{name}"
