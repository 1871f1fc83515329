"""The ``riskstream`` command: run the API or the processors, operate tenants, replays, backups
and restores, report status, and use the engine locally (recalc, simulate)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

from infra import tracing
from infra.log_format import configure as configure_logs
from infra.settings import Settings

# commands that only print their results: they keep Python's plain logging
LOCAL_TOOLS = frozenset({"recalc", "simulate"})


def _serve_api(args: argparse.Namespace) -> int:
    import uvicorn

    from infra.lifetime import PARENT_ENV

    settings = Settings()
    workers = settings.api_workers or min(8, os.cpu_count() or 1)
    if workers == 1:
        from app.api.main import create_app

        tracing.configure("api", settings.otlp_endpoint)  # its spans flushed by the app's end
        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning",
                    timeout_keep_alive=settings.api_keep_alive_s)
        return 0
    # the workers add up their metrics in a directory of their own (app/api/http_metrics.py)
    shared = tempfile.mkdtemp(prefix="riskstream-api-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = shared
    os.environ[PARENT_ENV] = str(os.getpid())  # each worker ends with this process
    try:
        uvicorn.run("app.api.main:worker_app", factory=True, workers=workers, host=args.host,
                    port=args.port, log_level="warning",
                    timeout_keep_alive=settings.api_keep_alive_s)
    finally:
        shutil.rmtree(shared, ignore_errors=True)
    return 0


def _run_processors(args: argparse.Namespace) -> int:
    from pydantic import TypeAdapter

    from app.ops.supervisor import supervise
    from app.ops.workers import PROCESSORS, SINGLE_INSTANCE, SINGLE_INSTANCE_WHY
    from infra.settings import Replicas

    settings = Settings()  # refuse to start on invalid settings, before any child does
    given = TypeAdapter(Replicas).validate_python(",".join(args.replicas))
    replicas = {**settings.processor_replicas, **given}
    unknown = sorted((set(args.only or ()) | set(replicas)) - set(PROCESSORS))
    if unknown:
        raise ValueError(f"no processor {', '.join(unknown)}; processors: {sorted(PROCESSORS)}")
    single = sorted(name for name, n in replicas.items() if n > 1 and name in SINGLE_INSTANCE)
    if single:
        raise ValueError(f"{', '.join(single)} run as one instance only: {SINGLE_INSTANCE_WHY}")
    return supervise({name: replicas.get(name, 1) for name in args.only or PROCESSORS})


def _run_processor(args: argparse.Namespace) -> int:
    from app.ops.workers import processor_settings, run_processor

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run_processor(args.name, settings, stop)

    settings, nice = processor_settings(args.name, Settings())
    os.nice(nice)  # background work: the API's requests go first, then what runs wait for
    tracing.configure(args.name, settings.otlp_endpoint)
    try:
        asyncio.run(main())
    finally:
        tracing.shutdown()
    return 0


def _tenant(args: argparse.Namespace) -> int:
    from app.ops.admin import create_tenant, move_tenant

    if args.tenant_command == "move":
        from projections.tenant_move import MoveStalled

        try:
            archive = Path(args.archive) if args.archive else None
            moved = asyncio.run(move_tenant(Settings(), args.tenant_id, args.to, archive))
        except MoveStalled as exc:
            print(f"riskstream tenant move: {exc}", file=sys.stderr)
            return 1
        print(json.dumps(moved, indent=2))
        return 0
    print(json.dumps(asyncio.run(create_tenant(Settings(), args.name, args.plan)), indent=2))
    return 0


def _platform_admin(args: argparse.Namespace) -> int:
    from app.ops.admin import create_platform_admin

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    created = asyncio.run(create_platform_admin(Settings(), args.email, password))
    print(json.dumps(created, indent=2))
    return 0


def _replay(args: argparse.Namespace) -> int:
    from projections import replay
    from projections.replay_source import parse_start

    settings = Settings()
    archive = Path(args.archive) if args.archive else None
    start = parse_start(args.start) if args.start is not None else None
    if args.projection == "postgres":
        if start is not None:
            raise ValueError("--from applies to mongo and redis; the PostgreSQL views are"
                             " rebuilt from the first event (their checkpoints skip the rest)")
        result: object = asyncio.run(replay.replay_postgres(settings, args.schema,
                                                            archive=archive))
    elif args.projection == "mongo":
        result = {"rollups": asyncio.run(replay.replay_mongo(settings, args.database,
                                                             archive=archive, start=start))}
    else:
        result = {"progress_keys": asyncio.run(replay.replay_redis(settings, archive=archive,
                                                                   start=start))}
    print(json.dumps(result, indent=2))
    return 0


def _audit(args: argparse.Namespace) -> int:
    from app.ops.auditing import verify_log

    archive = Path(args.archive) if args.archive else None
    report = asyncio.run(verify_log(Settings(), args.tenant, args.log_prefix, archive))
    print(json.dumps(report, indent=2))
    return 0 if report["ok"] else 1


def _archive(args: argparse.Namespace) -> int:
    from app.ops.archiving import archive_log

    manifest = asyncio.run(archive_log(Settings(), Path(args.out), args.tenant, args.through))
    rows = sum(f["rows"] for f in manifest["files"])
    print(f"{len(manifest['files'])} files, {rows} events; manifest in"
          f" {Path(args.out) / '_manifest.json'}")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from app.ops.backup import backup

    manifest = asyncio.run(backup(Settings(), Path(args.out), args.wait))
    print(f"{manifest['events']} events, {manifest['blobs']} blobs ({manifest['blob_bytes']}"
          f" bytes), {len(manifest['files'])} files; manifest in"
          f" {Path(args.out) / 'manifest.json'}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from app.ops.backup import restore

    print(json.dumps(asyncio.run(restore(Settings(), Path(args.folder))), indent=2))
    return 0


def _status(args: argparse.Namespace) -> int:
    from app.ops.status import render, status

    report = asyncio.run(status(Settings()))
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0 if report["ok"] else 1


def _recalc(args: argparse.Namespace) -> int:
    from app.ops.local import dumps, plan_limits, recalc

    values = recalc(Path(args.workbook), plan_limits(args.plan))
    if args.json:
        print(dumps(values))
    else:
        for cell, value in values.items():
            print(f"{cell}\t{value}")
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from app.ops.local import dumps, format_results, plan_limits, simulate

    outcome = simulate(Path(args.workbook), args.output, args.input, args.iterations, args.seed,
                       args.sampling, args.backend, plan_limits(args.plan))
    print(dumps(outcome) if args.json else format_results(outcome))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from app.ops.demo import run_demo
    from app.ops.local import format_results

    simulation = run_demo(args.url, args.api_key)
    if not args.summary:
        print(json.dumps(simulation, indent=2))
    elif simulation["status"] != "completed":
        print(f"demo simulation {simulation['status']}: {simulation.get('reason')}")
        return 1
    else:
        print(f"demo simulation {simulation['simulation_id']} completed")
        print(format_results(simulation["results"]))
    return 0
    return 0


def _dlq(args: argparse.Namespace) -> int:
    from app.ops.operations import dead_letters, retry_dead_letter

    settings = Settings()
    if args.dlq_command == "list":
        rows = asyncio.run(dead_letters(settings, args.processor, args.all))
        print(json.dumps(rows, indent=2, default=str))
    else:
        print(json.dumps(asyncio.run(retry_dead_letter(settings, args.failure_id)), indent=2))
    return 0


def parser() -> argparse.ArgumentParser:
    from streams.plans import PLANS

    plan_limits: dict[str, Any] = {
        "choices": list(PLANS), "default": "enterprise",
        "help": "refuse a workbook past this plan's parse limits (size, cells, formulas)"}
    top = argparse.ArgumentParser(prog="riskstream", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    api = sub.add_parser("api", help="serve the REST API")
    api.add_argument("--host", default="127.0.0.1")
    api.add_argument("--port", type=int, default=8000)
    api.set_defaults(run=_serve_api)
    processors = sub.add_parser("processors", help="run every stream processor and projector,"
                                " one process each or N with --replicas, restarted when one"
                                " dies")
    processors.add_argument("--only", nargs="+", metavar="NAME", help="just these processors")
    processors.add_argument("--replicas", action="append", default=[], metavar="NAME=N",
                            help="run N processes of this kind, sharing its partitions"
                            " (repeatable; adds to RISKSTREAM_PROCESSOR_REPLICAS)")
    processors.set_defaults(run=_run_processors)
    processor = sub.add_parser("processor", help="run one processor in this process")
    processor.add_argument("name")
    processor.set_defaults(run=_run_processor)
    tenant = sub.add_parser("tenant", help="create a tenant (and its first API key), or move one"
                            " to a database of its own")
    tenant_sub = tenant.add_subparsers(dest="tenant_command", required=True)
    create = tenant_sub.add_parser("create", help="create a tenant and its first API key"
                                   " (`riskstream tenant NAME` for short)")
    create.add_argument("name")
    create.add_argument("--plan", default="free")
    move = tenant_sub.add_parser("move", help="replay a tenant's events into another database,"
                                 " switch its reads there, drop the old copy")
    move.add_argument("tenant_id")
    move.add_argument("--to", required=True, metavar="DSN",
                      help="postgresql://user[:password]@host[:port]/database (the password"
                      " is used, never logged; processes find it in the libpq password file)")
    move.add_argument("--archive", metavar="DIR", help="the cold archive, for a tenant whose"
                      " early events the log no longer holds")
    tenant.set_defaults(run=_tenant)
    admin = sub.add_parser("platform-admin", help="issue a platform admin API key (and user)")
    admin.add_argument("--email", help="also create a platform admin user who can sign in")
    admin.add_argument("--password-stdin", action="store_true",
                       help="read that user's password (12+ characters) from stdin")
    admin.set_defaults(run=_platform_admin)
    replay = sub.add_parser("replay", help="rebuild a projection from the log (and archive)")
    replay.add_argument("projection", choices=["postgres", "mongo", "redis"])
    replay.add_argument("--schema", help="PostgreSQL schema to build (default: the live one)")
    replay.add_argument("--database", help="MongoDB database to build (default: the live one)")
    replay.add_argument("--archive", help="a `riskstream archive` folder to read for what the"
                        " log no longer holds; the log is read from where it ends")
    replay.add_argument("--from", dest="start", metavar="TIME|OFFSET",
                        help="mongo, redis: re-apply only events from this ISO time or offset"
                        " on, over the store as it is")
    replay.set_defaults(run=_replay)
    audit = sub.add_parser("audit", help="check the log's hash chains (tamper evidence)")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="re-read the log and report the first break")
    verify.add_argument("--tenant", help="only the partitions holding this tenant's events")
    verify.add_argument("--log-prefix", help="check a copy of the log under this topic prefix"
                        " against the live log's checkpoints")
    verify.add_argument("--archive", help="a `riskstream archive` folder holding what Kafka's"
                        " retention dropped")
    verify.set_defaults(run=_audit)
    archive = sub.add_parser("archive", help="write the log as Parquet, by tenant and month")
    archive.add_argument("--out", required=True, help="the archive's root folder")
    archive.add_argument("--tenant", help="only this tenant")
    archive.add_argument("--through", help="last month to archive, YYYY-MM (default: the"
                         " month before this one)")
    archive.set_defaults(run=_archive)
    dlq = sub.add_parser("dlq", help="parked messages: list them, hand one back")
    dlq_sub = dlq.add_subparsers(dest="dlq_command", required=True)
    dlq_list = dlq_sub.add_parser("list", help="messages a processor parked (newest first)")
    dlq_list.add_argument("--processor", help="only this processor's")
    dlq_list.add_argument("--all", action="store_true", help="those handed back too")
    dlq_retry = dlq_sub.add_parser("retry", help="hand a parked message back to its processor")
    dlq_retry.add_argument("failure_id")
    dlq.set_defaults(run=_dlq)
    backup = sub.add_parser("backup", help="back up what the log cannot rebuild (subject keys,"
                            " chain checkpoints, idempotency keys), the event archive and the"
                            " blobs, with a manifest of checksums")
    backup.add_argument("--out", required=True, help="a new or empty folder")
    backup.add_argument("--wait", type=float, default=60.0, metavar="SECONDS",
                        help="how long to wait for the PostgreSQL projector to reach the end"
                        " of the log")
    backup.set_defaults(run=_backup)
    restore = sub.add_parser("restore", help="restore a backup and rebuild every view from it"
                             " and the log (processors stopped)")
    restore.add_argument("folder")
    restore.set_defaults(run=_restore)
    status = sub.add_parser("status", help="dependencies, processors' heartbeats and lag,"
                            " parked messages")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=_status)
    recalc = sub.add_parser("recalc", help="evaluate every formula once, as Excel would")
    recalc.add_argument("workbook")
    recalc.add_argument("--json", action="store_true")
    recalc.add_argument("--plan", **plan_limits)
    recalc.set_defaults(run=_recalc)
    sim = sub.add_parser("simulate", help="run a simulation locally, with no services")
    sim.add_argument("workbook")
    sim.add_argument("--output", action="append", default=[], help="Sheet!A1 (repeatable)")
    sim.add_argument("--input", action="append", default=[],
                     help="Sheet!A1=normal(100,10) (repeatable)")
    sim.add_argument("--iterations", type=int, default=10_000)
    sim.add_argument("--seed", type=int)
    sim.add_argument("--sampling", choices=["lhs", "mc"], default="lhs")
    sim.add_argument("--backend", choices=["numpy", "cupy"], default="numpy")
    sim.add_argument("--json", action="store_true")
    sim.add_argument("--plan", **plan_limits)
    sim.set_defaults(run=_simulate)
    demo = sub.add_parser("demo", help="upload the example workbook and simulate it via REST")
    demo.add_argument("--url", default="http://127.0.0.1:8000")
    demo.add_argument("--api-key", required=True)
    demo.add_argument("--summary", action="store_true", help="print a summary, not the JSON")
    demo.set_defaults(run=_demo)
    return top


def shorthand(argv: list[str]) -> list[str]:
    """``riskstream tenant NAME …`` is ``riskstream tenant create NAME …``."""
    if argv[:1] == ["tenant"] and argv[1:2] and argv[1] not in {"create", "move", "-h", "--help"}:
        return ["tenant", "create", *argv[1:]]
    return argv


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(shorthand(sys.argv[1:] if argv is None else argv))
    if args.command not in LOCAL_TOOLS:
        configure_logs(args.name if args.command == "processor" else args.command)
    try:
        return int(args.run(args))
    except (ValueError, FileNotFoundError) as exc:
        print(f"riskstream {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print(f"riskstream {args.command}: error: the workbook needs more memory than this"
              " machine has", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
