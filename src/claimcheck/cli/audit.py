"""`claimcheck crawl`, `verify`, `history`, `diff` and `report`: regulator audits."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING

import click

from claimcheck.cli.base import config_option, db_option, emit, fail, main, split_values
from claimcheck.errors import ClaimcheckError, ExitCode

if TYPE_CHECKING:
    from claimcheck.config import Config

no_history_option = click.option(
    "--no-history", is_flag=True, help="Do not record the audit in the history database."
)


@main.command()
@click.argument("urls", nargs=-1)
@click.option(
    "--sites",
    "sites_file",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Crawl every site listed in FILE (one URL a line, '#' comments) into one sweep "
    "directory; several URLs do the same.",
)
@click.option(
    "--concurrent-sites",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="With several sites: how many are crawled at once (each keeps its own politeness).",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False),
    help="Audit directory to create (a sweep directory with several sites).",
)
@click.option(
    "--max-pages",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Most pages (responses) to archive.",
)
@click.option(
    "--depth",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Links followed from the seed (0 = the seed page only).",
)
@click.option("--allow-host", "allow_hosts", multiple=True, help="Extra host in scope; repeatable.")
@click.option("--ignore-robots", is_flag=True, help="Do not obey robots.txt (warned and recorded).")
@click.option("--contact", metavar="URL", help="Contact URL put in the user agent.")
@click.option(
    "--delay",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Seconds between requests to the host (AutoThrottle never goes faster).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds to wait for one response.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=2,
    show_default=True,
    help="Extra attempts per URL after a timeout or a 5xx/429 answer.",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=10 * 1024 * 1024,
    show_default=True,
    help="Bytes per response body; a larger response is not archived.",
)
@click.option(
    "--sign",
    "sign_key",
    metavar="KEY",
    type=click.Path(dir_okay=False),
    help="Sign the manifest with this Ed25519 private key (from `claimcheck keygen`).",
)
@click.option(
    "--tsa",
    metavar="URL",
    help="Time-stamp the manifest's SHA-256 at this RFC 3161 time-stamping authority.",
)
@db_option
@no_history_option
@click.option(
    "--screenshots",
    is_flag=True,
    help="Also store a full-page PNG of each HTML page, rendered from the archive in headless "
    "Chromium (needs claimcheck[browser]; skipped with a warning when unavailable).",
)
@click.option(
    "--redis",
    "redis_url",
    metavar="URL",
    help="Share one crawl frontier through this Redis (redis://host:port/db) with other "
    "workers; this worker writes OUT/parts/WORKER-ID/ (then `claimcheck merge OUT`).",
)
@click.option("--worker-id", metavar="ID", help="With --redis: this worker's part [hostname-pid].")
@click.option(
    "--audit-id",
    metavar="ID",
    help="With --redis: the id every worker of the audit shares [the name of --out].",
)
@click.option(
    "--idle-timeout",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    help="With --redis: stop once the shared queue has been idle this many seconds.",
)
@config_option
def crawl(
    urls: tuple[str, ...],
    sites_file: str | None,
    concurrent_sites: int,
    out: str,
    max_pages: int,
    depth: int,
    allow_hosts: tuple[str, ...],
    ignore_robots: bool,
    contact: str | None,
    delay: float,
    timeout: float,
    retries: int,
    max_bytes: int,
    sign_key: str | None,
    tsa: str | None,
    db_path: str | None,
    no_history: bool,
    screenshots: bool,
    redis_url: str | None,
    worker_id: str | None,
    audit_id: str | None,
    idle_timeout: float,
    config_file: str | None,
) -> None:
    """Crawl a site politely into an audit directory: WARC, manifest.json, report.json.

    Several URLs or --sites FILE crawl many sites in one run into a sweep directory
    (sweep.json and one audit per site under sites/). Each finished audit is recorded in the
    history database (see `claimcheck history`).
    """
    from claimcheck.config import load_config
    from claimcheck.crawl import CrawlOptions
    from claimcheck.crawl.runner import run_crawl

    if not urls and not sites_file:
        fail("give a URL, several URLs, or --sites FILE")
    signer = _load_signer(sign_key)  # a bad key or passphrase fails before the crawl
    options = CrawlOptions(
        seed=urls[0] if urls else "",
        out=out,
        max_pages=max_pages,
        depth=depth,
        allow_hosts=split_values(allow_hosts),
        ignore_robots=ignore_robots,
        contact=contact,
        delay=delay,
        timeout=timeout,
        retries=retries,
        max_bytes=max_bytes,
    )
    if sites_file or len(urls) > 1:
        if screenshots:
            fail("--screenshots works on a one-site crawl; crawl that site on its own")
        if redis_url:  # one worker of a sweep on a shared frontier: merge seals nothing
            if sign_key or tsa:
                fail("--sign and --tsa apply to merged audits, not to a worker's parts")
            shared = _frontier_spec(options, redis_url, worker_id, audit_id, idle_timeout)
            config = load_config(config_file)
            _crawl_sweep(urls, sites_file, options, concurrent_sites, config, shared)
            return
        _crawl_sweep(urls, sites_file, options, concurrent_sites, load_config(config_file))
        _finish_sweep(out, signer, tsa, db_path, no_history)
        return
    url = urls[0]
    if redis_url:
        if sign_key or tsa or screenshots:
            fail("--sign, --tsa and --screenshots apply to the merged audit, not to a part")
        _crawl_worker(options, redis_url, worker_id, audit_id, idle_timeout, config_file)
        return
    manifest, report = run_crawl(options, load_config(config_file), screenshots=screenshots)
    s = report.summary
    click.echo(
        f"audit {manifest['audit_id']}: {len(manifest['pages'])} page(s) archived, "
        f"{s.files} scored, {s.findings} finding(s), {len(manifest['errors'])} error(s), "
        f"{len(manifest['skipped'])} skipped"
    )
    if report.site is not None and report.site.score is not None:
        click.echo(
            f"site score {report.site.score}/100 ({report.site.grade}): "
            + "; ".join(report.site.reasons)
        )
    _echo_manifest_sha256(out)
    _seal(out, signer, tsa)
    if not no_history:
        _record([out], db_path)
    if not manifest["pages"]:  # an unreachable seed or a robots refusal is not a clean audit
        why = [f"{e['url']}: {e['error']}" for e in manifest["errors"]]
        why += [f"{s['url']}: skipped ({s['reason']})" for s in manifest["skipped"]]
        fail(f"no page archived from {url}" + (f" ({'; '.join(why[:3])})" if why else ""))


def _crawl_sweep(
    urls: tuple[str, ...],
    sites_file: str | None,
    options,
    concurrent_sites: int,
    config: Config,
    shared=None,
) -> None:
    """`crawl URL1 URL2 ...` / `crawl --sites FILE`: every site into one sweep directory,
    one line per site; exit 2 when no site archived a page, a warning when some failed.
    With `shared` (a FrontierSpec), this is one worker of a sweep on Redis: exit 2 when
    it could not finish its share of some site."""
    from claimcheck.crawl.multisite import plan_sites, read_sites_file, run_sweep

    entries = [(f"argument {i}", u) for i, u in enumerate(urls, start=1)]
    if sites_file:
        entries += read_sites_file(sites_file)
    plan = plan_sites(entries)
    for warning in plan.warnings:
        click.echo(f"claimcheck: warning: {warning}", err=True)
    outcomes = run_sweep(plan, options, config, concurrent_sites, shared)
    for o in outcomes:
        score = "" if o.score is None else f", site score {o.score}/100 ({o.grade})"
        why = f": {o.reason}" if o.reason and o.status != "done" else ""
        click.echo(f"{o.status:<10} {o.site}: {o.pages} page(s), {o.errors} error(s){score}{why}")
    if shared is not None:
        click.echo(
            f"worker {shared.worker_id} of sweep {shared.audit_id}: "
            f"{sum(o.pages for o in outcomes)} page(s) archived; when every worker has "
            f"stopped: claimcheck merge {options.out}"
        )
        unfinished = [o.site for o in outcomes if o.status != "done"]
        if unfinished:
            fail(
                f"{len(unfinished)} site(s) not finished by this worker: "
                f"{', '.join(unfinished[:5])} (reasons above); start workers again to finish"
            )
        return
    failed = [o for o in outcomes if o.status != "done"]
    click.echo(
        f"sweep {os.path.normpath(options.out)}: {len(outcomes) - len(failed)} of "
        f"{len(outcomes)} site(s) done"
    )
    if not any(o.pages for o in outcomes):
        fail(f"no page archived from any of the {len(outcomes)} site(s)")
    if failed:
        names = ", ".join(o.site for o in failed[:10]) + (" ..." * (len(failed) > 10))
        click.echo(
            f"claimcheck: warning: {len(failed)} of {len(outcomes)} site(s) failed or are "
            f"incomplete: {names} (reasons in sweep.json)",
            err=True,
        )


def _finish_sweep(out: str, signer, tsa: str | None, db_path: str | None, no_history: bool) -> None:
    """Sign and time-stamp each site audit of a sweep and record each in the history."""
    from claimcheck.crawl.sweep import sweep_site_dirs

    dirs = sweep_site_dirs(out)
    for directory in dirs:
        _seal(directory, signer, tsa)
    if not no_history and dirs:
        _record(dirs, db_path, sweep=True)


def _record(directories: list[str], db_path: str | None, sweep: bool = False) -> None:
    """Record finished audits (one, or the site audits of a sweep) in the history database.
    A history that cannot be written is a warning: the audits themselves are complete."""
    from claimcheck.history import History

    try:
        with History(db_path) as history:
            for directory in directories:
                history.record_audit(directory)
            what = f"{len(directories)} site audit(s) " if sweep else ""
            click.echo(f"{what}recorded in {history.path}")
    except ClaimcheckError as exc:
        what = "sweep" if sweep else "audit"
        click.echo(f"claimcheck: warning: {what} not recorded in the history: {exc}", err=True)


def _echo_manifest_sha256(directory: str) -> None:
    """Print the manifest's SHA-256 for the case file (what `verify --expect` takes)."""
    from claimcheck.crawl.archive import MANIFEST, file_sha256

    digest = file_sha256(os.path.join(directory, MANIFEST))
    click.echo(f"manifest sha256 {digest} — keep it with the case file")


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--key",
    metavar="PUB",
    type=click.Path(dir_okay=False),
    help="Require a valid signature by this Ed25519 public key (the .pub of keygen).",
)
@click.option(
    "--expect",
    metavar="SHA256",
    help="Require the manifest's SHA-256 to be this one (as `crawl` printed it).",
)
@click.option(
    "--tsa-cert",
    metavar="PEM",
    type=click.Path(dir_okay=False),
    help="Require a time-stamp token signed by this TSA certificate (or one it issued).",
)
def verify(directory: str, key: str | None, expect: str | None, tsa_cert: str | None) -> None:
    """Recompute every hash and WARC digest of an audit directory, and check its signature
    and time-stamp; exit 1 on any mismatch, 2 when it is not a readable audit. A sweep
    directory is verified site by site (OK/FAIL per site, then a total)."""
    from claimcheck.crawl.sweep import is_sweep_dir
    from claimcheck.crawl.verify import verify_audit

    if is_sweep_dir(directory):
        _verify_sweep(directory, key, expect, tsa_cert)
    result = verify_audit(directory, key=key, expect=expect, tsa_cert=tsa_cert)
    for problem in result.problems:
        click.echo(f"FAIL {problem}")
    click.echo(
        f"{'OK' if result.ok else 'FAILED'}: {result.records} WARC record(s), "
        f"{result.pages} page(s), {result.files} other file(s); "
        f"manifest sha256 {result.manifest_sha256}"
    )
    for note in result.notes:
        click.echo(note)
    sys.exit(ExitCode.CLEAN if result.ok else ExitCode.FINDINGS)


