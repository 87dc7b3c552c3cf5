"""The house rules: arrows run one way, and nothing registers by being imported.

handlers → cadence → storage, and bot wires all three. Each check reads the source with `ast`,
so an import hidden inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# For each layer, the packages (ours or Slack's) its modules must never import.
FORBIDDEN: dict[str, set[str]] = {
    "storage": {"cadence", "handlers", "bot", "slack_sdk", "slack_bolt", "slackfake", "playground"},
    "cadence": {"handlers", "bot", "slack_sdk", "slack_bolt", "slackfake", "playground"},
    "handlers": {"bot", "playground"},
    # The local Slack is Slack: it knows nothing of the app it serves.
    "slackfake": {"cadence", "handlers", "bot", "storage", "playground", "slack_sdk", "slack_bolt"},
}
# Everything we ship; each is held to the size and import rules below.
PACKAGES = ["bot", "handlers", "cadence", "storage", "slackfake", "playground"]
MODULE_LINES_MAX = 300
# The schema reads as one page (CONVENTIONS: "models.py, every table"); migrations are exempt too.
LONG_MODULES_ALLOWED = {"storage/models.py"}


def modules(package: str) -> list[Path]:
    """Every Python file of a top-level package, migrations excepted."""
    return sorted(p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts)


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every import in the file, wherever it stands."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def violations(layer: str) -> list[str]:
    """'path:line imports X' for each import that goes against the arrows."""
    return [
        f"{path.relative_to(ROOT)}:{line} imports {package}"
        for path in modules(layer)
        for line, package in imported(path)
        if package in FORBIDDEN[layer]
    ]


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_run_one_way(layer: str) -> None:
    assert violations(layer) == []


def test_the_product_uses_only_slacks_limits_from_the_fake() -> None:
    """Handlers keep to Slack's Block Kit limits (slackfake.limits) but never lean on the fake."""
    found = []
    for path in modules("handlers"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("slackfake"):
                if node.module != "slackfake.limits":
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}")
            elif isinstance(node, ast.Import):
                found += [
                    f"{path.relative_to(ROOT)}:{node.lineno} imports {alias.name}"
                    for alias in node.names
                    if alias.name.split(".")[0] == "slackfake"
                ]
    assert found == []


def test_the_checker_sees_a_backward_import(tmp_path: Path) -> None:
    """The check would catch the faults this house had (handlers reading bot.config)."""
    fake = tmp_path / "bad.py"
    fake.write_text("def f():\n    from bot.config import Settings\n    return Settings\n")
    assert imported(fake) == [(2, "bot")]


def side_effect_imports(path: Path) -> list[str]:
    """Imports kept only for what importing them does: `noqa: F401`, or any import inside a
    function (how listeners used to register themselves, or dodge an import cycle)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    lines = path.read_text().splitlines()
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if "noqa: F401" in lines[node.lineno - 1] or node.col_offset > 0:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


# Lazy imports of optional or heavy packages, each for a reason other than registration.
LAZY_IMPORTS_ALLOWED = {
    "bot/cli.py",  # Socket Mode's client, and the playground, are imported only when used
    "handlers/charts.py",  # matplotlib (about 70 MB, seconds to import) only when drawing
}


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_for_side_effects(package: str) -> None:
    found = [
        where
        for path in modules(package)
        if str(path.relative_to(ROOT)) not in LAZY_IMPORTS_ALLOWED
        for where in side_effect_imports(path)
    ]
    assert found == []


def test_no_registration_by_decorator_on_import() -> None:
    """Listeners and renderers are rows of explicit tables, not filled by decorators."""
    registries = []
    for package in ("handlers", "bot"):
        for path in modules(package):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef) and any(
                    isinstance(d, ast.Call)
                    and getattr(d.func, "id", "") in {"renderer", "subcommand"}
                    for d in node.decorator_list
                ):
                    registries.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert registries == []


@pytest.mark.parametrize("package", PACKAGES)
def test_modules_stay_small(package: str) -> None:
    large = {
        str(path.relative_to(ROOT)): n
        for path in modules(package)
        if str(path.relative_to(ROOT)) not in LONG_MODULES_ALLOWED
        and (n := len(path.read_text().splitlines())) > MODULE_LINES_MAX
    }
    assert large == {}


def test_cadence_opens_no_transaction() -> None:
    """The caller (the unit of work or the job runner) owns transactions, not the domain."""
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in modules("cadence")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", "")) in {"session_scope", "commit"}
    ]
    assert found == []


def test_db_names_the_sql_session() -> None:
    """`session` means a governance session; the database session is always `db`."""
    found = []
    for package in ("bot", "handlers", "cadence", "storage"):
        for path in modules(package):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.arg) and node.arg == "session":
                    annotation = ast.unparse(node.annotation) if node.annotation else ""
                    if annotation.endswith("Session") and "Governance" not in annotation:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
