"""Starting the playground: the local Slack, the real bot wired to it on loopback, the clock,
the seeded workspace and what is kept between runs."""

from __future__ import annotations

import json
import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIServer

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import Engine

from bot.app import build_app, build_deliverer
from bot.config import Settings, load_settings
from bot.jobs import JOBS, JobRuntime, run_job
from bot.outbox_worker import OutboxWorker
from bot.scheduler import build_scheduler
from bot.serve import EVENTS_PATH, make_http_server
from playground.cast import BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, populate
from playground.clock import Move, SimulatedClock
from playground.seed import Seeder, seed
from slackfake import FakeSlack
from slackfake.sim import SlackSim
from storage import clock as storage_clock
from storage.db import make_engine
from storage.migrate import upgrade

logger = logging.getLogger("cadence.playground")

BOT_TOKEN = "xoxb-playground-local-only"
LOOPBACK = "127.0.0.1"
SAVE_EVERY_SECONDS = 2.0


class NotLocal(RuntimeError):
    """The bot would talk to something other than the local Slack: refuse to go on."""


@dataclass(frozen=True)
class Options:
    """What `cadence-bot playground` was asked for."""

    directory: Path
    zone: str = "UTC"
    empty: bool = False
    reset: bool = False

    @property
    def database(self) -> Path:
        """The playground's SQLite file, kept between runs."""
        return self.directory / "playground.db"

    @property
    def state_file(self) -> Path:
        """What the local Slack showed, and the simulated time, kept between runs."""
        return self.directory / "playground.state.json"


def ensure_local(settings: Settings, fake: FakeSlack, *clients_urls: str) -> None:
    """Raise NotLocal unless the bot's Web API base URL (and every client's) is the local Slack."""
    urls = [settings.slack_api_url or "https://slack.com/api/", *clients_urls]
    for url in urls:
        if url != fake.url or urlsplit(url).hostname != LOOPBACK:
            raise NotLocal(f"the playground's bot would call {url}, not the local Slack")
    if settings.socket_mode:
        raise NotLocal("the playground's bot would connect to Slack over Socket Mode")


class Playground:
    """Everything `cadence-bot playground` runs, but the page (web.py)."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.fresh = options.reset or not options.database.exists()
        kept = self._kept_state()
        self.clock = SimulatedClock(timedelta(seconds=kept.get("clock_offset_seconds", 0)))
        self.fake = FakeSlack(
            clock=self.clock.epoch,
            tokens={BOT_TOKEN},
            team_id=TEAM_ID,
            team_domain=TEAM_DOMAIN,
            bot_user_id=BOT_USER_ID,
        )
        self._kept_slack = kept.get("slack")
        self._signing_secret = secrets.token_hex(16)
        self._stop_saving = threading.Event()
        self._bot_server: WSGIServer | None = None
        self.engine: Engine | None = None
        self.worker: OutboxWorker | None = None
        self.scheduler: BaseScheduler | None = None

    # ----- start and stop ----------------------------------------------------------------------

    def start(self) -> None:
        """Start the local Slack and the bot; fill the workspace on a fresh start."""
        if self.fresh:
            self.forget()  # --reset, or leftovers of a database that is gone
        self.fake.start()
        populate(self.fake, zone=self.options.zone)
        if self._kept_slack:
            self.fake.restore(self._kept_slack)
        self.settings = load_settings(
            env_file=None,
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=self._signing_secret,
            slack_app_token=None,
            slack_api_url=self.fake.url,
            database_url=f"sqlite:///{self.options.database}",
            cadence_timezone=self.options.zone,
        )
        self.engine = make_engine(self.settings.database_url)
        upgrade(self.engine)
        storage_clock.set_clock(self.clock)
        # The local Slack has no rate limits, so nothing is paced or budgeted (seeding posts
        # weeks of messages in seconds, on a clock that jumps).
        self.deliverer = build_deliverer(
            self.settings, self.engine, retries=False, channel_pace=0, limits={}
        )
        self.worker = OutboxWorker(self.deliverer, interval=0.5)
        app = build_app(self.settings, self.engine, on_commit=self.worker.kick)
        ensure_local(self.settings, self.fake, app.client.base_url, self.deliverer.client.base_url)
        self._bot_server = make_http_server(app, host=LOOPBACK, port=0)
        threading.Thread(  # polling every 50 ms: stop() need not wait up to half a second
            target=self._bot_server.serve_forever, args=(0.05,), name="bot-http", daemon=True
        ).start()
        self.bot_url = f"http://{LOOPBACK}:{self._bot_server.server_port}{EVENTS_PATH}"
        self.sim = SlackSim(
            self.bot_url, self._signing_secret, self.fake, TEAM_ID, self.fake.app_id
        )
        self.worker.start()
        self.runtime = JobRuntime(self.settings, self.engine, self.deliverer)
        if self.fresh and not self.options.empty:
            self.seed()
        self.scheduler = build_scheduler(self.runtime)
        self.scheduler.start()
        self.save()
        threading.Thread(target=self._keep_saving, name="playground-save", daemon=True).start()

    def seed(self) -> None:
        """Fill the workspace through the bot (a few seconds)."""
        seeder = Seeder(
            sim=self.sim,
            fake=self.fake,
            clock=self.clock,
            engine=self.engine,
            deliver=self.deliverer.deliver_due,
            open_threads=lambda: self.run_job("open-governance-threads"),
        )
        seed(seeder, zone=self.options.zone)

    def stop(self) -> None:
        """Stop everything and keep what the workspace shows for the next run."""
        self._stop_saving.set()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        if self.worker is not None:
            self.worker.stop()
        if self._bot_server is not None:
            self._bot_server.shutdown()
            self._bot_server.server_close()
        self.save()
        self.fake.stop()
        if self.engine is not None:
            self.engine.dispose()
        storage_clock.set_clock(None)

    def forget(self) -> None:
        """--reset: remove the database and the kept state."""
        for path in (self.options.database, self.options.state_file):
            for extra in ("", "-wal", "-shm"):
                Path(f"{path}{extra}").unlink(missing_ok=True)

    # ----- time and jobs -----------------------------------------------------------------------

    def move_clock(self, move: Move) -> datetime:
        """Move the simulated time, then run what is due as the scheduler would."""
        moment = self.clock.move(move, self.options.zone)
        for job in JOBS.values():  # every scheduled job: new ones are not forgotten here
            if job.trigger:
                run_job(job, self.runtime)
        self.worker.kick()
        self.save()
        return moment

    def run_job(self, name: str) -> str:
        """Run one of the bot's jobs now."""
        return run_job(JOBS[name], self.runtime)

    # ----- kept between runs -------------------------------------------------------------------

    def save(self) -> None:
        """Write the simulated time and what the local Slack shows (atomically)."""
        state = {"clock_offset_seconds": self.clock.offset.total_seconds()}
        state["slack"] = self.fake.snapshot()
        path = self.options.state_file
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state))
        temporary.replace(path)

    def _kept_state(self) -> dict:
        if self.fresh or not self.options.state_file.exists():
            return {}
        return json.loads(self.options.state_file.read_text())

    def _keep_saving(self) -> None:
        seen = self.fake.version
        while not self._stop_saving.wait(SAVE_EVERY_SECONDS):
            if self.fake.version != seen:
                seen = self.fake.version
                self.save()