def _verify_sweep(
    directory: str, key: str | None, expect: str | None, tsa_cert: str | None
) -> None:
    """`verify SWEEP_DIR`: one OK/FAIL line per site, its problems, a total; exits."""
    from claimcheck.crawl.sweep import verify_sweep
    from claimcheck.crawl.verify import shown

    if expect:
        fail("--expect names one manifest: verify a site of the sweep (DIR/sites/NAME) with it")
    results = verify_sweep(directory, key=key, tsa_cert=tsa_cert)
    for r in results:
        mark = "OK  " if r.ok else "FAIL"
        click.echo(f"{mark} {shown(r.site)} ({r.status}): {shown(r.summary, 300)}")
        for problem in r.problems:
            click.echo(f"     {shown(problem, 300)}")
    bad = sum(not r.ok for r in results)
    click.echo(
        f"{'OK' if not bad else 'FAILED'}: {len(results) - bad} of {len(results)} site(s) "
        f"verified{f', {bad} failed' if bad else ''}"
    )
    sys.exit(ExitCode.FINDINGS if bad else ExitCode.CLEAN)


@main.command()
@click.option(
    "-o",
    "--output",
    "path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Private key file to create (0600); the public key goes to PATH.pub.",
)
def keygen(path: str) -> None:
    """Make an Ed25519 key pair for signing audits (`crawl --sign`, `sign`).

    The private key is encrypted with CLAIMCHECK_KEY_PASSPHRASE when that is set.
    """
    from claimcheck.crawl.signing import keygen as make_keys

    private, public, fingerprint = make_keys(path)
    click.echo(f"private key {private} (keep it secret: mode 0600)")
    click.echo(f"public key  {public} (give it to whoever verifies: verify --key {public})")
    click.echo(f"fingerprint {fingerprint}")


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--key",
    metavar="KEY",
    type=click.Path(dir_okay=False),
    help="Ed25519 private key to sign the manifest with.",
)
@click.option("--tsa", metavar="URL", help="RFC 3161 time-stamping authority to stamp it at.")
def sign(directory: str, key: str | None, tsa: str | None) -> None:
    """Sign (and/or time-stamp) an existing audit, once it verifies."""
    from claimcheck.crawl.verify import require_verified

    if not key and not tsa:
        fail("give --key KEY to sign, --tsa URL to time-stamp, or both")
    signer = _load_signer(key)
    require_verified(directory)
    _seal(directory, signer, tsa)


