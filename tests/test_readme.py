"""README.md is the manual: what it names must exist, and what exists must be in it.

The code is read with `ast` rather than imported (importing the bot takes seconds), and the
README with a small Markdown reader: headings, fenced blocks, inline code spans and tables.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

# Paths the README names that are made at run time, never committed.
GENERATED_PATHS = {"tests/artifacts/", "benchmarks/results/latest.json"}
# `/cadence help` is answered by the /cadence listener itself, not by a row of SUBCOMMANDS.
BUILT_IN_SUBCOMMANDS = {"help"}
TOP_DIRS = (
    "bot", "cadence", "handlers", "storage", "slackfake", "playground", "benchmarks", "tests",
    r"\.ci", "docs",
)  # fmt: skip
ROOT_FILES = ("manifest.yml", "compose.yaml", "Dockerfile", "pyproject.toml")


@dataclass
class Section:
    """One heading of the README, with its own text (up to the next heading of any level)."""

    level: int
    title: str
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Manual:
    """The README, read once."""

    text: str
    sections: list[Section]
    fenced: list[str]  # lines inside ``` blocks
    spans: list[str]  # inline `code` spans outside fenced blocks, newlines folded to spaces

    def section(self, title: str) -> Section:
        found = [s for s in self.sections if s.title == title]
        assert len(found) == 1, f"README has {len(found)} sections titled {title!r}"
        return found[0]

    def under(self, title: str) -> str:
        """A section's text with its sub-sections."""
        start = next(i for i, s in enumerate(self.sections) if s.title == title)
        level = self.sections[start].level
        parts = [self.sections[start].text]
        for s in self.sections[start + 1 :]:
            if s.level <= level:
                break
            parts.append(s.text)
        return "\n".join(parts)

    @property
    def code(self) -> list[str]:
        """Every piece of code the README shows: code-block lines and inline spans."""
        return self.fenced + self.spans


SPAN = re.compile(r"(?<!`)`([^`]+)`(?!`)")


@cache
def manual() -> Manual:
    text = README.read_text(encoding="utf-8")
    sections = [Section(0, "")]
    fenced: list[str] = []
    prose: list[str] = []
    in_fence = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            prose.append("")
            continue
        if in_fence:
            fenced.append(line.strip())
            sections[-1].lines.append(line)
            continue
        heading = re.match(r"(#{1,6}) (.+)", line)
        if heading:
            sections.append(Section(len(heading[1]), heading[2].strip()))
            prose.append("")
            continue
        sections[-1].lines.append(line)
        prose.append(line)
    spans = []
    for paragraph in "\n".join(prose).split("\n\n"):
        # A table cell's `\|` is a pipe inside the span.
        spans += [" ".join(s.replace("\\|", "|").split()) for s in SPAN.findall(paragraph)]
    return Manual(text, sections, fenced, spans)


