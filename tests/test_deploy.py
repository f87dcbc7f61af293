"""The deployment files (deploy/) and the team guide (docs/team.md) cannot rot: the systemd
units pass ``systemd-analyze verify`` where it exists and always carry the keys the guide
relies on, the environment file names only real settings, and every ``tracker ...`` command
line in them parses against the real command line (command names, options, arguments)."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.core import TyperGroup
from typer.exceptions import TyperException

from tracker.cli import app
from tracker.config import Settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
TEAM_DOC = ROOT / "docs" / "team.md"
INSTALLED_TRACKER = "/opt/radai-tracker/.venv/bin/tracker"
ENV_FILE = "/etc/radai-tracker/tracker.env"
STOP = {";", "&&", "||", "|", "&", ">", ">>", "<", "2>", ">&", "(", ")"}


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",),
                                       comment_prefixes=("#", ";"), empty_lines_in_values=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser


def _services() -> list[Path]:
    return sorted(UNITS.glob("*.service"))


def test_the_units_are_there() -> None:
    names = {p.name for p in UNITS.iterdir()}
    assert {"radai-tracker-nightly.service", "radai-tracker-nightly.timer",
            "radai-tracker-backup.service", "radai-tracker-backup.timer",
            "radai-tracker-crawl@.service"} <= names
    assert (DEPLOY / "cron" / "radai-tracker").is_file()
    assert (DEPLOY / "tracker.env.example").is_file()


@pytest.mark.parametrize("path", _services(), ids=lambda p: p.name)
def test_each_service_runs_the_installed_tracker_as_its_own_user(path: Path) -> None:
    unit = _unit(path)
    assert unit.get("Unit", "Description")
    service = unit["Service"]
    assert service["User"] == "radai-tracker" and service["Group"] == "radai-tracker"
    assert service["WorkingDirectory"] == "/var/lib/radai-tracker"
    assert service["StateDirectory"] == "radai-tracker"
    assert service["EnvironmentFile"] == ENV_FILE
    assert service["ExecStart"].startswith(INSTALLED_TRACKER + " ")
    assert service.get("Type") in ("oneshot", "simple")
    assert service.get("NoNewPrivileges") == "yes" and service.get("ProtectSystem") == "strict"


@pytest.mark.parametrize("path", sorted(UNITS.glob("*.timer")), ids=lambda p: p.name)
def test_each_timer_is_persistent_spread_and_starts_a_service_that_exists(path: Path) -> None:
    timer = _unit(path)
    assert timer["Timer"]["OnCalendar"]
    assert timer["Timer"]["Persistent"] == "true"  # a night the host was off runs at boot
    assert re.fullmatch(r"\d+(min|s|h)", timer["Timer"]["RandomizedDelaySec"])
    assert (UNITS / timer["Timer"]["Unit"]).is_file()
    assert timer["Timer"]["Unit"] == path.with_suffix(".service").name
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_the_crawl_worker_is_a_restartable_template_on_the_shared_queue() -> None:
    unit = _unit(UNITS / "radai-tracker-crawl@.service")
    assert unit["Service"]["ExecStart"] == f"{INSTALLED_TRACKER} crawl --redis-url ${{TRACKER_REDIS_URL}}"
    assert unit["Service"]["Restart"] == "always"  # a worker ends when the queues stay empty
    assert "%i" in unit["Unit"]["Description"]
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_the_cron_file_runs_the_nightly_and_the_backup_as_the_service_user() -> None:
    """/etc/cron.d format: five time fields, the user, the command (which reads the same
    environment file as the units)."""
    lines = [ln for ln in (DEPLOY / "cron" / "radai-tracker").read_text("utf-8").splitlines()
             if ln.strip() and not ln.startswith("#") and not re.match(r"^[A-Z]+=", ln)]
    commands = []
    for line in lines:
        minute, hour, dom, month, dow, user, command = line.split(None, 6)
        assert re.fullmatch(r"\d+", minute) and re.fullmatch(r"\d+", hour)
        assert (dom, month, dow, user) == ("*", "*", "*", "radai-tracker")
        assert f". {ENV_FILE}" in command and "%" not in command  # cron turns % into newlines
        commands.append((_tracker_args(command) or ["?"])[0])
    assert commands == ["nightly", "backup"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verify_accepts_every_unit(tmp_path: Path) -> None:
    """The units as installed, except that ExecStart points at this checkout's tracker
    (verify checks that the program exists)."""
    here = str(Path(sys.executable).with_name("tracker"))
    for path in UNITS.iterdir():
        (tmp_path / path.name).write_text(path.read_text("utf-8").replace(INSTALLED_TRACKER, here), "utf-8")
    names = [f"./{p.name}" for p in sorted(tmp_path.iterdir()) if "@." not in p.name]
    names.append("./radai-tracker-crawl@1.service")  # a template is verified through an instance
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", *names], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and not done.stderr.strip() and not done.stdout.strip(), done.stderr


def test_the_environment_file_names_only_real_settings() -> None:
    names = re.findall(r"^#?([A-Z][A-Z0-9_]*)=", (DEPLOY / "tracker.env.example").read_text("utf-8"), re.M)
    settings = {f"TRACKER_{name.upper()}" for name in Settings.model_fields}
    used_by_units = {m for p in DEPLOY.rglob("*") if p.is_file()
                     for m in re.findall(r"\$\{(\w+)\}", p.read_text("utf-8"))}
    assert "TRACKER_DATABASE_URL" in names and "TRACKER_DATA_DIR" in names
    unknown = [n for n in names if n.startswith("TRACKER_") and n not in settings | used_by_units]
    assert unknown == [], f"not settings of tracker/config.py: {unknown}"
    assert used_by_units <= set(names), "a unit reads a variable the example does not set"
    for path in _services():
        assert _unit(path)["Service"]["EnvironmentFile"] == ENV_FILE
    assert ENV_FILE in (DEPLOY / "tracker.env.example").read_text("utf-8")


# -- every `tracker ...` command line parses against the real CLI -------------------------------

def _tracker_args(line: str) -> list[str] | None:
    """The arguments after the ``tracker`` program in a shell line, up to the first shell
    operator; None when the line runs no tracker."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:  # unbalanced quotes: not a shell line
        return None
    for start, token in enumerate(tokens):
        if token == "tracker" or token.endswith("/bin/tracker") or token == ".venv/bin/tracker":
            args: list[str] = []
            for arg in tokens[start + 1:]:
                if arg in STOP or set(arg) <= set(";&|<>()"):
                    break
                args.append(arg)
            return args
    return None


