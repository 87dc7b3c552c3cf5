"""`cadence-bot`: run the bot, migrate the database, run a job now, or check the set-up."""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.app import build_client, build_deliverer
from bot.cli_export import add_export_command
from bot.config import (
    ConfigError,
    DatabaseSettings,
    Settings,
    load_database_settings,
    load_settings,
)
from bot.jobs import JOBS, JobRuntime, run_job
from bot.logs import configure_logging
from bot.metrics import enable_multiprocess, keep_metrics_in_process
from bot.web import EVENTS_PATH

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.server import WorkerApp
from storage.audit_verify import verify_chain
from storage.backup import PG_DUMP_ADVICE, BackupRefused, backup_sqlite, sqlite_path
from storage.db import make_engine, new_session
from storage.migrate import current_revision, head_revision, upgrade

logger = logging.getLogger("cadence")

EXIT_CONFIG = 2


class PortUnavailable(Exception):
    """The HTTP port is taken or not allowed."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `cadence-bot` console script."""
    args = _parser().parse_args(argv)
    # Only the server shares its metrics between processes (PROMETHEUS_MULTIPROC_DIR); a
    # one-off command such as `jobs run` must not write into a running server's directory.
    args.metrics_directory = keep_metrics_in_process()
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CONFIG
    except PortUnavailable as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"Cadence cannot reach its database: {exc.__class__.__name__}: {exc}",
              file=sys.stderr)  # fmt: skip
        print("Check DATABASE_URL and that the database server is running.", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cadence-bot", description="Cadence: your AI operating cadence, run in Slack."
    )
    parser.set_defaults(func=_cmd_run)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    commands.add_parser("run", help="migrate, start the scheduler and serve Slack (default)")
    db = commands.add_parser("db", help="database maintenance").add_subparsers(
        title="db commands", metavar="DB_COMMAND", required=True
    )
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=_cmd_db_upgrade)
    backup = db.add_parser("backup", help="a consistent copy of the live SQLite database")
    backup.add_argument("file", type=Path, help="where to write the copy (must not exist)")
    backup.set_defaults(func=_cmd_db_backup)
    audit = commands.add_parser("audit", help="the audit log").add_subparsers(
        title="audit commands", metavar="AUDIT_COMMAND", required=True
    )
    audit.add_parser(
        "verify", help="walk the audit hash chain; name the first row edited, deleted or inserted"
    ).set_defaults(func=_cmd_audit_verify)
    jobs = commands.add_parser("jobs", help="scheduled jobs").add_subparsers(
        title="jobs commands", metavar="JOBS_COMMAND", required=True
    )
    jobs.add_parser("list", help="list the jobs").set_defaults(func=_cmd_jobs_list)
    run_one = jobs.add_parser("run", help="run one job once, now")
    run_one.add_argument("name", help="the job's name (see `cadence-bot jobs list`)")
    run_one.set_defaults(func=_cmd_jobs_run)
    commands.add_parser("check", help="verify the token, the database and the configuration")
    add_export_command(commands)
    _add_playground(commands)
    for name, func in (("run", _cmd_run), ("check", _cmd_check)):
        commands.choices[name].set_defaults(func=func)
    return parser


def _add_playground(commands: argparse._SubParsersAction) -> None:
    playground = commands.add_parser(
        "playground", help="try Cadence in a local Slack workspace in your browser (no tokens)"
    )
    playground.add_argument("--empty", action="store_true", help="start with no workflows")
    playground.add_argument("--reset", action="store_true", help="forget the kept workspace")
    playground.add_argument("--host", help="the page's address (default 127.0.0.1)")
    playground.add_argument("--port", type=int, default=3000, help="the page's port")
    playground.set_defaults(func=_cmd_playground)


def _cmd_playground(args: argparse.Namespace) -> int:
    # Imported here so that the bot itself never loads the playground (nor its seed and page).
    from playground.main import PortTaken, command

    try:
        return command(args)
    except PortTaken as exc:
        raise PortUnavailable(str(exc)) from None


def _cmd_db_upgrade(_args: argparse.Namespace) -> int:
    settings = load_database_settings()
    _configure_logging(settings)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    print(f"Database is at revision {current_revision(engine)}.")
    return 0


def _cmd_db_backup(args: argparse.Namespace) -> int:
    settings = load_database_settings()
    try:
        source = sqlite_path(settings.database_url)
        if source is None:
            print(PG_DUMP_ADVICE)
            print("\nNo backup was written.", file=sys.stderr)
            return EXIT_CONFIG
        done = backup_sqlite(source, args.file)
    except BackupRefused as exc:
        print(f"No backup was written: {exc}", file=sys.stderr)
        return 1
    print(f"Backed up {done.source} to {done.target} ({done.bytes / 1e6:.1f} MB, one moment's "
          "consistent copy).")  # fmt: skip
    return 0


