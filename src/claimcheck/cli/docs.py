"""`claimcheck help TOPIC` and `claimcheck samples`: the documentation and sample pages that
ship inside the package, so an installed wheel needs no clone of the repository."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import click

from claimcheck.cli.base import fail, main

SAMPLE_SUFFIXES = (".html", ".md", ".txt")


def shipped_dir(name: str) -> Path:
    """`claimcheck/<name>` inside an installed package, else the repository's `<name>/`
    (an editable install or a checkout)."""
    packaged = Path(str(resources.files("claimcheck").joinpath(name)))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / name


def _topics() -> dict[str, Path]:
    """Topic name -> Markdown page: docs/*.md by file stem, and the CHANGELOG."""
    docs = shipped_dir("docs")
    pages = {p.stem.lower(): p for p in sorted(docs.glob("*.md"))}
    changelog = docs / "CHANGELOG.md"
    if not changelog.is_file():
        changelog = docs.parent / "CHANGELOG.md"
    if changelog.is_file():
        pages["changelog"] = changelog
    return pages


def _title(page: Path) -> str:
    """A page's first Markdown heading, for the topic list."""
    for line in page.read_text("utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
    return ""


@main.command("help")
@click.argument("topic", required=False)
def help_topic(topic: str | None) -> None:
    """Print a documentation page shipped with claimcheck; without TOPIC, list the topics.

    Rules have their own pages: `claimcheck rules explain CODE`.
    """
    topics = _topics()
    if topic is None:
        for name, page in topics.items():
            click.echo(f"{name:<14} {_title(page)}")
        return
    page = topics.get(topic.lower().removesuffix(".md"))
    if page is None:
        fail(f"no help topic {topic!r}; topics: {', '.join(topics)}")
        return
    click.echo(page.read_text("utf-8"), nl=False)


@main.command()
@click.argument("destination", default="samples", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite sample pages already in DESTINATION.")
def samples(destination: str, force: bool) -> None:
    """Copy the bundled sample pages into DESTINATION [samples/], to try
    `claimcheck check samples/` anywhere."""
    source = shipped_dir("samples")
    pages = sorted(p for p in source.iterdir() if p.suffix in SAMPLE_SUFFIXES)
    target = Path(destination)
    if target.resolve() == source.resolve():
        click.echo(f"the sample pages are already in {destination}/")
        return
    clash = [p.name for p in pages if (target / p.name).exists()]
    if clash and not force:
        fail(f"{destination}/{clash[0]} exists; pass --force to overwrite the sample pages")
    try:
        target.mkdir(parents=True, exist_ok=True)
        for page in pages:
            shutil.copyfile(page, target / page.name)
    except OSError as exc:
        fail(f"cannot write {destination}: {exc.strerror or exc}")
    click.echo(f"{len(pages)} sample page(s) written to {destination}/; try: ", nl=False)
    click.echo(f"claimcheck check {destination}/")
