"""The audit history: every finished crawl recorded in a SQLite database.

The schema lives in the package as numbered SQL files (`claimcheck/migrations/0001_*.sql`,
…). Opening a database applies, in order and each in one transaction, the migrations
newer than the version stored in its `schema_version` table, so an old database is
brought up to date and a current one is left alone. The database runs in WAL mode, so a
reader (`claimcheck history`) never blocks a crawl that is recording.

Where the database is: `--db PATH` when given, else `$CLAIMCHECK_HOME/history.sqlite`,
else `~/.local/share/claimcheck/history.sqlite`.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from claimcheck.errors import ClaimcheckError
from claimcheck.fingerprint import fingerprint, normalise_sentence

DB_NAME = "history.sqlite"
_MIGRATION = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class HistoryError(ClaimcheckError):
    """The history database or an audit to record could not be used."""


def default_db_path() -> Path:
    """$CLAIMCHECK_HOME/history.sqlite, else ~/.local/share/claimcheck/history.sqlite."""
    home = os.environ.get("CLAIMCHECK_HOME")
    if home:
        return Path(home) / DB_NAME
    return Path.home() / ".local" / "share" / "claimcheck" / DB_NAME


def migrations() -> list[tuple[int, str, str]]:
    """The packaged migrations as (version, file name, SQL), in version order."""
    folder = resources.files("claimcheck").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        m = _MIGRATION.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise HistoryError(f"migrations are not numbered 1..n: {versions}")
    return found


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One recorded audit, as `claimcheck history` lists it."""

    id: str
    host: str
    seed_url: str
    started: str
    finished: str | None
    tool_version: str
    lexicon_version: str | None
    site_score: int | None
    site_grade: str | None
    audit_dir: str
    manifest_sha256: str
    pages: int
    findings: int
    errors: int


class History:
    """An open history database; use as a context manager or call close()."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path else default_db_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(f"{self.path}: cannot open the history database ({exc})") from None
        try:
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA busy_timeout = 10000")
            self.journal_mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            self.applied = self._migrate()
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise HistoryError(f"{self.path}: not a usable history database ({exc})") from None

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @property
    def version(self) -> int:
        row = self.conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return row[0] or 0

    def _migrate(self) -> list[int]:
        """Apply the migrations newer than the database; returns the versions applied."""
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)"
        )
        applied = []
        for version, name, sql in migrations():
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                current = self.conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
                if (current[0] or 0) >= version:
                    self.conn.execute("ROLLBACK")
                    continue
                for statement in _statements(sql):
                    self.conn.execute(statement)
                self.conn.execute(
                    "INSERT INTO schema_version (version, name, applied) VALUES (?, ?, ?)",
                    (version, name, _now()),
                )
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            applied.append(version)
        return applied

    def record_audit(self, directory: str | os.PathLike[str]) -> str:
        """Record (or re-record) the audit in `directory` from its manifest and report.json.

        Returns the audit id. Findings are stored with their fingerprint and normalised
        sentence; suppressed ones are kept, flagged.
        """
        from claimcheck.crawl.archive import REPORT, load_manifest

        directory = os.path.abspath(directory)
        manifest = load_manifest(directory)
        report = _read_json(os.path.join(directory, REPORT))
        try:
            return self._record(directory, manifest, report)
        except (KeyError, TypeError, AttributeError, ValueError, sqlite3.InterfaceError) as exc:
            detail = f"missing field {exc}" if isinstance(exc, KeyError) else "malformed fields"
            raise HistoryError(f"{directory}: not a readable claimcheck audit ({detail})") from None

    def _record(self, directory: str, manifest: dict[str, Any], report: dict[str, Any]) -> str:
        """Insert one audit's rows in one transaction (rolled back on any error)."""
        from claimcheck.crawl.archive import MANIFEST, file_sha256

        site = report.get("site") or {}
        tool = manifest.get("tool", {})
        audit_id = manifest["audit_id"]
        status = {p["url"]: p.get("status") for p in manifest.get("pages", [])}
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.execute("DELETE FROM audits WHERE id = ?", (audit_id,))
            self.conn.execute(
                "INSERT INTO audits (id, host, seed_url, started, finished, tool_version, "
                "lexicon_version, site_score, site_grade, audit_dir, manifest_sha256, recorded) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    audit_id,
                    manifest["site"],
                    manifest["seed"],
                    manifest["started"],
                    manifest.get("ended"),
                    tool.get("version", ""),
                    tool.get("lexicon_version") or report.get("tool", {}).get("lexicon_version"),
                    site.get("score"),
                    site.get("grade"),
                    directory,
                    file_sha256(os.path.join(directory, MANIFEST)),
                    _now(),
                ),
            )
            for page in report.get("files", []):
                url = page["path"]
                cursor = self.conn.execute(
                    "INSERT INTO pages (audit_id, url, status, sha256, score, grade, page_type) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        audit_id,
                        url,
                        status.get(url),
                        page.get("sha256"),
                        page.get("score"),
                        page.get("grade"),
                        page.get("page_type"),
                    ),
                )
                self.conn.executemany(
                    "INSERT INTO findings (audit_id, page_id, code, severity, fingerprint, "
                    "sentence, message, suppressed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            audit_id,
                            cursor.lastrowid,
                            f["code"],
                            f["severity"],
                            fingerprint(f["code"], f.get("sentence", ""), url),
                            normalise_sentence(f.get("sentence", "")),
                            f.get("message", ""),
                            int(bool(f.get("suppressed"))),
                        )
                        for f in page.get("findings", [])
                    ],
                )
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return audit_id

    def audits(self, host: str) -> list[AuditRow]:
        """The audits of a site, oldest first. `host` may be a URL, a host or a site key."""
        rows = self.conn.execute(
            "SELECT a.*, "
            "(SELECT COUNT(*) FROM pages p WHERE p.audit_id = a.id) AS pages, "
            "(SELECT COUNT(*) FROM findings f WHERE f.audit_id = a.id AND NOT f.suppressed) "
            "AS findings, "
            "(SELECT COUNT(*) FROM findings f WHERE f.audit_id = a.id AND NOT f.suppressed "
            "AND f.severity = 'error') AS errors "
            "FROM audits a WHERE a.host = ? OR a.host LIKE ? ESCAPE '\\' "
            "ORDER BY a.started, a.id",
            (host_key(host), _any_port(host)),
        ).fetchall()
        return [AuditRow(**{k: row[k] for k in AuditRow.__slots__}) for row in rows]

    def sites(self) -> list[SiteRow]:
        """Every audited site: its key, number of audits and the latest one's score."""
        rows = self.conn.execute(
            "SELECT a.host, COUNT(*) AS audits, MAX(a.started) AS last_started, "
            "(SELECT b.site_score FROM audits b WHERE b.host = a.host "
            "ORDER BY b.started DESC, b.id DESC LIMIT 1) AS last_score "
            "FROM audits a GROUP BY a.host ORDER BY a.host"
        ).fetchall()
        return [SiteRow(**{k: row[k] for k in SiteRow.__slots__}) for row in rows]


