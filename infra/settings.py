"""RiskStream's settings: one pydantic-settings class, read from RISKSTREAM_* variables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, Field, PlainSerializer, SecretStr
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _replicas_from_text(value: object) -> object:
    """``"simulation-runner=3,postgres-projector=2"`` as ``{name: count}``; anything else is
    left for the type's own validation."""
    if not isinstance(value, str):
        return value
    replicas: dict[str, int] = {}
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        name, sep, count = (side.strip() for side in item.partition("="))
        if not sep or not count.isdigit():
            raise ValueError(f"expected NAME=COUNT such as simulation-runner=3, got {item!r}")
        if name in replicas:
            raise ValueError(f"{name} is given more than one replica count")
        replicas[name] = int(count)
    return replicas


def _replicas_as_text(replicas: dict[str, int]) -> str:
    return ",".join(f"{name}={count}" for name, count in replicas.items())


# Processes per processor kind, written "simulation-runner=3,postgres-projector=2" in the
# environment and on the command line, and dumped the same way so settings passed on to a child
# process read back equal. The bound turns a typo such as "=300" into an error, not a fork storm.
Replicas = Annotated[
    dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")], Annotated[int, Field(ge=1, le=64)]],
    BeforeValidator(_replicas_from_text), PlainSerializer(_replicas_as_text), NoDecode]


