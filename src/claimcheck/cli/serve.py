"""`claimcheck serve`: the clinic pre-check page and JSON API."""

from __future__ import annotations

import click

from claimcheck import __version__
from claimcheck.cli.base import config_option, fail, main, split_values
from claimcheck.errors import ClaimcheckError


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option(
    "--jurisdiction",
    "jurisdictions",
    multiple=True,
    help="Default jurisdiction profiles (mx, us, none) when a request says 'auto'.",
)
@click.option(
    "--allow-fetch",
    is_flag=True,
    help="Let the page and API fetch a URL (public addresses only). Off by default.",
)
@click.option(
    "--workers",
    type=click.IntRange(0),
    default=None,
    help="Worker processes for checks (default and maximum: the CPUs this process may use).",
)
@click.option(
    "--timeout",
    "deadline",
    type=click.FloatRange(1.0, 600.0),
    default=30.0,
    show_default=True,
    help="Seconds a request may take; a check still running then is killed (504).",
)
@config_option
def serve(
    host: str,
    port: int,
    jurisdictions: tuple[str, ...],
    allow_fetch: bool,
    workers: int | None,
    deadline: float,
    config_file: str | None,
) -> None:
    """Serve the clinic pre-check page and JSON API (`claimcheck help serve`). Stores nothing."""
    try:
        import uvicorn

        from claimcheck.web.app import Limits, create_app
        from claimcheck.web.server import server_config
    except ImportError as exc:
        fail(f"claimcheck serve needs {exc.name}: pip install 'claimcheck[serve]'")
        return
    from claimcheck.config import load_config
    from claimcheck.engine import cpu_count

    config = load_config(config_file).with_overrides(
        jurisdictions=split_values(jurisdictions) or None
    )
    cpus = cpu_count()
    limits = Limits(deadline=deadline, workers=cpus if workers is None else min(workers, cpus))
    try:
        app = create_app(config, allow_fetch=allow_fetch, limits=limits)
    except ClaimcheckError as exc:
        fail(str(exc))
        return
    click.echo(
        f"claimcheck {__version__} serving on http://{host}:{port} with {limits.workers} "
        "worker(s) (Ctrl-C to stop)",
        err=True,
    )
    uvicorn.Server(server_config(app, host, port, limits.header_timeout)).run()