def table(text: str) -> list[list[str]]:
    """The body rows of the Markdown tables in `text`, split into cells."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("|") or re.fullmatch(r"\|[\s|:-]+\|", line.strip()):
            continue
        cells = re.split(r"(?<!\\)\|", line.strip()[1:-1])
        rows.append([c.strip().replace("\\|", "|") for c in cells])
    return rows[1:] if rows else rows  # without the header row


def first_span(cell: str) -> str:
    match = SPAN.search(cell)
    return match[1] if match else ""


# ---- the code, read with ast -------------------------------------------------------------


def module(path: str) -> ast.Module:
    return ast.parse((ROOT / path).read_text(encoding="utf-8"))


def assigned(path: str, name: str) -> ast.expr:
    for node in module(path).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if any(isinstance(t, ast.Name) and t.id == name for t in targets) and node.value:
            return node.value
    raise AssertionError(f"{path} no longer assigns {name}")


def subcommands() -> set[str]:
    table_ = assigned("handlers/commands/subcommands.py", "SUBCOMMANDS")
    assert isinstance(table_, ast.Dict)
    return {ast.literal_eval(k) for k in table_.keys if k is not None}


def settings_variables() -> set[str]:
    """The environment variables the settings classes of bot/config.py read (no prefix)."""
    classes = {n.name: n for n in module("bot/config.py").body if isinstance(n, ast.ClassDef)}

    def fields(name: str) -> set[str]:
        node = classes[name]
        own = {
            s.target.id
            for s in node.body
            if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
            and s.target.id != "model_config" and not s.target.id.startswith("_")
        }  # fmt: skip
        for base in node.bases:
            if isinstance(base, ast.Name) and base.id in classes:
                own |= fields(base.id)
        return own

    source = (ROOT / "bot/config.py").read_text(encoding="utf-8")
    assert "env_prefix" not in source, "settings gained a prefix: this test must learn it"
    return {name.upper() for name in fields("Settings")}


def cli_commands() -> set[tuple[str, ...]]:
    """Every `cadence-bot` command as its words, e.g. ("db", "backup"), leaves only.

    Read from the argparse calls of bot/cli.py and bot/cli_export.py: `X.add_parser("name")`
    adds a command under X, where X is the top level (`parser.add_subparsers(...)` or a
    `commands` parameter) or a group (`g = X.add_parser("g").add_subparsers(...)`).
    """
    groups: dict[str, tuple[str, ...]] = {"commands": ()}
    found: set[tuple[str, ...]] = set()
    for path in ("bot/cli.py", "bot/cli_export.py"):
        tree = module(path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                call = node.value
                if isinstance(call.func, ast.Attribute) and call.func.attr == "add_subparsers":
                    inner = call.func.value
                    name = node.targets[0].id  # type: ignore[attr-defined]
                    if isinstance(inner, ast.Call) and _is_add_parser(inner):
                        parent = groups[inner.func.value.id]  # type: ignore[attr-defined]
                        groups[name] = (*parent, ast.literal_eval(inner.args[0]))
                    else:
                        groups[name] = ()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _is_add_parser(node):
                parent = groups[node.func.value.id]  # type: ignore[attr-defined]
                found.add((*parent, ast.literal_eval(node.args[0])))
    return {c for c in found if not any(o[: len(c)] == c and o != c for o in found)}


def _is_add_parser(call: ast.Call) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute) and func.attr == "add_parser"
        and isinstance(func.value, ast.Name) and isinstance(call.args[0], ast.Constant)
    )  # fmt: skip


def job_names() -> set[str]:
    names = set()
    for node in ast.walk(module("bot/jobs.py")):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Job":
            names |= {ast.literal_eval(k.value) for k in node.keywords if k.arg == "name"}
    return names


def benchmark_names() -> set[str]:
    return set(ast.literal_eval(assigned("benchmarks/run.py", "ALL")))


def functions_in(path: Path) -> set[str]:
    return {
        n.name
        for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name.startswith("test")
    }


# ---- (a) files and tests ------------------------------------------------------------------

CITED_PATH = re.compile(
    rf"^(?:(?:{'|'.join(TOP_DIRS)})/[\w./-]*|{'|'.join(map(re.escape, ROOT_FILES))})$"
)


def cited_paths() -> set[str]:
    cited = set()
    for span in manual().spans:
        for word in re.split(r"[\s,()]+", span):
            path = word.split("::")[0].rstrip(".:")
            if CITED_PATH.match(path):
                cited.add(word.rstrip(".:,"))
    return cited


def test_every_path_the_readme_cites_exists():
    paths = cited_paths()
    assert any(p.startswith("tests/") for p in paths), "the reader found no test paths"
    missing = sorted(
        p for p in paths if p.split("::")[0] not in GENERATED_PATHS
        and not (ROOT / p.split("::")[0]).exists()
    )  # fmt: skip
    assert missing == [], f"README cites paths that do not exist: {missing}"


def test_every_test_the_readme_cites_by_name_exists():
    named = sorted(p for p in cited_paths() if "::" in p)
    assert named, "the reader found no path::test citations"
    missing = []
    for citation in named:
        path, name = citation.split("::", 1)
        name = name.split("[")[0]
        if (ROOT / path).is_file() and name not in functions_in(ROOT / path):
            missing.append(citation)
    assert missing == [], f"README cites tests that do not exist: {missing}"


def test_every_guarantee_names_a_test_that_exists():
    rows = table(manual().section("What Cadence guarantees, and how it is tested").text)
    assert len(rows) > 20
    for guarantee, proof in rows:
        tests = [p for p in re.findall(r"`(tests/[^`]+)`", proof) if p.endswith((".py", "/"))
                 or "::" in p]  # fmt: skip
        assert tests, f"no test proves: {guarantee[:80]}…"


# ---- (b) /cadence sub-commands ------------------------------------------------------------

CADENCE_USE = re.compile(r"(?:^|[\s`(])/cadence\s+([a-z][\w-]*)")


def test_every_cadence_command_the_readme_shows_exists():
    known = subcommands() | BUILT_IN_SUBCOMMANDS
    shown = {name for code in manual().code for name in CADENCE_USE.findall(" " + code)}
    assert shown, "the reader found no /cadence commands"
    assert shown - known == set(), (
        f"README shows /cadence commands that do not exist: {shown - known}"
    )


def test_every_cadence_sub_command_is_in_the_command_table_with_an_example():
    rows = table(manual().section("Slack commands").text)
    listed: dict[str, list[str]] = {}
    for row in rows:
        for name in CADENCE_USE.findall(" " + first_span(row[0])):
            listed.setdefault(name, []).append(" ".join(row))
    missing = sorted((subcommands() | BUILT_IN_SUBCOMMANDS) - set(listed))
    assert missing == [], f"/cadence sub-commands missing from the Slack commands table: {missing}"
    # An example is a command as typed: no placeholder (CAPITALS, [optional], a|b, …).
    placeholder = re.compile(r"\b[A-Z][A-Z/_:]+\b|[\[\]|…]")
    examples = {
        name
        for code in manual().code
        for name in CADENCE_USE.findall(" " + code)
        if not placeholder.search(code[code.index("/cadence") :])
    }
    without = sorted((subcommands() | BUILT_IN_SUBCOMMANDS) - examples)
    assert without == [], f"/cadence sub-commands with no example in the README: {without}"


def test_every_slash_command_of_the_manifest_is_in_the_command_table():
    manifest = (ROOT / "manifest.yml").read_text(encoding="utf-8")
    commands = set(re.findall(r"^\s*- command: (/[\w-]+)$", manifest, re.M))
    assert commands
    listed = {
        first_span(row[0]).split()[0] for row in table(manual().section("Slack commands").text)
    }
    assert commands - listed == set()
    assert listed - commands == set(), "the table shows commands the app does not register"


# ---- (c) configuration --------------------------------------------------------------------


def configuration_variables() -> set[str]:
    return {first_span(row[0]) for row in table(manual().section("Configuration").text)}


def test_every_setting_is_documented_in_the_configuration_section():
    read = settings_variables()
    assert {"SLACK_BOT_TOKEN", "DATABASE_URL", "CADENCE_TIMEZONE"} <= read
    missing = sorted(read - configuration_variables())
    assert missing == [], f"settings missing from the Configuration table: {missing}"


def test_every_documented_variable_is_read_somewhere():
    literals = set()
    for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "storage").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
    unread = sorted(configuration_variables() - settings_variables() - literals)
    assert unread == [], f"the Configuration table documents variables nothing reads: {unread}"


# ---- (d) the command line, (e) jobs -------------------------------------------------------


def reference_rows() -> list[list[str]]:
    return table(manual().section("Command-line reference").text)


def test_every_cli_command_is_in_the_command_line_reference():
    commands = cli_commands()
    assert {("run",), ("db", "upgrade"), ("jobs", "run"), ("export",)} <= commands
    documented = set()
    for row in reference_rows():
        for span in SPAN.findall(row[0]):
            words = span.split()
            if words and words[0] == "cadence-bot":
                documented |= {c for c in commands if tuple(words[1 : 1 + len(c)]) == c}
    missing = sorted(" ".join(c) for c in commands - documented)
    assert missing == [], f"cadence-bot commands missing from the command-line reference: {missing}"


def test_every_cadence_bot_command_the_readme_shows_exists():
    commands = cli_commands()
    for code in manual().code:
        for use in re.findall(r"cadence-bot((?: [a-z][\w-]*)*)", code):
            words = tuple(use.split())  # the command's words, then its arguments
            if words and not any(words[: len(c)] == c for c in commands):
                raise AssertionError(f"README shows `cadence-bot{use}`, which is no command")


def test_the_jobs_are_listed_where_the_readme_lists_them():
    names = job_names()
    assert "deliver-outbox" in names and len(names) >= 5
    row = next(r for r in reference_rows() if first_span(r[0]).startswith("cadence-bot jobs run"))
    listed = set(SPAN.findall(row[1]))
    assert listed == names, f"jobs run lists {sorted(listed)}, the jobs are {sorted(names)}"
    run_here = {
        m for code in manual().code for m in re.findall(r"cadence-bot jobs run ([a-z][\w-]*)", code)
    }
    assert run_here <= names, f"README runs jobs that do not exist: {run_here - names}"


# ---- (f) benchmarks, and the rest of what the README points at ----------------------------


def test_every_benchmark_the_readme_names_exists():
    names = benchmark_names()
    cited = set()
    for code in manual().code:
        for listing in re.findall(r"--only[ =]([\w,]+)", code):
            cited |= set(listing.split(","))
    assert cited, "the reader found no --only"
    assert cited - names == set(), f"README cites benchmarks that do not exist: {cited - names}"


def test_every_migration_the_readme_names_exists():
    versions = {p.name[:4] for p in (ROOT / "storage/migrations/versions").glob("[0-9]*.py")}
    cited = set(re.findall(r"migrations? (\d{4})", manual().text))
    assert cited and cited <= versions, (
        f"README names migrations that do not exist: {cited - versions}"
    )


def slug(title: str) -> str:
    """GitHub's anchor for a heading."""
    title = re.sub(r"[^\w\- ]", "", title.lower().replace("`", ""))
    return title.replace(" ", "-")


