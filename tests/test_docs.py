"""The documentation tells the truth about the code.

These tests fail when a command, an option, a setting or a connector is added
without being documented, when the docs describe something that no longer exists,
when a link points nowhere, and when the format examples stop importing cleanly.
They read the docs as a user would: headings, tables, fenced examples.
"""

from __future__ import annotations

import csv
import io
import re
import shlex
import subprocess
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
import typer.main
from pydantic_core import PydanticUndefined
from sqlalchemy.orm import Session, sessionmaker

from palabre.cli.main import app
from palabre.config import Settings
from palabre.connectors.importer import ImportReport, run_import
from palabre.connectors.registry import CONNECTORS, connector_class
from palabre.connectors.tabular import parse_column_map
from palabre.db.engine import transaction
from palabre.fabric.service import workspace_counts

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
CONTRIBUTING = ROOT / "CONTRIBUTING.md"


def read(path: Path) -> str:
    """A documentation file's text (a clear failure when it is missing)."""
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing"
    return path.read_text(encoding="utf-8")


# -- the command tree ------------------------------------------------------------------


@dataclass(frozen=True)
class CommandInfo:
    """One command of the CLI as a user types it, with its options."""

    path: str
    options: frozenset[str]
    is_group: bool


def _walk(command: Any, path: str) -> Iterator[CommandInfo]:
    # Typer builds a click-like tree (Typer >= 0.25 vendors click): rely only on the
    # attributes every version has, `commands`, `params`, `opts` and `hidden`, and on
    # click's `list_commands` / `get_command`.
    options: set[str] = set()
    for param in command.params:
        if getattr(param, "param_type_name", "") != "option" or getattr(param, "hidden", False):
            continue
        options.update(param.opts)
        options.update(getattr(param, "secondary_opts", ()))
    children: dict[str, Any] = {}
    if hasattr(command, "list_commands"):
        # Through list_commands / get_command, as click does: the root group loads its
        # sub-commands only when asked (palabre.cli.main.LazyGroup).
        context = typer.Context(command)
        for name in command.list_commands(context):
            children[name] = command.get_command(context, name)
    yield CommandInfo(path, frozenset(options), is_group=hasattr(command, "commands"))
    for name in sorted(children):
        child = children[name]
        if not getattr(child, "hidden", False):
            yield from _walk(child, f"{path} {name}")


def cli_commands() -> list[CommandInfo]:
    """Every visible command and sub-command of ``palabre``, the root included."""
    return list(_walk(typer.main.get_command(app), "palabre"))


COMMANDS = cli_commands()
COMMANDS_BY_PATH = {command.path: command for command in COMMANDS}

# A command's section in docs/cli.md starts at a heading that is its path in backquotes.
_COMMAND_HEADING = re.compile(r"^#{1,6}[ \t]+`(palabre(?: [\w-]+)*)`[ \t]*$", re.MULTILINE)
# Options documented in a section: the first cell of a table row, e.g. | `--json` | ...
_OPTION_ROW = re.compile(r"^\|\s*(`-[^|]*)\|", re.MULTILINE)
_OPTION = re.compile(r"`(--?[\w][\w-]*)`")


def cli_sections() -> dict[str, str]:
    """docs/cli.md cut into one text per command heading."""
    text = read(DOCS / "cli.md")
    matches = list(_COMMAND_HEADING.finditer(text))
    sections: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        path = match.group(1)
        assert path not in sections, f"docs/cli.md has two sections for `{path}`"
        sections[path] = text[match.end() : end]
    return sections


def documented_options(section: str) -> set[str]:
    """The options listed in the option table(s) of one section."""
    found: set[str] = set()
    for row in _OPTION_ROW.finditer(section):
        found.update(_OPTION.findall(row.group(1)))
    return found


@pytest.mark.parametrize("command", COMMANDS, ids=[c.path for c in COMMANDS])
def test_every_command_has_a_section_in_cli_md_listing_exactly_its_options(
    command: CommandInfo,
) -> None:
    sections = cli_sections()
    assert command.path in sections, (
        f"`{command.path}` is not documented: add a heading `{command.path}` (in backquotes) "
        "to docs/cli.md with a usage line and a table of its options"
    )
    documented = documented_options(sections[command.path])
    missing = sorted(command.options - documented)
    stale = sorted(documented - command.options)
    assert not missing, f"docs/cli.md, `{command.path}`: options not documented: {missing}"
    assert not stale, (
        f"docs/cli.md, `{command.path}`: documented options that do not exist: {stale}"
    )