def _load_signer(key: str | None):
    """The private key for --sign, loaded before any work so a bad key fails first."""
    if key is None:
        return None
    from claimcheck.crawl.signing import load_private_key

    return load_private_key(key)


def _seal(directory: str, signer, tsa: str | None) -> None:
    """Sign the manifest and/or time-stamp it, saying what was written."""
    if signer is not None:
        from claimcheck.crawl.signing import SIGNATURE, sign_audit

        signature = sign_audit(directory, signer)
        click.echo(f"signed {SIGNATURE} with {signature['key_fingerprint']}")
    if tsa:
        from claimcheck.crawl.tsa import TOKEN, stamp_audit

        token = stamp_audit(directory, tsa)
        click.echo(f"time-stamped {TOKEN}: {token.gen_time} by {token.tsa[:100]}")


@main.command()
@click.argument("host", required=False)
@click.option("--list", "list_sites", is_flag=True, help="List every audited site (no HOST).")
@db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def history(host: str | None, list_sites: bool, db_path: str | None, fmt: str) -> None:
    """List the recorded audits of a site (a host, host:port or URL), oldest first; without
    HOST (or with --list), every audited site. An IP or single-label host without a port
    finds its audits on any port."""
    from dataclasses import asdict

    from claimcheck.history import History, audits_table, host_key

    if host is None or list_sites:
        _history_sites(db_path, fmt)
        return
    with History(db_path) as db:
        rows = db.audits(host)
        where = db.path
    if fmt == "json":
        data = {"host": host_key(host), "db": str(where), "audits": [asdict(r) for r in rows]}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo(f"no audits of {host_key(host)} in {where}", err=True)
        return
    click.echo(f"{len(rows)} audit(s) of {host_key(host)} ({where})")
    click.echo(audits_table(rows), nl=False)


