-- claimcheck audit history, version 1: audits, their pages, and the pages' findings.
-- Applied by claimcheck.history in one transaction; schema_version records it.

CREATE TABLE audits (
    id               TEXT PRIMARY KEY,          -- the manifest's audit_id
    host             TEXT NOT NULL,             -- the site key (registrable domain or host:port)
    seed_url         TEXT NOT NULL,
    started          TEXT NOT NULL,             -- ISO 8601, UTC
    finished         TEXT,
    tool_version     TEXT NOT NULL,
    lexicon_version  TEXT,
    site_score       INTEGER,
    site_grade       TEXT,
    audit_dir        TEXT NOT NULL,             -- absolute path when recorded
    manifest_sha256  TEXT NOT NULL,
    recorded         TEXT NOT NULL
);
CREATE INDEX audits_host_started ON audits (host, started);

CREATE TABLE pages (
    id         INTEGER PRIMARY KEY,
    audit_id   TEXT NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
    url        TEXT NOT NULL,
    status     INTEGER,
    sha256     TEXT,
    score      INTEGER,
    grade      TEXT,
    page_type  TEXT,
    UNIQUE (audit_id, url)
);

CREATE TABLE findings (
    id           INTEGER PRIMARY KEY,
    audit_id     TEXT NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
    page_id      INTEGER NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    code         TEXT NOT NULL,
    severity     TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,                 -- claimcheck.fingerprint over code, sentence, URL
    sentence     TEXT NOT NULL,                 -- normalised (fingerprint.normalise_sentence)
    message      TEXT NOT NULL,
    suppressed   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX findings_audit ON findings (audit_id);
CREATE INDEX findings_fingerprint ON findings (fingerprint);
