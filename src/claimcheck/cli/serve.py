"""`claimcheck serve`: the clinic pre-check page and JSON API."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from claimcheck import __version__
from claimcheck.cli.base import config_option, fail, main, split_values

if TYPE_CHECKING:
    pass


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option(
    "--jurisdiction",
    "-j",
    "jurisdictions",
    multiple=True,
    help="Default jurisdiction profiles (mx, us, none) when a request says 'auto'.",
)
@click.option(
    "--allow-fetch",
    is_flag=True,
    help="Let the page and API fetch a URL (public addresses only). Off by default.",
)
@config_option
def serve(
    host: str, port: int, jurisdictions: tuple[str, ...], allow_fetch: bool, config_file: str | None
) -> None:
    """Serve the clinic pre-check page and JSON API (see docs/serve.md). Stores nothing."""
    try:
        import uvicorn

        from claimcheck.web.app import create_app
    except ImportError as exc:
        fail(f"claimcheck serve needs {exc.name}: pip install 'claimcheck'")
        return
    from claimcheck.config import load_config

    config = load_config(config_file).with_overrides(
        jurisdictions=split_values(jurisdictions) or None
    )
    app = create_app(config, allow_fetch=allow_fetch)
    click.echo(
        f"claimcheck {__version__} serving on http://{host}:{port} (Ctrl-C to stop)", err=True
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