def test_every_leaf_command_section_shows_how_to_type_it() -> None:
    sections = cli_sections()
    for command in COMMANDS:
        if command.is_group or command.path not in sections:
            continue
        usage = re.compile(rf"^{re.escape(command.path)}(?:\s|$)", re.MULTILINE)
        assert usage.search(sections[command.path]), (
            f"docs/cli.md, `{command.path}`: no usage line starting with '{command.path}'"
        )


def test_cli_md_documents_no_command_that_does_not_exist() -> None:
    stale = sorted(set(cli_sections()) - set(COMMANDS_BY_PATH))
    assert not stale, f"docs/cli.md documents commands palabre does not have: {stale}"


def test_the_command_walk_sees_the_whole_tree() -> None:
    # The walk is what every check above relies on: it must reach nested commands
    # and their options, and only real ones.
    assert "palabre import messages" in COMMANDS_BY_PATH
    assert "--map" in COMMANDS_BY_PATH["palabre import messages"].options
    assert "--data-dir" in COMMANDS_BY_PATH["palabre"].options
    assert COMMANDS_BY_PATH["palabre import"].is_group
    assert not COMMANDS_BY_PATH["palabre status"].is_group
    assert all("--help" not in command.options for command in COMMANDS)


# -- settings --------------------------------------------------------------------------

_SETTING_ROW = re.compile(
    r"^\|\s*`(?P<field>\w+)`\s*\|\s*`(?P<env>PALABRE_\w+)`\s*\|(?P<default>[^|]*)\|(?P<desc>[^|]*)\|",
    re.MULTILINE,
)


def documented_settings() -> dict[str, dict[str, str]]:
    """The rows of the settings table of docs/settings.md, by field name."""
    return {
        match["field"]: {
            "env": match["env"],
            "default": match["default"].strip(),
            "description": match["desc"].strip(),
        }
        for match in _SETTING_ROW.finditer(read(DOCS / "settings.md"))
    }


