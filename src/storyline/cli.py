"""The command line: a thin mirror of the Python API (each command calls one package function).

storyline ingest PATH_OR_URL...     → storyline.pipeline.ingest
storyline stories [--json]          → storyline.export.stories_export
storyline similar A B [--json]      → storyline.stories.similarity.similarity
storyline story ID [--json]         → Store.story + export.story_export
storyline search QUERY              → storyline.pipeline.search
storyline serve                     → storyline.web.app.create_app (uvicorn)
storyline demo                      → ingest the shipped sample corpus, then serve
storyline prerender [--limit N]     → storyline.web.pages.prerender_store
storyline migrate                   → Store.migrate
storyline batch INPUT... --scheduler local|tcp://HOST:PORT → storyline.scale.dask_batch.run_batch
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from storyline.errors import StorylineError
from storyline.settings import Settings, default_db_path

if TYPE_CHECKING:
    from storyline.store.base import Store

T = TypeVar("T")
console = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

__all__ = ["main"]


def _settings(ctx: click.Context, **overrides: object) -> Settings:
    return Settings.from_env(db=ctx.obj.get("db"), **overrides)


def _open(settings: Settings):
    from storyline.store import open_store

    return open_store(settings.db)


def _fail(message: str) -> NoReturn:
    console.print(f"[red]error:[/red] {message}", highlight=False)
    sys.exit(1)


def _with_store(ctx: click.Context, work: Callable[[Store, Settings], T]) -> T:
    """``work(store, settings)`` over the store the command line names; its errors end the run."""
    settings = _settings(ctx)
    try:
        with _open(settings) as store:
            return work(store, settings)
    except StorylineError as exc:
        _fail(str(exc))


@click.group()
@click.option("--db", envvar="STORYLINE_DB", default=None, help="SQLite file or postgresql:// URL.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, db: str | None, verbose: int) -> None:
    """storyline: every outlet's report of a story, and its discussion, on one page."""
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s")
    ctx.ensure_object(dict)
    ctx.obj["db"] = db


def _run_ingest(settings: Settings, inputs: list[str]) -> int:
    from storyline.pipeline import ingest

    with (
        _open(settings) as store,
        Progress(
            TextColumn("[bold]ingest"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=True,
            disable=len(inputs) < 3 or not console.is_terminal,
        ) as progress,
    ):
        task = progress.add_task("", total=len(inputs))

        def advance(outcome) -> None:
            progress.update(task, advance=1, description=Path(outcome.name).name[:40])

        report = ingest(inputs, settings=settings, store=store, on_outcome=advance)
    for outcome in report.outcomes:
        if outcome.status == "failed":
            console.print(f"[red]failed[/red]    {outcome.message}", highlight=False)
        elif outcome.status == "unchanged":
            console.print(f"unchanged {outcome.name}", highlight=False)
        else:
            console.print(
                f"[green]ingested[/green]  {outcome.name} ({outcome.articles} article(s))", highlight=False
            )
        for warning in outcome.warnings:
            console.print(f"  [yellow]skipped[/yellow] {warning}", highlight=False)
    console.print(report.summary(), highlight=False)
    return 0 if report.ok else 1


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--allow-private", is_flag=True, help="Allow fetching from private/loopback addresses.")
@click.option(
    "--no-encoder", is_flag=True, help="Skip the multilingual sentence encoder (faster, zh↔en weaker)."
)
@click.pass_context
def ingest(ctx: click.Context, inputs: tuple[str, ...], allow_private: bool, no_encoder: bool) -> None:
    """Ingest text dumps, JSONL, HTML pages, feeds, Weibo JSON files or URLs."""
    settings = _settings(ctx, allow_private=allow_private or None, use_encoder=False if no_encoder else None)
    try:
        code = _run_ingest(settings, list(inputs))
    except StorylineError as exc:
        _fail(str(exc))
    sys.exit(code)


@cli.command()
@click.argument("first")
@click.argument("second")
@click.option("--json", "as_json", is_flag=True, help="Print the score and its evidence as JSON.")
@click.option("--no-encoder", is_flag=True, help="Skip the multilingual sentence encoder.")
@click.option("--allow-private", is_flag=True, help="Allow fetching from private/loopback addresses.")
@click.pass_context
def similar(
    ctx: click.Context, first: str, second: str, as_json: bool, no_encoder: bool, allow_private: bool
) -> None:
    """How alike two reports are (1 = same story … 4 = unrelated), and why."""
    from storyline.stories.similarity import similarity

    settings = _settings(ctx, allow_private=allow_private or None, use_encoder=False if no_encoder else None)
    try:
        # Word rarity from the store when there is one (as story assignment weighs it); a
        # comparison never creates a store.
        if "://" in settings.db or Path(settings.db).exists():
            with _open(settings) as store:
                result = similarity(first, second, settings=settings, store=store)
        else:
            result = similarity(first, second, settings=settings)
    except StorylineError as exc:
        _fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    d = result.to_dict()
    verdict = "same story" if result.same_story else "different stories"
    out.print(f"score {d['score']:.2f} on 1-4 (1 = same story): {verdict} (p={d['probability']:.3f})", highlight=False)
    for name, value in d["features"].items():
        out.print(f"  {name:18s} {value}", highlight=False)
    for name in ("shared_entities", "shared_figures", "shared_latin"):
        if d[name]:
            out.print(f"  {name:18s} {', '.join(d[name])}", highlight=False)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the export contract as JSON.")
@click.option("--limit", default=1000, show_default=True)
@click.pass_context
def stories(ctx: click.Context, as_json: bool, limit: int) -> None:
    """List stories, hottest first."""
    from storyline.export import stories_export

    settings = _settings(ctx)
    try:
        with _open(settings) as store:
            if as_json:
                sys.stdout.write(
                    json.dumps(stories_export(store, limit=limit), ensure_ascii=False, indent=2) + "\n"
                )
                return
            for story in store.stories(limit=limit):
                out.print(
                    f"{story.id}  {story.concept or '-'}  {story.headline}  "
                    f"({len(story.article_ids)} article(s))",
                    highlight=False,
                )
    except StorylineError as exc:
        _fail(str(exc))


@cli.command()
@click.argument("story_id")
@click.pass_context
def story(ctx: click.Context, story_id: str) -> None:
    """Print one story (by id or a merged alias) as JSON."""
    from storyline.export import story_export

    settings = _settings(ctx)
    try:
        with _open(settings) as store:
            found = store.story(story_id)
            if found is None:
                _fail(f"no story {story_id!r} in {settings.db}")
            sys.stdout.write(json.dumps(story_export(store, found), ensure_ascii=False, indent=2) + "\n")
    except StorylineError as exc:
        _fail(str(exc))


@cli.command()
@click.argument("query")
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def search(ctx: click.Context, query: str, limit: int, as_json: bool) -> None:
    """Search articles in either script (2-character Chinese words work)."""
    from storyline.search import search as do_search

    hits = _with_store(ctx, lambda store, _: do_search(store, query, limit=limit))
    if as_json:
        rows = [
            {
                "id": h.id,
                "story_id": h.story_id,
                "title": h.title,
                "outlet": h.outlet,
                "published_at": h.published_at.isoformat() if h.published_at else None,
                "snippet": h.snippet,
            }
            for h in hits
        ]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    for h in hits:
        when = h.published_at.strftime("%Y-%m-%d %H:%M") if h.published_at else "—"
        out.print(f"{when}  {h.outlet}  {h.title}  [story {h.story_id}]", highlight=False)
        out.print("    " + h.snippet.replace("<mark>", "[").replace("</mark>", "]"), highlight=False)
    if not hits:
        console.print(f"no match for {query!r}", highlight=False)


@cli.command()
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Create or upgrade the store's schema (safe to re-run)."""
    from storyline.store import open_store

    settings = _settings(ctx)
    try:
        store = open_store(settings.db, migrate=False)
        with store:
            version = store.migrate()
    except StorylineError as exc:
        _fail(str(exc))
    console.print(f"{settings.db}: schema at version {version}", highlight=False)


def _serve(settings: Settings) -> None:
    import uvicorn

    from storyline.web.app import create_app

    store = _open(settings)
    app = create_app(store, settings)
    console.print(f"serving {settings.db} at http://{settings.host}:{settings.port}/", highlight=False)
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False)
    finally:
        store.close()


