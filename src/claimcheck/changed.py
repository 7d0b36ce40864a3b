"""`--changed-since REF`: the files a branch or a working tree changed, for fast CI runs.

Changed means `git diff --name-only REF...HEAD` (committed on this branch since it left
REF) plus uncommitted and untracked files (`git status --porcelain`). Deleted files and
files without a supported suffix are dropped, then the list is narrowed to the paths
given on the command line (or the config's directory) and their include/exclude globs.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from claimcheck.errors import ConfigError
from claimcheck.sources import SUPPORTED_SUFFIXES, glob_match

GIT_TIMEOUT = 30.0


def _git(args: Sequence[str], cwd: str | Path) -> str:
    """Run git without a shell; a failure is a one-line ConfigError."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise ConfigError("--changed-since needs git, which is not installed") from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"git {args[0]} took longer than {GIT_TIMEOUT:g}s") from None
    if done.returncode != 0:
        raise subprocess.CalledProcessError(done.returncode, args, done.stdout, done.stderr)
    return done.stdout


def _status_paths(output: str) -> list[str]:
    """Paths from `git status --porcelain -z` (the second path of a rename is skipped)."""
    records = output.split("\0")
    paths, i = [], 0
    while i < len(records):
        record = records[i]
        i += 1
        if len(record) < 4:
            continue
        paths.append(record[3:])
        if record[0] in "RC":
            i += 1
    return paths


def changed_files(ref: str, cwd: str | Path = ".") -> list[Path]:
    """Absolute paths of existing, supported files changed since `ref` or not committed."""
    try:
        top = Path(_git(["rev-parse", "--show-toplevel"], cwd).strip())
    except subprocess.CalledProcessError:
        raise ConfigError(
            f"--changed-since: {Path(cwd).resolve()} is not in a git repository"
        ) from None
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
        committed = _git(["diff", "--name-only", "-z", f"{ref}...HEAD", "--"], top)
        status = _git(["status", "--porcelain", "-z", "--untracked-files=all"], top)
    except subprocess.CalledProcessError:
        raise ConfigError(f"--changed-since: unknown git ref {ref!r}") from None
    names = [n for n in committed.split("\0") if n] + _status_paths(status)
    out = []
    for name in dict.fromkeys(names):
        path = top / name
        if path.suffix.lower() in SUPPORTED_SUFFIXES and path.is_file():
            out.append(path)
    return sorted(out)


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def select_changed(
    files: Sequence[Path],
    roots: Sequence[str],
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> list[str]:
    """The changed files inside `roots` (files or directories) whose path relative to that
    directory passes the include/exclude globs, as paths relative to the working directory."""
    out = []
    for root in roots:
        base = Path(root).resolve()
        for path in files:
            if path == base:
                out.append(_display(path))
                continue
            if not path.is_relative_to(base) or not base.is_dir():
                continue
            rel = path.relative_to(base).as_posix()
            parts = rel.split("/")
            if any(part.startswith(".") for part in parts):
                continue
            prefixes = ["/".join(parts[: k + 1]) for k in range(len(parts))]
            if exclude and any(glob_match(p, exclude) for p in prefixes):
                continue
            if not include or glob_match(rel, include):
                out.append(_display(path))
    return list(dict.fromkeys(out))