class Settings(BaseSettings):
    """Where the services are and the limits the API applies; validated when a process starts."""

    model_config = SettingsConfigDict(env_prefix="RISKSTREAM_", extra="ignore")

    kafka_bootstrap: str = "127.0.0.1:19092"
    topic_prefix: str = Field(default="riskstream", pattern=r"^[A-Za-z0-9._-]+$")
    postgres_dsn: str = "postgresql://riskstream@127.0.0.1:15432/riskstream"
    mongo_url: str = "mongodb://127.0.0.1:27027/"
    mongo_db: str = "riskstream"
    redis_url: str = "redis://127.0.0.1:16379/0"
    # how long an API request waits for Redis (connecting, or any one reply) before going on
    # without it: the rate limit lets the request through, the accepted cache is skipped
    redis_timeout_s: float = Field(default=1.0, gt=0, le=60)
    # connections to Redis each API process opens at start-up: a burst's requests each take
    # one for their rate limit and the like, and a burst on a fresh process otherwise opened
    # them then (about 50 per process for 100 concurrent commands); more open when needed
    api_redis_connections: int = Field(default=64, ge=0, le=10_000)
    stripe_api_base: str = "http://127.0.0.1:12111"
    stripe_api_key: str | None = None
    # Where workbooks and chunk results live: file:///path, or s3://bucket[/prefix] on the
    # S3-compatible server at s3_endpoint_url (AWS itself when unset); blob_dir when unset.
    blob_dir: Path = Path(".stack/blobs")
    blob_store_url: str | None = Field(default=None, pattern=r"^(file:///|s3://[^/]+)")
    s3_endpoint_url: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: SecretStr | None = None
    s3_region: str = "us-east-1"
    max_upload_bytes: int = 50 * 1024 * 1024
    runner_threads: int = 2
    # Worker processes computing a runner's small runs (streams.processors.enginepool); None:
    # one per core the runner may use (its CPU limit included), 0: small runs compute in
    # threads like the rest.
    runner_processes: int | None = Field(default=None, ge=0, le=256)
    # Workbooks a runner keeps in memory once read (infra.blobcache), in MiB; 0: read each run's
    # workbook from the blob store.
    runner_blob_cache_mib: int = Field(default=64, ge=0, le=65536)
    # How many steps below its own start the processors' CPU priority is (nice; 0: the same):
    # where they share a machine with the API, a command is answered first, and the work it
    # starts waits in the log meanwhile instead of in the caller's request.
    processor_nice: int = Field(default=10, ge=0, le=19)
    # The processors whose work may trail a run by a fraction of a second (billing, analytics
    # rollups, webhooks: see app.ops.workers.BACKGROUND) run this many steps further below,
    # and wait up to background_gather_ms for a fuller fetch (64 KiB) instead of taking each
    # record as it comes: under load they read in batches and leave the cores to the runs,
    # at rest their records come that much later.
    background_nice: int = Field(default=9, ge=0, le=19)
    background_gather_ms: int = Field(default=200, ge=0, le=5_000)
    # While the machine's cores are contended (infra.pressure), a background processor holds
    # each batch up to background_yield_s, so that the broker's and the stores' share of its
    # work waits too; 0: never.
    background_yield_s: float = Field(default=1.0, ge=0, le=60)
    # The projections readers see (the PostgreSQL views and event feed, live progress) wait
    # this long after a batch before taking the next, while records keep coming: a burst's
    # records then share a batch (one transaction, one round of notices) instead of each
    # taking its own. A record that comes at rest is applied at once. They run
    # projection_nice steps below the other processors: in a burst the runs come first, and
    # what readers see of them a moment later.
    projection_linger_ms: int = Field(default=50, ge=0, le=1_000)
    projection_nice: int = Field(default=5, ge=0, le=19)
    # This process's consumers: how long one waits after a batch before the next (0: not at
    # all), waits for a fuller fetch (0: not at all), and holds a batch while the cores are
    # contended (0: not at all). Set per processor: the projections' from
    # projection_linger_ms, the background processors' from background_gather_ms and
    # background_yield_s.
    batch_linger_ms: int = Field(default=0, ge=0, le=1_000)
    fetch_gather_ms: int = Field(default=0, ge=0, le=5_000)
    yield_to_load_s: float = Field(default=0.0, ge=0, le=60)
    # Each uploaded workbook is parsed in a child process of its own, killed past these limits;
    # parser_processes children parse the uploads of one batch side by side.
    parse_memory_mb: int = Field(default=2048, gt=0)
    parse_timeout_s: float = Field(default=60.0, gt=0)
    parser_processes: int = Field(default=2, gt=0)
    kafka_timeout_s: float = 10.0
    # How long a processor instance may go silent before its group hands its partitions to
    # the others (the broker bounds it: 6 s to 300 s by default).
    kafka_session_timeout_ms: int = Field(default=10_000, ge=6_000, le=300_000)
    # Signs the API's short-lived access tokens; no default, so no process runs with a known one.
    jwt_secret: SecretStr = Field(min_length=32)
    # Seals the secrets the service reads back (webhook signing secrets, TOTP secrets) where
    # they rest in the log and the views (infra.secretbox); without it, a key derived from
    # jwt_secret does. Keys it replaced stay readable while listed in sealing_retired_keys.
    sealing_key: SecretStr | None = Field(default=None, min_length=32)
    sealing_retired_keys: list[SecretStr] = Field(default_factory=list)
    jwt_ttl_s: int = Field(default=900, gt=0)
    # A refresh token's life; each use rotates it (see README, "Sign-in").
    refresh_ttl_s: int = Field(default=30 * 24 * 3600, gt=0)
    # The OIDC provider for sign-in when a tenant configured none of its own (a confidential
    # client when oidc_client_secret is set; PKCE either way).
    oidc_issuer: str | None = Field(default=None, pattern=r"^https?://")
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    # where providers send users back; by default this API's own /v1/auth/oidc/callback
    oidc_redirect_uri: str | None = Field(default=None, pattern=r"^https?://")
    # http:// issuers, for a provider on loopback in development and tests
    oidc_allow_http_issuers: bool = False
    # providers' discovery documents and key sets are kept this long (a token signed by an
    # unknown key fetches the set sooner)
    oidc_cache_ttl_s: float = Field(default=3600.0, gt=0)
    oidc_keys_refetch_s: float = Field(default=30.0, ge=0)
    stripe_webhook_secret: SecretStr | None = None
    stripe_webhook_tolerance_s: int = 300
    # Sliding-window limits per credential and route class, per minute.
    rate_limit_read_per_minute: int = Field(default=1200, gt=0)
    rate_limit_write_per_minute: int = Field(default=300, gt=0)
    rate_limit_login_per_minute: int = Field(default=20, gt=0)
    # The API remembers who a credential is for at most this long; a revocation or role change
    # takes effect at once all the same (see app/api/credential_cache.py). 0: look it up each time.
    credential_cache_ttl_s: float = Field(default=10.0, ge=0)
    # API worker processes sharing the port (each with its own pools and caches); 0: one per
    # core, at most 8
    api_workers: int = Field(default=0, ge=0, le=64)
    # How long an API request waits for one PostgreSQL statement (or a new connection) before
    # it answers 503: a stalled or locked database costs a request this much, not a hang.
    postgres_timeout_s: float = Field(default=10.0, gt=0, le=3600)
    # How long the API keeps an idle client connection open: longer than the idle timeout of a
    # load balancer in front (60 s on most), so that the balancer, not the API, closes it and
    # never sends a request down a connection the API is closing.
    api_keep_alive_s: int = Field(default=75, gt=0, le=3600)

    # Tenants with a database of their own (projections/placement.py): the API re-reads where
    # each tenant lives this often; a pool per tenant database, sized by the plan of the tenant
    # that opens it, closed after tenant_pool_idle_s unused.
    placement_refresh_s: float = Field(default=1.0, gt=0)
    tenant_pool_sizes: dict[str, int] = Field(
        default_factory=lambda: {"free": 2, "basic": 2, "pro": 5, "enterprise": 20})
    tenant_pool_idle_s: float = Field(default=300.0, gt=0)
    # plan -> the DSN its tenants are moved to, each into a database of its own ("{tenant}" in
    # the name, made when missing); e.g. {"enterprise": "postgresql://…@db-ent:5432/t_{tenant}"}
    tier_databases: dict[str, Annotated[str, Field(pattern=r"^postgres(ql)?://.*\{tenant\}")]] \
        = Field(default_factory=dict)

    # A simulation the API accepted is found by its id (read, cancel, progress) for this long
    # even before the views show it (see app/api/accepted.py)
    accepted_ttl_s: float = Field(default=300.0, gt=0)

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
    # Processes of each kind `riskstream processors` starts; a kind not named runs one.
    # Instances of a kind share its topics' partitions as members of one consumer group.
    processor_replicas: Replicas = {}
    # Operations. Each processor process serves Prometheus metrics on metrics_port (0: a free
    # port, recorded in its heartbeat for `riskstream status`; unset: no server). The API
    # serves them at /metrics on its own port.
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"
    # OTLP/HTTP traces endpoint (http://collector:4318/v1/traces); no traces are sent when unset.
    otlp_endpoint: str | None = None
    # Where pg_dump lives (the PostgreSQL 15 client, as the local stack installs it).
    pg_bin: Path = Path("/usr/lib/postgresql/15/bin")

    @property
    def projection_schema(self) -> str:
        """The PostgreSQL schema of the live views (one per topic prefix)."""
        return self.topic_prefix.replace(".", "_").replace("-", "_").lower()

    def topic(self, name: str) -> str:
        """The full Kafka topic name for a logical topic."""
        return f"{self.topic_prefix}.{name}"
