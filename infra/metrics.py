"""RiskStream's Prometheus metrics, named in one place, and the small HTTP server a processor
process serves them on.

Each process has its own values (the default registry); Prometheus adds them up across
processes and replicas. The API's worker processes share one scrape: with
``PROMETHEUS_MULTIPROC_DIR`` set they write their values there and ``GET /metrics`` adds them
up (:mod:`app.api.http_metrics`). The hooks that move them sit where every process passes: the API's
middleware (:mod:`app.api.http_metrics`), the subscription every consumer reads through
(:mod:`streams.subscription`), the runtime's handling of one event and the dead-letter record
(:mod:`streams.processors.runtime`, :mod:`streams.deadletter`), the runner's lanes, its and
the chunk worker's ends of a run and of a chunk, and the webhook dispatcher's attempts.
"""

from __future__ import annotations

from collections import defaultdict

from prometheus_client import Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric

# The API, per route template ("/v1/simulations/{simulation_id}", never a raw path).
HTTP_REQUESTS = Counter("riskstream_http_requests_total", "HTTP requests answered",
                        ["method", "route", "status"])
HTTP_ERRORS = Counter("riskstream_http_errors_total",
                      "HTTP requests answered with a 5xx or failed with no answer",
                      ["method", "route"])
HTTP_SECONDS = Histogram("riskstream_http_request_duration_seconds",
                         "Time to answer an HTTP request", ["method", "route"],
                         buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))

# Every processor (``processor``: its consumer group's name).
EVENTS_APPLIED = Counter("riskstream_events_applied_total",
                         "Messages a processor consumed and finished with", ["processor", "topic"])
EVENTS_FAILED = Counter("riskstream_events_failed_total",
                        "Messages a processor could not process and parked (processing.failed)",
                        ["processor"])
YIELDED_SECONDS = Counter("riskstream_yielded_seconds_total",
                          "Time a background processor held its batches while the cores were"
                          " contended (infra.pressure)", ["processor"])
BATCH_SECONDS = Histogram("riskstream_batch_duration_seconds",
                          "Time to process one batch and commit it (its transaction)",
                          ["processor"],
                          buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60))
HANDLE_SECONDS = Histogram("riskstream_event_handle_seconds",
                           "Time a processor's handler took on one event, by event type"
                           " (chunk.requested: one chunk's compute)", ["processor", "type"],
                           buckets=(.001, .005, .01, .05, .1, .5, 1, 5, 10, 30, 60, 300))
CONSUMER_LAG = Gauge("riskstream_consumer_lag",
                     "Messages in a partition past what the processor has consumed",
                     ["processor", "topic", "partition"])

# The simulation runner.
TRIALS = Counter("riskstream_trials_total", "Trials of simulations this runner ended",
                 ["backend"])
ACTIVE_RUNS = Gauge("riskstream_active_runs", "Simulations this runner is running")
RUN_SECONDS = Histogram("riskstream_run_duration_seconds",
                        "Compute time of an ended simulation (all its chunks)", ["outcome"],
                        buckets=(.05, .1, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600))
QUEUE_DEPTH = Gauge("riskstream_runner_queue_depth",
                    "Runs waiting for a slot of this runner, by lane (large: chunks of split"
                    " runs too)", ["lane"])
ENGINE_JOB_RUNS = Histogram("riskstream_engine_job_runs",
                            "Small runs of one model a worker of the small-run pool computed"
                            " together, in one job", buckets=(1, 2, 3, 4, 6, 8, 12, 16))
CHUNK_SECONDS = Histogram("riskstream_chunk_compute_seconds",
                          "Compute time of one chunk of a split run this runner computed",
                          buckets=(.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60))

# The webhook dispatcher.
WEBHOOK_ATTEMPTS = Counter("riskstream_webhook_attempts_total",
                           "Webhook delivery attempts, by outcome", ["result"])
WEBHOOK_BACKLOG = Gauge("riskstream_webhook_backlog",
                        "Webhook messages waiting for delivery or a retry")


# Business totals: not kept by any process (see BusinessTotals)
class BusinessTotals:
    """The business totals, read from the views when the API is scraped: the same in every API
    process and replica and after a replay, unlike counters kept by one process."""

    SIMULATIONS = "riskstream_business_simulations"
    TRIALS = "riskstream_business_trials"
    UNREACHABLE = "riskstream_business_databases_unreachable"

    def __init__(self, rows: list[tuple[str, str, int, int]], unreachable: int = 0) -> None:
        self.rows = rows
        self.unreachable = unreachable

    def collect(self) -> list[Metric]:
        runs = GaugeMetricFamily(self.SIMULATIONS,
                                 "Simulations recorded, by the tenant's plan and status",
                                 labels=["plan", "status"])
        trials: dict[str, int] = defaultdict(int)
        for plan, status, count, done in self.rows:
            runs.add_metric([plan, status], count)
            trials[plan] += done
        done_by_plan = GaugeMetricFamily(self.TRIALS,
                                         "Trials run, by the tenant's plan", labels=["plan"])
        for plan, done in sorted(trials.items()):
            done_by_plan.add_metric([plan], done)
        missing = GaugeMetricFamily(
            self.UNREACHABLE, "Tenant databases that did not answer, whose tenants the totals"
            " leave out", value=self.unreachable)
        return [runs, done_by_plan, missing]


def serve(port: int | None, host: str = "0.0.0.0") -> int | None:
    """Serve this process's metrics on ``port`` (0: a free one); the port, or None when
    ``port`` is None (metrics off)."""
    if port is None:
        return None
    server, _thread = start_http_server(port, addr=host)
    return int(server.server_port)