def _history_sites(db_path: str | None, fmt: str) -> None:
    """`claimcheck history --list`: every audited site with its audit count and last score."""
    from dataclasses import asdict

    from claimcheck.history import History

    with History(db_path) as db:
        sites = db.sites()
        where = db.path
    if fmt == "json":
        data = {"db": str(where), "sites": [asdict(s) for s in sites]}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if not sites:
        click.echo(f"no audits in {where}", err=True)
        return
    click.echo(f"{len(sites)} audited site(s) ({where})")
    for s in sites:
        score = "-" if s.last_score is None else str(s.last_score)
        click.echo(f"{s.host:<32} {s.audits:>3} audit(s)  last {s.last_started}  score {score}")


@main.command()
@click.argument("audit_a")
@click.argument("audit_b")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--no-verify", is_flag=True, help="Use the audits without verifying them first.")
def diff(audit_a: str, audit_b: str, fmt: str, no_verify: bool) -> None:
    """Compare two audits (earlier, later): new, fixed and persisting findings.

    Both audits are verified first (as `claimcheck verify` does) unless --no-verify.
    Exit 1 when audit B has new error-level findings, 0 otherwise, 2 on bad input.
    """
    from claimcheck.crawl.sweep import is_sweep_dir
    from claimcheck.diff import diff_audits, diff_json, diff_text

    if is_sweep_dir(audit_a) or is_sweep_dir(audit_b):
        from claimcheck.diff import diff_sweeps, sweep_diff_json, sweep_diff_text

        sweep = diff_sweeps(audit_a, audit_b, verify=not no_verify)
        click.echo(sweep_diff_json(sweep) if fmt == "json" else sweep_diff_text(sweep), nl=False)
        sys.exit(ExitCode.FINDINGS if sweep.new_errors else ExitCode.CLEAN)
    result = diff_audits(audit_a, audit_b, verify=not no_verify)
    click.echo(diff_json(result) if fmt == "json" else diff_text(result), nl=False)
    sys.exit(ExitCode.FINDINGS if result.new_errors else ExitCode.CLEAN)


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--format", "fmt", type=click.Choice(["html", "json", "pdf"]), default="html")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report to a file instead of stdout (required for pdf on a terminal).",
)
@click.option("--lang", type=click.Choice(["en", "es"]), default="en", show_default=True)
@click.option("--no-verify", is_flag=True, help="Use the audit without verifying it first.")
@config_option
def report(
    directory: str,
    fmt: str,
    output: str | None,
    lang: str,
    no_verify: bool,
    config_file: str | None,
) -> None:
    """The report of an audit directory, re-derived from its WARC: site score, every page
    with its archived copy (WARC record id, SHA-256) and its findings. Nothing is fetched."""
    from claimcheck.config import load_config
    from claimcheck.crawl.archive import load_manifest
    from claimcheck.crawl.report import audit_report_html, audit_report_json
    from claimcheck.crawl.sweep import is_sweep_dir

    if is_sweep_dir(directory):
        _report_sweep(directory, fmt, output, no_verify, load_config(config_file))
        return
    load_manifest(directory)  # exit 2 on a directory that is not an audit
    if not no_verify:
        from claimcheck.crawl.verify import require_verified

        require_verified(directory)
    config = load_config(config_file)
    if fmt == "pdf":
        _emit_pdf(directory, config, lang, output)
        return
    if fmt == "html":
        text = audit_report_html(directory, config, lang)
    else:
        text, _ = audit_report_json(directory, config)
    if emit(text, output):
        click.echo(f"wrote {output}", err=True)