def _code_of(markdown: str) -> tuple[list[str], list[str]]:
    """The shell lines of the fenced blocks (continuations joined), and the inline code spans."""
    lines: list[str] = []
    for block in re.findall(r"^```[^\n]*\n(.*?)^```", markdown, re.M | re.S):
        lines += block.replace("\\\n", " ").splitlines()
    outside = re.sub(r"^```[^\n]*\n.*?^```", "", markdown, flags=re.M | re.S)
    return lines, re.findall(r"`([^`\n]+)`", outside)


def command_lines() -> list[tuple[str, list[str], bool]]:
    """(where, arguments, complete) of every tracker command line in deploy/ and
    docs/team.md. Inline code in the guide may name a command without its arguments
    (``tracker backup``): its command and options are checked, not its completeness."""
    blocks, spans = _code_of(TEAM_DOC.read_text("utf-8"))
    sources: list[tuple[Path, list[str], bool]] = [(TEAM_DOC, blocks, True), (TEAM_DOC, spans, False)]
    for path in sorted(p for p in DEPLOY.rglob("*") if p.is_file()):
        text = path.read_text("utf-8")
        lines = [ln.split("=", 1)[1] for ln in text.splitlines() if ln.startswith("Exec")] \
            if path.parent == UNITS else [ln for ln in text.splitlines() if not ln.startswith("#")]
        sources.append((path, lines, True))
    found: list[tuple[str, list[str], bool]] = []
    for path, lines, complete in sources:
        for line in lines:
            args = _tracker_args(line)
            if args is not None:
                found.append((f"{path.relative_to(ROOT)}: {line.strip()}", args, complete))
    return found


def parse_tracker(args: list[str], *, complete: bool = True) -> Any:
    """Parse ``tracker ARGS`` as the real command line would (no command runs): the (click)
    command reached, or a ``TyperException`` (typer's click errors) saying what is wrong.
    Not ``complete``: the command and the option names only (a mention in prose)."""
    root = typer.main.get_command(app)
    ctx = root.make_context("tracker", [a for a in args if a in ("-v", "--verbose")],
                            resilient_parsing=True)  # the root alone: no command to demand yet
    rest = [a for a in args if a not in ("-v", "--verbose")]
    command: Any = root
    while isinstance(command, TyperGroup):
        if not rest:
            if not complete:  # the program or a command group named in prose
                return command
            raise typer.BadParameter("no command given")
        name, rest = rest[0], rest[1:]
        sub = command.get_command(ctx, name)
        if sub is None:
            raise typer.BadParameter(f"no such command {name!r}")
        command = sub
        if isinstance(command, TyperGroup):
            ctx = command.make_context(name, [], parent=ctx, resilient_parsing=True)
    if complete:
        command.make_context(command.name or "", rest, parent=ctx)
        return command
    known = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    for arg in rest:
        if arg == "--":
            break
        if arg.startswith("-") and arg.split("=", 1)[0] not in known:
            raise typer.BadParameter(f"no option {arg.split('=', 1)[0]} in tracker {command.name}")
    return command


def test_the_checker_catches_a_wrong_command_option_or_argument() -> None:
    assert parse_tracker(["nightly", "--database-url", "postgresql://db/x"]).name == "nightly"
    assert parse_tracker(["review", "list", "--json"]).name == "list"
    for wrong in (["nightlly"], ["nightly", "--replay-dir", "x"], ["backup"],
                  ["restore", "a.dump", "b.dump"], ["backup", "out.db", "--force"]):
        with pytest.raises(TyperException):
            parse_tracker(wrong)
    assert parse_tracker(["backup"], complete=False).name == "backup"  # named in prose
    with pytest.raises(TyperException, match="--forced"):
        parse_tracker(["restore", "--forced"], complete=False)
    assert _tracker_args("cd /x && /opt/radai-tracker/.venv/bin/tracker nightly >> log 2>&1") == ["nightly"]
    assert _tracker_args("pip install -e '.[postgres]'") is None
    assert _tracker_args("tracker.db is the default store") is None


def test_every_tracker_command_line_in_deploy_and_the_team_guide_is_real() -> None:
    lines = command_lines()
    commands: set[str] = set()
    problems = []
    for where, args, complete in lines:
        try:
            commands.add(parse_tracker(args, complete=complete).name or "")
        except TyperException as exc:
            problems.append(f"{where}\n    -> {exc}")
    assert not problems, "\n".join(problems)
    # the guide and the units do cover the team's commands (the check is not vacuous)
    assert {"init", "nightly", "backup", "restore", "tui", "crawl", "stats"} <= commands
    assert len(lines) >= 15