def _default_text(value: object) -> str:
    """How a plain default is written in docs/settings.md."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def test_every_setting_is_documented_with_its_variable_default_and_description() -> None:
    rows = documented_settings()
    prefix = str(Settings.model_config.get("env_prefix", ""))
    fields = Settings.model_fields
    missing = sorted(set(fields) - set(rows))
    stale = sorted(set(rows) - set(fields))
    assert not missing, f"docs/settings.md does not document the settings {missing}"
    assert not stale, f"docs/settings.md documents settings that do not exist: {stale}"
    for name, info in fields.items():
        row = rows[name]
        assert row["env"] == f"{prefix}{name}".upper(), (
            f"docs/settings.md, `{name}`: wrong variable"
        )
        assert row["description"], f"docs/settings.md, `{name}`: no description"
        assert info.description, f"Settings.{name} has no description= (docs/settings.md uses it)"
        if info.default_factory is None and info.default is not PydanticUndefined:
            expected = _default_text(info.default)
            assert expected in row["default"], (
                f"docs/settings.md, `{name}`: the default is {expected}, "
                f"the page says '{row['default']}'"
            )


def test_every_palabre_environment_variable_the_code_reads_is_documented() -> None:
    text = read(DOCS / "settings.md")
    sources = [
        *sorted((ROOT / "src" / "palabre").rglob("*.py")),
        *sorted((ROOT / "scripts").iterdir()),
        *sorted((ROOT / ".ci").iterdir()),
        *sorted((ROOT / "benchmarks").glob("*.py")),
        *sorted((ROOT / "benchmarks").glob("*.sh")),
        *sorted(p for p in (ROOT / "tests").glob("*.py") if p.name != Path(__file__).name),
    ]
    names: dict[str, str] = {}
    for path in sources:
        if path.is_file():
            for name in re.findall(r"PALABRE_[A-Z][A-Z0-9_]*", path.read_text(encoding="utf-8")):
                names.setdefault(name, str(path.relative_to(ROOT)))
    assert names, "no PALABRE_ variable found in the sources: the scan is broken"
    missing = {name: where for name, where in names.items() if f"`{name}`" not in text}
    assert not missing, f"environment variables not in docs/settings.md: {missing}"


# -- connectors ------------------------------------------------------------------------

_H2 = re.compile(r"^## (.+)$", re.MULTILINE)


def formats_sections() -> dict[str, str]:
    """docs/formats.md cut at its level-2 headings, by heading text."""
    text = read(DOCS / "formats.md")
    matches = list(_H2.finditer(text))
    return {
        match.group(1).strip(): text[
            match.end() : matches[i + 1].start() if i + 1 < len(matches) else len(text)
        ]
        for i, match in enumerate(matches)
    }


@pytest.mark.parametrize("kind", sorted(CONNECTORS))
def test_every_connector_kind_is_documented(kind: str) -> None:
    sections = {
        heading: body
        for heading, body in formats_sections().items()
        if f"`palabre import {kind}`" in heading
    }
    assert len(sections) == 1, (
        f"docs/formats.md needs one level-2 section whose heading names `palabre import {kind}`"
    )
    if kind == "messages":
        return  # the generic format is documented in docs/formats.md itself
    page = DOCS / "connectors" / f"{kind}.md"
    assert page.is_file(), f"connector '{kind}' has no page docs/connectors/{kind}.md"
    (body,) = sections.values()
    assert f"(connectors/{kind}.md)" in body, (
        f"docs/formats.md, section of `palabre import {kind}`: link connectors/{kind}.md"
    )


#: ``palabre import`` commands that are not connectors of conversations, and why.
NOT_CONNECTORS = {"polis": "a Pol.is conversation becomes a statement campaign, not messages"}


def test_every_connector_kind_is_an_import_command() -> None:
    imports = {p.split()[2] for p in COMMANDS_BY_PATH if p.startswith("palabre import ")}
    assert imports - set(NOT_CONNECTORS) == set(CONNECTORS), (
        "palabre import sub-commands and the registry differ"
    )


def test_every_import_that_is_not_a_connector_has_its_section_in_formats_md() -> None:
    for kind in NOT_CONNECTORS:
        headings = [h for h in formats_sections() if f"`palabre import {kind}`" in h]
        assert len(headings) == 1, f"docs/formats.md: one section for `palabre import {kind}`"


# -- README and scripts ----------------------------------------------------------------


def test_readme_opens_with_the_two_commands_and_they_exist() -> None:
    text = read(README)
    headings = [m.start() for m in re.finditer(r"^## ", text, re.MULTILINE)]
    # The two commands come first: in the text before the second level-2 section.
    top = text[: headings[1]] if len(headings) > 1 else text
    for command in ("bash scripts/demo", "bash scripts/check"):
        assert command in top, f"README.md must show `{command}` at the top"
        script = ROOT / command.split()[1]
        assert script.is_file(), f"{command}: {script.relative_to(ROOT)} does not exist"
        checked = subprocess.run(
            ["bash", "-n", str(script)], capture_output=True, text=True, check=False
        )
        assert checked.returncode == 0, f"{script.name} is not valid bash: {checked.stderr}"


def test_scripts_demo_sets_up_then_runs_an_existing_command() -> None:
    text = read(ROOT / "scripts" / "demo")
    assert "scripts/setup" in text
    run = re.search(r"\.venv/bin/palabre ([\w-]+)", text)
    assert run is not None, "scripts/demo does not run .venv/bin/palabre"
    assert f"palabre {run.group(1)}" in COMMANDS_BY_PATH


# -- links -----------------------------------------------------------------------------

_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to '-'."""
    text = unicodedata.normalize("NFC", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", read(path), flags=re.MULTILINE | re.DOTALL)
    return {_slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*$", text, re.MULTILINE)}


def doc_pages() -> list[Path]:
    """The project's own documentation pages."""
    return [README, CONTRIBUTING, *sorted(DOCS.rglob("*.md"))]


@pytest.mark.parametrize("page", doc_pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_to_existing_files_and_headings(page: Path) -> None:
    text = re.sub(r"^```.*?^```", "", read(page), flags=re.MULTILINE | re.DOTALL)
    broken: list[str] = []
    for target in _LINK.findall(text):
        if re.match(r"[a-z][a-z+.-]*:", target):
            continue  # http:, https:, mailto:
        file_part, _, anchor = target.partition("#")
        resolved = (page.parent / file_part).resolve() if file_part else page
        if not resolved.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
            broken.append(f"{target} (no such heading)")
    assert not broken, f"{page.relative_to(ROOT)}: broken links {broken}"


# -- the examples of docs/formats.md import cleanly -----------------------------------

_FENCE = re.compile(
    r"^```(?P<lang>\w+)[ \t]+title=(?P<title>\S+)[ \t]*\n(?P<body>.*?)^```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


@dataclass(frozen=True)
class Example:
    """A file shown in docs/formats.md and the command the page gives to import it."""

    title: str
    body: str
    kind: str
    source: str | None
    options: dict[str, object]


def _command_for(text: str, title: str) -> tuple[str, str | None, dict[str, object]]:
    """Find ``palabre import KIND <title> ...`` in the page and read its options."""
    line = re.search(rf"^palabre import (\w+) {re.escape(title)}(?:[ \t].*)?$", text, re.M)
    assert line is not None, f"docs/formats.md shows {title} but no `palabre import ... {title}`"
    words = shlex.split(line.group(0))
    kind, rest = words[2], words[4:]
    options: dict[str, object] = {}
    source = None
    # The options palabre import turns into connector options (see palabre.cli.imports).
    while rest:
        flag, value, rest = rest[0], rest[1], rest[2:]
        if flag == "--map":
            options["column_map"] = parse_column_map(value)
        elif flag in ("--delimiter", "--encoding"):
            options[flag[2:]] = value
        elif flag == "--channel-kind":
            options["channel_kind"] = value
        elif flag == "--kind":
            options["kind"] = value
        elif flag == "--source":
            source = value
        else:
            pytest.fail(f"docs/formats.md, {title}: teach test_docs.py the option {flag}")
    return kind, source, options


def format_examples() -> list[Example]:
    """Every titled fenced block of docs/formats.md, with its import command."""
    text = read(DOCS / "formats.md")
    examples = []
    for match in _FENCE.finditer(text):
        kind, source, options = _command_for(text, match["title"])
        examples.append(Example(match["title"], match["body"], kind, source, options))
    return examples


EXAMPLES = format_examples()


def _rows(example: Example) -> list[dict[str, str]]:
    """The example's rows read with the standard library, under palabre's column names."""
    if example.title.endswith(".jsonl"):
        rows = [
            {k: "" if v is None else str(v) for k, v in orjson.loads(line).items()}
            for line in example.body.splitlines()
            if line.strip()
        ]
    else:
        header = example.body.splitlines()[0]
        dialect = csv.Sniffer().sniff(header, delimiters=",;\t|")
        rows = list(csv.DictReader(io.StringIO(example.body), dialect=dialect))
    mapping = example.options.get("column_map") or {}
    assert isinstance(mapping, dict)
    return [{mapping.get(k, k): v for k, v in row.items()} for row in rows]


def _import(
    sessions: sessionmaker[Session], folder: Path, example: Example, source: str | None = None
) -> ImportReport:
    path = folder / example.title
    path.write_text(example.body, encoding="utf-8")
    connector = connector_class(example.kind)(path, **example.options)
    return run_import(sessions, connector, source=source or example.source)


def test_formats_md_has_french_and_english_examples_of_both_formats() -> None:
    titles = {example.title for example in EXAMPLES}
    for language in ("fr", "en"):
        for extension in ("csv", "jsonl"):
            assert f"messages-{language}.{extension}" in titles


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.title for e in EXAMPLES])
def test_each_example_imports_without_rejection(
    example: Example, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = _rows(example)
    report = _import(sessions, tmp_path, example)
    assert report.rejections == []
    assert report.rejected == 0
    if example.kind == "people":
        assert report.counts.people.created == len(rows)
        return
    assert example.kind == "messages"
    counts = report.counts
    assert counts.messages.created == len(rows)
    assert counts.channels.created == len({row["channel"] for row in rows})
    assert counts.identities.created == len({row["author"] for row in rows})
    # The format's rule: thread_id, else the parent's id for a reply, else the message's.
    threads = {row.get("thread_id") or row.get("reply_to") or row["id"] for row in rows}
    assert counts.threads.created == len(threads)
    with transaction(sessions) as session:
        stored = workspace_counts(session)
    assert stored["messages"] == len(rows)
    assert stored["replies"] == sum(1 for row in rows if row.get("reply_to"))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_csv_and_jsonl_examples_of_a_language_hold_the_same_messages(
    language: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    by_title = {example.title: example for example in EXAMPLES}
    first = _import(sessions, tmp_path, by_title[f"messages-{language}.csv"], source="docs")
    again = _import(sessions, tmp_path, by_title[f"messages-{language}.jsonl"], source="docs")
    assert first.counts.messages.created == len(_rows(by_title[f"messages-{language}.csv"]))
    assert again.counts.totals()["created"] == 0
    assert again.counts.totals()["updated"] == 0
    assert again.counts.messages.unchanged == first.counts.messages.created


def test_the_figures_formats_md_gives_for_its_examples_are_right() -> None:
    text = read(DOCS / "formats.md")
    claim = re.search(
        r"Each file makes (\d+) messages in (\d+) threads of (\d+) channels, with (\d+) authors",
        text,
    )
    assert claim is not None
    messages, threads, channels, authors = map(int, claim.groups())
    for example in EXAMPLES:
        if not example.title.startswith("messages-"):
            continue
        rows = _rows(example)
        assert len(rows) == messages, example.title
        assert len({r.get("thread_id") or r.get("reply_to") or r["id"] for r in rows}) == threads
        assert len({r["channel"] for r in rows}) == channels, example.title
        assert len({r["author"] for r in rows}) == authors, example.title