def _report_sweep(
    directory: str, fmt: str, output: str | None, no_verify: bool, config: Config
) -> None:
    """`report SWEEP_DIR --format json`: each site's audit report (as `report SITE_DIR
    --format json` writes it) under its sweep entry. HTML and PDF render one site."""
    from claimcheck.crawl.archive import audit_path
    from claimcheck.crawl.report import audit_report_json
    from claimcheck.crawl.sweep import load_sweep, require_sweep_verified, sweep_site_dirs

    if fmt != "json":
        fail(
            f"{directory} is a sweep: render one site with `claimcheck report "
            f"{os.path.join(directory, 'sites', 'NAME')}`, every site with --format json, "
            "or the ranking with `claimcheck sweep report`"
        )
    if not no_verify:
        require_sweep_verified(directory)
    index = load_sweep(directory)
    with_audit = set(sweep_site_dirs(directory))
    sites = []
    for entry in index["sites"]:
        path = audit_path(directory, entry["dir"], "site dir")
        site = dict(entry)
        if path in with_audit:
            text, _ = audit_report_json(path, config)
            site["report"] = json.loads(text)
        sites.append(site)
    data = {"kind": "claimcheck-sweep-audits", "started": index.get("started"), "sites": sites}
    if emit(json.dumps(data, indent=2, ensure_ascii=False) + "\n", output):
        click.echo(f"wrote {output}", err=True)