def _cmd_audit_verify(_args: argparse.Namespace) -> int:
    settings = load_database_settings()
    _configure_logging(settings)
    engine = make_engine(settings.database_url)
    at, head = current_revision(engine), head_revision(engine)
    if at != head:
        print(f"The database is at revision {at}, this Cadence expects {head}: run "
              "`cadence-bot db upgrade` first.", file=sys.stderr)  # fmt: skip
        return EXIT_CONFIG
    with new_session(engine) as db:
        result = verify_chain(db)
    if result.problem is not None:
        print(f"The audit log was tampered with: {result.problem}")
        print(f"({result.rows} rows before it verified.)")
        return 1
    print(f"verified {result.rows} rows")
    for chain in result.heads:
        print(f"  workspace {chain.team_id}: {chain.seq} rows, newest hash {chain.hash}")
    return 0


def _cmd_jobs_list(_args: argparse.Namespace) -> int:
    for job in JOBS.values():
        print(f"{job.name:24} {job.description}")
    return 0


def _cmd_jobs_run(args: argparse.Namespace) -> int:
    job = JOBS.get(args.name)
    if job is None:
        known = ", ".join(sorted(JOBS))
        print(f"There is no job called {args.name!r}. Known jobs: {known}.", file=sys.stderr)
        return EXIT_CONFIG
    settings = load_settings()
    _configure_logging(settings)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    # No client-side retries: the outbox retries itself, and a blind re-send could post twice.
    runtime = JobRuntime(settings, engine, build_deliverer(settings, engine, retries=False))
    print(f"{job.name}: {run_job(job, runtime)}")
    return 0


def _cmd_check(_args: argparse.Namespace) -> int:
    settings = load_settings()
    problems = 0
    try:
        if settings.oauth:
            print("ok   Installs to many workspaces (OAuth): each uses its own token; "
                  "install at https://YOUR-HOST/slack/install.")  # fmt: skip
        else:
            identity = build_client(settings).auth_test()
            print(f"ok   Slack token works: bot @{identity.get('user')} in {identity.get('team')}.")
    except SlackApiError as exc:
        problems += 1
        error = exc.response.get("error")
        print(f"FAIL Slack rejected SLACK_BOT_TOKEN ({error}). Copy the Bot User OAuth Token "
              "again from your app's OAuth & Permissions page.")  # fmt: skip
    except OSError as exc:
        problems += 1
        print(f"FAIL Cannot reach Slack at {settings.slack_api_url or 'slack.com'}: {exc}.")
    try:
        engine = make_engine(settings.database_url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        at, head = current_revision(engine), head_revision(engine)
        if at == head:
            print(f"ok   Database reachable and up to date (revision {head}).")
        else:
            print(f"WARN Database reachable but at revision {at}, code expects {head}: "
                  "run `cadence-bot db upgrade`.")  # fmt: skip
    except SQLAlchemyError as exc:
        problems += 1
        print(f"FAIL Cannot use the database at DATABASE_URL: {exc.__class__.__name__}.")
    mode = "Socket Mode" if settings.socket_mode else f"HTTP on port {settings.port}"
    print(f"ok   Will serve Slack over {mode}; times shown in {settings.cadence_timezone}.")
    return 0 if problems == 0 else 1


def _cmd_run(args: argparse.Namespace) -> int:
    # Imported here (before the fork, so the workers share them): the one-off commands start
    # faster without the server and what its workers run.
    from bot.runtime import build_runtime
    from bot.server import bind, serve

    settings = load_settings()
    _configure_logging(settings)
    engine = make_engine(settings.database_url)
    upgrade(engine)  # once, here, before the workers start
    engine.dispose()
    try:
        listener = bind("0.0.0.0", settings.port)
    except OSError as exc:
        raise PortUnavailable(
            f"Cadence cannot listen on PORT {settings.port}: {exc.strerror or exc}. "
            "Stop whatever uses that port or set PORT to a free one."
        ) from None
    # Socket Mode holds one connection to Slack; the port then serves the probes, the API and
    # the install pages from one worker.
    workers = 1 if settings.socket_mode else settings.web_concurrency
    with _metrics_directory(args.metrics_directory) as directory:
        enable_multiprocess(directory)
        logger.info(
            "Cadence is listening on http://0.0.0.0:%s%s with %d worker process(es) of %d "
            "threads", settings.port, EVENTS_PATH, workers, settings.web_threads,
        )  # fmt: skip
        status = serve(
            functools.partial(_start_worker, settings, build_runtime),
            listener,
            workers=workers,
            threads=settings.web_threads,
            log_level=settings.log_level,
        )
    logger.info("Cadence stopped.")
    return status


def _start_worker(settings: Settings, build_runtime: Callable[[Settings], Runtime]) -> WorkerApp:
    """Runs in each worker process, after the fork."""
    from bot.server import WorkerApp  # already loaded by _cmd_run

    runtime = build_runtime(settings)
    runtime.start()
    return WorkerApp(runtime.wsgi, runtime.stop)


@contextlib.contextmanager
def _metrics_directory(given: str | None) -> Iterator[Path]:
    """PROMETHEUS_MULTIPROC_DIR when it was set, else a temporary directory removed at exit."""
    if given:
        yield Path(given)
        return
    with tempfile.TemporaryDirectory(prefix="cadence-metrics-") as directory:
        yield Path(directory)


def _configure_logging(settings: DatabaseSettings) -> None:
    secrets = settings.secrets if isinstance(settings, Settings) else []
    configure_logging(settings.log_level_number, json_lines=settings.json_logs, secrets=secrets)


if __name__ == "__main__":
    sys.exit(main())
