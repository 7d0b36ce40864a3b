"""A sweep: many site audits in one directory (`claimcheck crawl --sites FILE`).

Layout (docs/sweep.md)::

    DIR/sweep.json          the index: kind "claimcheck-sweep", one entry per site, in
                            the order of the sites file
    DIR/sites/<name>/       an ordinary audit directory per site (manifest.json,
                            crawl.warc.gz, report.json): verify, report, history and diff
                            work on it unchanged

Each site entry holds `seed` (normalised URL), `site` (its site key), `dir` (relative to
DIR, always under `sites/`) and `status` ("done", "failed" or "incomplete"), with the
crawl's `pages` and `errors` counts and, when it failed, `reason`. A sweep is read only
through this module, so the layout is decided in one place.
"""

from __future__ import annotations

import json
import os
from typing import Any

from jsonschema import Draft202012Validator

from claimcheck.crawl.archive import audit_path, is_audit_dir
from claimcheck.crawl.scope import site_key
from claimcheck.errors import ArchiveError

SWEEP_KIND = "claimcheck-sweep"
SWEEP_FILE = "sweep.json"
SITES_DIR = "sites"
STATUSES = ("done", "failed", "incomplete")
MAX_SWEEP_BYTES = 64 * 1024 * 1024

SWEEP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["kind", "sweep_version", "sites"],
    "properties": {
        "kind": {"const": SWEEP_KIND},
        "sweep_version": {"type": "string"},
        "started": {"type": "string"},
        "ended": {"type": "string"},
        "sites": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["seed", "site", "dir", "status"],
                "properties": {
                    "seed": {"type": "string"},
                    "site": {"type": "string"},
                    "dir": {"type": "string"},
                    "status": {"enum": list(STATUSES)},
                    "pages": {"type": "integer", "minimum": 0},
                    "errors": {"type": "integer", "minimum": 0},
                    "reason": {"type": "string"},
                },
            },
        },
    },
}
_VALIDATOR = Draft202012Validator(SWEEP_SCHEMA)


def site_dir_name(seed: str) -> str:
    """The directory name of a site's audit inside `sites/`: its site key, with the port's
    colon made safe for every file system (`127.0.0.1:8001` → `127.0.0.1_8001`)."""
    return site_key(seed).replace(":", "_")


def is_sweep_dir(path: str) -> bool:
    """True for a directory holding a sweep.json whose kind is a sweep's."""
    index = os.path.join(path, SWEEP_FILE)
    if not os.path.isfile(index):
        return False
    try:
        with open(index, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return SWEEP_KIND.encode() in head


def load_sweep(directory: str) -> dict[str, Any]:
    """The validated sweep index of `directory`. Raises ArchiveError naming the problem."""
    index = os.path.join(directory, SWEEP_FILE)
    try:
        if os.path.getsize(index) > MAX_SWEEP_BYTES:
            raise ArchiveError(f"{index}: larger than {MAX_SWEEP_BYTES} bytes; refused")
        with open(index, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArchiveError(f"{index}: cannot read the sweep index ({exc})") from None
    error = next(iter(_VALIDATOR.iter_errors(data)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "top level"
        raise ArchiveError(f"{index}: not a sweep index ({where}: {error.message[:120]})")
    for entry in data["sites"]:
        if not entry["dir"].replace("\\", "/").startswith(SITES_DIR + "/"):
            raise ArchiveError(f"{index}: site dir {entry['dir']!r} is not under {SITES_DIR}/")
        audit_path(directory, entry["dir"], "site dir")
    return data


def sweep_site_dirs(directory: str, with_audit_only: bool = True) -> list[str]:
    """The site audit directories of a sweep, in sweep order. With `with_audit_only`, a site
    whose crawl left no audit (status "failed" before anything was written) is left out."""
    dirs = [
        audit_path(directory, entry["dir"], "site dir") for entry in load_sweep(directory)["sites"]
    ]
    return [d for d in dirs if is_audit_dir(d)] if with_audit_only else dirs


def write_sweep(directory: str, index: dict[str, Any]) -> None:
    """Write (or rewrite) the sweep index atomically, after validating it."""
    error = next(iter(_VALIDATOR.iter_errors(index)), None)
    if error is not None:
        raise ArchiveError(f"sweep index is invalid: {error.message[:200]}")
    path = os.path.join(directory, SWEEP_FILE)
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(index, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    os.replace(partial, path)