def _emit_pdf(directory: str, config: Config, lang: str, output: str | None) -> None:
    """Write the PDF report to `output`, or to stdout when it is not a terminal."""
    from claimcheck.crawl.pdf import audit_report_pdf

    to_stdout = not output or output == "-"
    if to_stdout and sys.stdout.isatty():
        fail("--format pdf writes binary: give -o FILE.pdf (or redirect stdout)")
    data = audit_report_pdf(directory, config, lang)
    if to_stdout:
        sys.stdout.buffer.write(data)
        return
    try:
        with open(output, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    click.echo(f"wrote {output} ({len(data) // 1024} KB)", err=True)


def _crawl_worker(
    options,
    redis_url: str,
    worker_id: str | None,
    audit_id: str | None,
    idle_timeout: float,
    config_file: str | None,
) -> None:
    """`crawl --redis`: one worker of a shared frontier, its pages in OUT/parts/WORKER-ID/."""
    from claimcheck.config import load_config
    from claimcheck.crawl.redis_frontier import run_worker

    spec = _frontier_spec(options, redis_url, worker_id, audit_id, idle_timeout)
    manifest, _ = run_worker(options, spec, load_config(config_file))
    click.echo(
        f"part {spec.worker_id} of audit {spec.audit_id}: {len(manifest['pages'])} page(s) "
        f"archived, {len(manifest['errors'])} error(s); when every worker has stopped: "
        f"claimcheck merge {options.out}"
    )


def _frontier_spec(
    options, redis_url: str, worker_id: str | None, audit_id: str | None, idle_timeout: float
):
    """The shared frontier this worker joins: the audit (or sweep) id is --audit-id or the
    name of --out; the worker id is --worker-id or hostname-pid."""
    from claimcheck.crawl.redis_frontier import FrontierSpec, clean_id, default_worker_id

    return FrontierSpec(
        url=redis_url,
        audit_id=clean_id(audit_id or os.path.basename(os.path.normpath(options.out))),
        worker_id=clean_id(worker_id) if worker_id else default_worker_id(),
        max_pages=options.max_pages,
        idle_timeout=idle_timeout,
    )


def _merge_sweep(directory: str, db_path: str | None, no_history: bool, config) -> None:
    """`merge SWEEP_DIR`: every site's parts merged and scored, sweep.json filled in."""
    from claimcheck.crawl.merge import merge_sweep

    results = merge_sweep(directory, config)
    for r in results:
        score = "" if r.score is None else f", site score {r.score}/100 ({r.grade})"
        why = f": {r.reason}" if r.reason else ""
        note = "" if r.merged else " (not merged now)"
        click.echo(f"{r.status:<10} {r.site}: {r.pages} page(s){score}{note}{why}")
    done = sum(1 for r in results if r.status == "done")
    click.echo(f"sweep {os.path.normpath(directory)}: {done} of {len(results)} site(s) done")
    if not any(r.pages for r in results):
        fail(f"no page in any site of {directory}")
    merged = [r.directory for r in results if r.merged]
    if not no_history and merged:
        _record(merged, db_path, sweep=True)


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@db_option
@no_history_option
@config_option
def merge(directory: str, db_path: str | None, no_history: bool, config_file: str | None) -> None:
    """Merge the parts of a `crawl --redis` audit (DIRECTORY/parts/*) into one audit in
    DIRECTORY: one WARC, one manifest, report.json. Incomplete parts are salvaged and listed.

    The merged audit is recorded in the history database, as a crawl is. A sweep directory
    (`crawl --sites FILE --redis URL`) is merged site by site and its sweep.json filled in.
    """
    from claimcheck.config import load_config
    from claimcheck.crawl.merge import merge_parts
    from claimcheck.crawl.sweep import is_sweep_dir

    if is_sweep_dir(directory):
        _merge_sweep(directory, db_path, no_history, load_config(config_file))
        return
    manifest, report = merge_parts(directory, load_config(config_file))
    for part in manifest["parts"]:
        why = f" ({part['reason']})" if part["status"] != "complete" else ""
        click.echo(f"{part['status']:<10} {part['worker_id']}: {part['pages']} page(s){why}")
    s = report.summary
    click.echo(
        f"audit {manifest['audit_id']}: {len(manifest['pages'])} page(s) from "
        f"{len(manifest['parts'])} part(s), {s.files} scored, {s.findings} finding(s)"
    )
    _echo_manifest_sha256(directory)
    if not manifest["pages"]:
        fail(f"no page in any part of {directory}")
    if not no_history:
        _record([directory], db_path)
