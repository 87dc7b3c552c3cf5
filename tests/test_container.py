"""The container files, checked without a Docker daemon (CI builds the image when it has one).

A small Dockerfile parser and hadolint-style rules: multi-stage, pinned bases, a non-root
user, a HEALTHCHECK on /healthz, the locked dependencies installed with uv, no secrets and no
remote ADD; compose.yaml runs Cadence with PostgreSQL, both with health checks.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from bot.server import GRACEFUL_TIMEOUT_SECONDS

ROOT = Path(__file__).resolve().parent.parent
SECRET_WORDS = re.compile(r"TOKEN|SECRET|PASSWORD|API_KEY", re.IGNORECASE)
SLACK_TOKEN = re.compile(r"xox[abposer]-|xapp-")


@dataclass
class Stage:
    """One FROM … AS name section of the Dockerfile."""

    image: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        """The arguments of every `keyword` instruction in this stage."""
        return [args for kw, args in self.instructions if kw == keyword]


@dataclass
class Dockerfile:
    """The parsed file: global ARGs and the stages in order."""

    args: dict[str, str]
    stages: list[Stage]

    def resolve(self, image: str) -> str:
        """A FROM image with ${ARG} defaults substituted."""
        return re.sub(r"\$\{?(\w+)\}?", lambda m: self.args.get(m.group(1), m.group(0)), image)


def parse_dockerfile(text: str) -> Dockerfile:
    """Instructions with line continuations joined and comments dropped."""
    logical, current = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1].rstrip() + " "
            continue
        logical.append(current + line)
        current = ""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "FROM":
            words = rest.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        elif not stages and keyword == "ARG":
            key, _, value = rest.partition("=")
            args[key] = value
        elif stages:
            stages[-1].instructions.append((keyword, rest))
    return Dockerfile(args, stages)


@pytest.fixture(scope="module")
def dockerfile() -> Dockerfile:
    """The repository's Dockerfile, parsed."""
    return parse_dockerfile((ROOT / "Dockerfile").read_text())


@pytest.fixture(scope="module")
def compose() -> dict:
    """compose.yaml, parsed."""
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_the_parser_reads_stages_arguments_and_continuations():
    parsed = parse_dockerfile(
        "ARG BASE=python:3.11.11-slim\n# comment\nFROM ${BASE} AS build\nRUN a \\\n  && b\n"
        "FROM ${BASE}\nUSER app\n"
    )
    assert [s.name for s in parsed.stages] == ["build", None]
    assert parsed.stages[0].all("RUN") == ["a && b"]
    assert parsed.resolve(parsed.stages[1].image) == "python:3.11.11-slim"


def test_dockerfile_is_multi_stage_and_the_runtime_copies_from_the_build(dockerfile):
    build, runtime = dockerfile.stages[0], dockerfile.stages[-1]
    assert len(dockerfile.stages) >= 2 and build.name
    assert any(f"--from={build.name}" in copy for copy in runtime.all("COPY"))
    assert not any("uv" in run for run in runtime.all("RUN")), "no build tools at runtime"


def test_every_base_image_is_pinned_and_slim(dockerfile):
    for stage in dockerfile.stages:
        image = dockerfile.resolve(stage.image)
        assert "$" not in image, f"unresolved {image}"
        assert "@sha256:" in image or re.search(r":\d+\.\d+\.\d+", image), f"{image} not pinned"
        assert not image.endswith(":latest")
    assert "slim" in dockerfile.resolve(dockerfile.stages[-1].image)
    for copy in (c for stage in dockerfile.stages for c in stage.all("COPY")):
        source = re.search(r"--from=(\S+)", copy)
        if source and "/" in source.group(1):  # an image, not a stage
            assert re.search(r":\d+\.\d+\.\d+", source.group(1)), f"{copy} not pinned"


def test_the_runtime_runs_as_a_non_root_user(dockerfile):
    users = dockerfile.stages[-1].all("USER")
    assert users, "the runtime stage sets no USER"
    assert users[-1].split(":")[0] not in ("root", "0")


def test_healthcheck_probes_healthz_and_the_command_is_cadence_bot_run(dockerfile):
    runtime = dockerfile.stages[-1]
    (healthcheck,) = runtime.all("HEALTHCHECK")
    assert "CMD" in healthcheck and "/healthz" in healthcheck
    assert re.search(r"--interval=\d+s", healthcheck) and re.search(r"--timeout=\d+s", healthcheck)
    (command,) = runtime.all("CMD")
    assert shlex.split(command.strip("[]").replace(",", " ")) == ["cadence-bot", "run"]


def test_the_locked_dependencies_are_installed_with_uv(dockerfile):
    runs = [run for stage in dockerfile.stages for run in stage.all("RUN")]
    syncs = [run for run in runs if "uv sync" in run]
    assert syncs and all("--locked" in run and "--no-dev" in run for run in syncs)
    copied = " ".join(c for stage in dockerfile.stages for c in stage.all("COPY"))
    assert "uv.lock" in copied and "pyproject.toml" in copied


def test_every_package_the_wheel_ships_is_copied(dockerfile):
    """The handlers keep to slackfake's limits, so the image needs every shipped package."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    copied = [c.split()[0] for stage in dockerfile.stages for c in stage.all("COPY")]
    assert set(packages) <= set(copied), f"not copied: {set(packages) - set(copied)}"


def test_no_secrets_and_no_remote_add(dockerfile):
    for stage in dockerfile.stages:
        assert not stage.all("ADD"), "use COPY (hadolint DL3020); never ADD a URL"
        for keyword in ("ENV", "ARG"):
            for args in stage.all(keyword):
                names = re.findall(r"(\w+)=", args) or args.split()[:1]
                assert not [n for n in names if SECRET_WORDS.search(n)], f"{keyword} {args}"
    text = (ROOT / "Dockerfile").read_text()
    assert not SLACK_TOKEN.search(text)


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".venv", ".git", "*.db", "tests"):
        assert entry in ignored, entry


def test_compose_runs_cadence_after_a_healthy_postgres(compose):
    services = compose["services"]
    assert set(services) >= {"cadence", "postgres"}
    cadence, postgres = services["cadence"], services["postgres"]
    assert cadence["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert cadence["env_file"] == ".env" or ".env" in cadence["env_file"]
    assert cadence["environment"]["DATABASE_URL"].startswith("postgresql://")
    assert "@postgres:5432/" in cadence["environment"]["DATABASE_URL"]
    assert "build" in cadence
    assert re.search(r":\d+(\.\d+)+", postgres["image"]), "pin the PostgreSQL image"


def test_compose_services_have_health_checks(compose):
    cadence, postgres = compose["services"]["cadence"], compose["services"]["postgres"]
    assert "/healthz" in " ".join(cadence["healthcheck"]["test"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    for service in (cadence, postgres):
        assert {"interval", "timeout", "retries"} <= set(service["healthcheck"])
    assert "postgres-data" in compose.get("volumes", {})


def test_compose_gives_cadence_time_to_finish_what_it_acked(compose):
    # docker stops a container with SIGKILL 10 s after SIGTERM unless told otherwise; a worker
    # may need GRACEFUL_TIMEOUT_SECONDS to store the votes it acked (tests/bot/test_server_drain).
    grace = compose["services"]["cadence"]["stop_grace_period"]
    assert grace.endswith("s") and int(grace[:-1]) > GRACEFUL_TIMEOUT_SECONDS