@cli.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default 8000).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the portal and the JSON API over the store."""
    _serve(_settings(ctx, host=host, port=port))


@cli.command()
@click.option("--limit", default=None, type=int, help="Only the N hottest stories (default: all).")
@click.pass_context
def prerender(ctx: click.Context, limit: int | None) -> None:
    """Render story pages into the page store ahead of readers (skips pages still fresh)."""
    from storyline.web.pages import prerender_store

    report = _with_store(ctx, lambda store, settings: prerender_store(store, settings, limit=limit))
    console.print(
        f"{report.rendered} pages rendered, {report.fresh} still fresh, {len(report.failed)} failed "
        f"in {report.seconds:.1f}s",
        highlight=False,
    )
    for path, status in report.failed[:20]:
        console.print(f"  {path}: HTTP {status}", highlight=False)
    if report.failed:
        sys.exit(1)


def demo_corpus_path() -> Path:
    """The sample corpus shipped inside the package (invented outlets and text)."""
    return Path(str(resources.files("storyline") / "demo" / "sample.jsonl"))


@cli.command()
@click.option("--host", default=None)
@click.option("--port", default=None, type=int)
@click.option("--no-serve", is_flag=True, help="Only build the demo store, do not start the server.")
@click.pass_context
def demo(ctx: click.Context, host: str | None, port: int | None, no_serve: bool) -> None:
    """Build a store from the shipped sample corpus and serve it (SQLite, nothing else needed)."""
    db = ctx.obj.get("db") or str(default_db_path().with_name("demo.db"))
    settings = Settings.from_env(db=db, host=host, port=port)
    try:
        code = _run_ingest(settings, [str(demo_corpus_path())])
    except StorylineError as exc:
        _fail(str(exc))
    if code:
        sys.exit(code)
    if not no_serve:
        _serve(settings)


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--scheduler", default="local", show_default=True, help="'local' or tcp://HOST:PORT.")
@click.option("--workers", default=2, show_default=True, help="Workers of the local cluster.")
@click.option("--partition-size", default=200, show_default=True)
@click.pass_context
def batch(
    ctx: click.Context, inputs: tuple[str, ...], scheduler: str, workers: int, partition_size: int
) -> None:
    """Ingest a big crawl on Dask distributed (same stage functions, same stories)."""
    from storyline.scale.dask_batch import run_batch

    settings = _settings(ctx)
    try:
        report = run_batch(
            list(inputs),
            settings=settings,
            scheduler=scheduler,
            workers=workers,
            partition_size=partition_size,
        )
    except StorylineError as exc:
        _fail(str(exc))
    for outcome in report.failed:
        console.print(f"[red]failed[/red]    {outcome.message}", highlight=False)
    console.print(report.summary(), highlight=False)
    sys.exit(0 if report.ok else 1)


def main() -> None:
    cli(prog_name="storyline")


if __name__ == "__main__":
    main()
