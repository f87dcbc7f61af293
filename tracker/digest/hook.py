"""The delivery hook: a command the nightly runs with the digest's paths (mail, a chat tool).

Rule: the ``digest_hook`` setting is a command line, split like a shell would split it
(``shlex``) but run *without* a shell. ``{md}``, ``{html}`` and ``{json}`` in any argument
become the paths of the digest's files, ``{report}`` the nightly's ``report.html``; with no placeholder, the Markdown path is appended as
the last argument. A shell runs only when the setting names one itself
(``sh -c 'mail -s digest team@example.org < "$1"' sh {md}``). The command must end within
``digest_hook_timeout`` seconds with status 0; otherwise ``HookError`` (the nightly logs it
and reports a failed ``digest_hook`` step; the digest files stay).
"""

from __future__ import annotations

import shlex
import subprocess
import time
from collections.abc import Mapping
from typing import Any

PLACEHOLDERS = ("md", "html", "json", "report")


class HookError(RuntimeError):
    """The hook could not run, timed out or exited non-zero."""


def hook_command(command: str, paths: Mapping[str, str]) -> list[str]:
    """The argument list for ``command`` with the placeholders filled (see the module)."""
    args = shlex.split(command)
    if not args:
        raise HookError("digest_hook is empty")
    used = False
    filled: list[str] = []
    for arg in args:
        for name in PLACEHOLDERS:
            marker = "{" + name + "}"
            if marker in arg:
                if name not in paths:
                    raise HookError(f"digest_hook uses {marker}, which this run did not write")
                arg = arg.replace(marker, paths[name])
                used = True
        filled.append(arg)
    if not used:
        filled.append(paths["md"])
    return filled


def run_hook(command: str, paths: Mapping[str, str], *, timeout: float) -> dict[str, Any]:
    """Run the hook once; its figures for the report, or ``HookError``."""
    args = hook_command(command, paths)
    started = time.perf_counter()
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603
    except subprocess.TimeoutExpired as exc:
        raise HookError(f"{args[0]} did not finish within {timeout:g} s") from exc
    except OSError as exc:
        raise HookError(f"{args[0]} could not run: {exc.strerror or exc}") from exc
    seconds = round(time.perf_counter() - started, 3)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout or "").strip().splitlines()[-3:]
        raise HookError(f"{args[0]} exited with status {done.returncode}"
                        + (f": {' | '.join(tail)}" if tail else ""))
    return {"command": args[0], "returncode": 0, "seconds": seconds}