@dataclass(frozen=True, slots=True)
class SiteRow:
    """One audited site, as `claimcheck history --list` shows it."""

    host: str
    audits: int
    last_started: str
    last_score: int | None


def _any_port(host: str) -> str:
    """A LIKE pattern for 'this IP or single-label host on any port' when `host` names no
    port ('127.0.0.1' finds the audit of http://127.0.0.1:8000/, filed as 127.0.0.1:8000);
    a pattern that matches nothing otherwise."""
    text = host.strip()
    key = host_key(text)
    try:
        port = urlsplit(text if "://" in text else f"http://{text}/").port
    except ValueError:
        port = None
    if ":" not in key or port is not None:
        return "\x00"
    name = key.rsplit(":", 1)[0].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{name}:%"


def host_key(host: str) -> str:
    """The site key audits are filed under, from a URL, a host name or a host:port."""
    from claimcheck.crawl.scope import site_key

    text = host.strip()
    try:
        return site_key(text if "://" in text else f"http://{text}/")
    except (ClaimcheckError, ValueError):
        return text.lower()


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (the files hold no ';' inside literals)."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    text = "\n".join(line.split("--", 1)[0] for line in lines)
    return [s.strip() for s in text.split(";") if s.strip()]


MAX_REPORT_BYTES = 512 * 1024 * 1024
"""A report.json larger than this (512 MB) is refused rather than read into memory."""


def _read_json(path: str) -> dict[str, Any]:
    """A JSON object from a regular file; HistoryError with one line otherwise (a FIFO or
    device, too big, not UTF-8, not JSON, nested too deeply, not an object)."""
    from claimcheck.config import parse_json, read_small_file

    data = parse_json(
        read_small_file(path, MAX_REPORT_BYTES, HistoryError, "report"), HistoryError, path
    )
    if not isinstance(data, dict):
        raise HistoryError(f"{path}: not a JSON report")
    return data


def audits_table(rows: list[AuditRow]) -> str:
    """The text table `claimcheck history` prints."""
    if not rows:
        return ""
    out = [
        f"{'started (UTC)':<20} {'site score':>10}  {'pages':>5} {'findings':>8} {'errors':>6}  "
        "audit"
    ]
    previous: int | None = None
    for r in rows:
        score = "—" if r.site_score is None else f"{r.site_score} ({r.site_grade})"
        trend = ""
        if previous is not None and r.site_score is not None:
            delta = r.site_score - previous
            trend = f" {'+' if delta > 0 else ''}{delta}" if delta else " ="
        started = r.started.replace("T", " ").removesuffix("+00:00")
        out.append(
            f"{started:<20} {score:>10}{trend:<4} {r.pages:>5} {r.findings:>8} {r.errors:>6}  "
            f"{r.id}\n{'':<21}{r.audit_dir}"
        )
        if r.site_score is not None:
            previous = r.site_score
    return "\n".join(out) + "\n"