def test_every_link_in_the_readme_leads_somewhere():
    anchors = {slug(s.title) for s in manual().sections}
    prose = "\n".join(line for s in manual().sections for line in s.lines)
    for target in re.findall(r"\]\(([^)\s]+)\)", prose):
        if target.startswith(("http://", "https://")):
            continue
        if target.startswith("#"):
            assert target[1:] in anchors, f"README links to a missing heading: {target}"
        else:
            assert (ROOT / target.split("#")[0]).exists(), (
                f"README links to a missing file: {target}"
            )


def test_the_table_of_contents_runs_in_the_readers_order():
    top = [s.title for s in manual().sections if s.level == 2]
    order = ["Quick start", "Configuration", "Command-line reference", "Slack commands",
             "Integration API", "What Cadence guarantees, and how it is tested", "Performance",
             "Architecture"]  # fmt: skip
    assert [t for t in top if t in order] == order, f"top-level sections run {top}"


def test_every_domain_package_has_its_row_in_the_architecture_table():
    rows = {first_span(row[0]) for row in table(manual().section("Architecture").text)}
    packages = {
        f"cadence/{p.parent.name}/" for p in (ROOT / "cadence").glob("*/__init__.py")
    }  # fmt: skip
    assert packages and packages - rows == set(), f"missing from Architecture: {packages - rows}"
