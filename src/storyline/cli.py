"""The command line: a thin mirror of the Python API (each command calls one package function).

storyline ingest PATH_OR_URL...     → storyline.pipeline.ingest
storyline stories [--json]          → storyline.export.stories_export
storyline similar A B [--json]      → storyline.pipeline.similarity
storyline story ID [--json]         → Store.story + export.story_export
storyline search QUERY              → storyline.pipeline.search
storyline serve                     → storyline.web.app.create_app (uvicorn)
storyline demo                      → ingest the shipped sample corpus, then serve
storyline prerender [--limit N]     → storyline.web.prerender.prerender_store
storyline migrate                   → Store.migrate
storyline batch INPUT... --scheduler local|tcp://HOST:PORT → storyline.scale.dask_batch.run_batch
storyline follow [SOURCE]... [--sources FILE] [--once] → storyline.live.follow
storyline sources [--opml]          → storyline.live.listed_sources (+ to_opml)
storyline status [--json]           → storyline.live.source_status
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
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Column
from rich.text import Text

from storyline import __version__
from storyline.errors import StorylineError
from storyline.settings import Settings, default_db_path
from storyline.terminal import line, safe

if TYPE_CHECKING:
    from storyline.store.base import Store

T = TypeVar("T")
console = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

__all__ = ["main"]


def _settings(ctx: click.Context, **overrides: object) -> Settings:
    return Settings.from_env(db=ctx.obj.get("db"), **overrides)


def _open(settings: Settings, *, announce: bool = True):
    from storyline.store import open_store

    if announce:
        _announce_store(settings)
    return open_store(settings.db)


# ---- where the store is: named on a terminal, and how to fill it when it is empty ------------
def _is_url(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))


def store_label(db: str) -> str:
    """``db`` as a person reads it: an absolute SQLite path, or a PostgreSQL URL without its password.

    >>> store_label("postgresql://news:s3cret@db:5432/news")
    'postgresql://news:***@db:5432/news (PostgreSQL)'
    """
    if _is_url(db):
        from urllib.parse import urlsplit

        parts = urlsplit(db)
        if parts.password is not None:
            host = parts.netloc.rpartition("@")[2]
            parts = parts._replace(netloc=f"{parts.username or ''}:***@{host}")
        return f"{parts.geturl()} (PostgreSQL)"
    path = Path(db).expanduser().absolute()
    return f"{path} (SQLite{'' if path.exists() else ', does not exist yet'})"


def _announce_store(settings: Settings) -> None:
    """The first line a command prints on a terminal: which store it reads or writes.

    Only on a terminal: piped output (``stories --json > x``, scripts) stays as it was.
    """
    if console.is_terminal:
        console.print(f"store: {store_label(settings.db)}", markup=False, highlight=False)


def demo_db_path() -> Path:
    """Where ``storyline demo`` builds its store unless ``--db`` says otherwise: beside the default.

    Its own file, so that the invented sample outlets never mix into the stories you ingest.
    """
    return default_db_path().with_name("demo.db")


def _hint_empty_store(settings: Settings) -> None:
    """An empty store says how to fill it, and where the demo's stories are if it was run."""
    db = settings.db
    console.print(f"no stories in {store_label(db)} yet. Fill it with:", markup=False, highlight=False)
    console.print(
        "  storyline ingest FILE_OR_URL...   (text dumps, JSONL, HTML pages, RSS/Atom feeds, "
        "Weibo JSON, http(s) URLs)",
        markup=False,
        highlight=False,
    )
    demo = demo_db_path()
    here = None if _is_url(db) else Path(db).expanduser().absolute()
    if demo.exists() and here != demo:
        line = f"The demo's stories are in {demo}:  storyline stories --db {demo}"
        console.print(line, markup=False, highlight=False)
    else:
        console.print(
            "  storyline demo                    (builds and serves the shipped sample corpus)", markup=False
        )


def _fail(message: str) -> NoReturn:
    console.print(line(("error:", "red"), " ", message), highlight=False)
    sys.exit(1)


def _with_store(ctx: click.Context, work: Callable[[Store, Settings], T]) -> T:
    """``work(store, settings)`` over the store the command line names; its errors end the run."""
    settings = _settings(ctx)
    try:
        with _open(settings) as store:
            return work(store, settings)
    except StorylineError as exc:
        _fail(str(exc))


# ---- global options: before or after the subcommand -------------------------------------------
DB_HELP = "SQLite file or postgresql:// URL (default: $STORYLINE_DB, else the user's data directory)."
VERBOSE_HELP = "More log output (-vv for debug)."


def _log_level(verbose: int) -> int:
    return max(logging.WARNING - 10 * verbose, logging.DEBUG)


def _db_after_command(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:  # the subcommand's --db wins over the group's (and $STORYLINE_DB)
        ctx.ensure_object(dict)["db"] = value


def _verbose_after_command(ctx: click.Context, _param: click.Parameter, value: int) -> None:
    if value:
        obj = ctx.ensure_object(dict)
        obj["verbose"] = obj.get("verbose", 0) + value
        logging.getLogger().setLevel(_log_level(obj["verbose"]))


def _global_params() -> list[click.Parameter]:
    """``--db`` and ``-v`` as every subcommand takes them (the group's own stay too).

    People put global flags after the subcommand (``storyline ingest --db x.db FILE``), as git,
    pip and docker let them; the callbacks write into the same ``ctx.obj`` the group fills.
    """
    return [
        click.Option(["--db"], default=None, expose_value=False, callback=_db_after_command, help=DB_HELP),
        click.Option(
            ["-v", "--verbose"],
            count=True,
            expose_value=False,
            callback=_verbose_after_command,
            help=VERBOSE_HELP,
        ),
    ]


class _Group(click.Group):
    """A group whose every command, including those added later, also takes the global options."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        taken = {opt for p in cmd.params for opt in getattr(p, "opts", [])}
        cmd.params.extend(p for p in _global_params() if not taken & set(p.opts))
        super().add_command(cmd, name)


def _start_here(ctx: click.Context) -> None:
    """What ``storyline`` alone prints: the first commands to run, where the stores are, then help."""
    db = ctx.obj.get("db") or str(default_db_path())
    click.echo(
        "storyline: every outlet's report of a story, and its discussion, on one page.\n\n"
        "Start here:\n"
        "  storyline demo                    build a store from the shipped sample corpus and serve it\n"
        "                                    at http://127.0.0.1:8000/\n"
        "  storyline ingest FILE_OR_URL...   add news: text dumps, JSONL, HTML pages, feeds, Weibo JSON, URLs\n"
        "  storyline stories                 the hot list of your store\n"
        "  storyline serve                   the portal and JSON API over your store\n\n"
        f"Your store: {store_label(db)}\n"
        f"The demo's: {store_label(str(demo_db_path()))}\n"
        "Choose another with --db PATH_OR_URL (before or after the command) or $STORYLINE_DB.\n"
    )
    click.echo(ctx.get_help())


@click.group(cls=_Group, invoke_without_command=True)
@click.option("--db", envvar="STORYLINE_DB", default=None, help=DB_HELP)
@click.option("-v", "--verbose", count=True, help=VERBOSE_HELP)
@click.version_option(__version__, prog_name="storyline")
@click.pass_context
def cli(ctx: click.Context, db: str | None, verbose: int) -> None:
    """storyline: every outlet's report of a story, and its discussion, on one page."""
    logging.basicConfig(level=_log_level(verbose), format="%(levelname)s %(name)s: %(message)s")
    ctx.ensure_object(dict)
    ctx.obj["db"] = db
    ctx.obj["verbose"] = verbose
    if ctx.invoked_subcommand is None:
        _start_here(ctx)


class _RateColumn(ProgressColumn):
    """Inputs per second since the start (rich's own speed columns speak of bytes, over a window)."""

    def render(self, task: Task) -> Text:
        seconds = task.finished_time or task.elapsed
        if not seconds or not task.completed:
            return Text("– inputs/s", style="progress.data.speed")
        return Text(f"{task.completed / seconds:.1f} inputs/s", style="progress.data.speed")


def _ingest_progress(total: int) -> Progress:
    """A bar for ingests long enough to wait on, on a terminal only (piped output stays plain).

    Counts inputs (each lands in one transaction), with the rate, the failures so far and the
    articles ingested; the per-input lines follow when it is done.
    """
    # Every figure is kept whole (no_wrap); on a narrow terminal the bar and the name shrink.
    whole = Column(no_wrap=True)
    return Progress(
        TextColumn("[bold]ingest", table_column=whole),
        BarColumn(bar_width=24),
        MofNCompleteColumn(table_column=whole),
        _RateColumn(table_column=whole),
        TextColumn(
            "[red]{task.fields[failed]} failed[/red]  {task.fields[articles]} article(s)", table_column=whole
        ),
        TimeElapsedColumn(table_column=whole),
        TimeRemainingColumn(table_column=whole),
        TextColumn("{task.description}", table_column=Column(overflow="ellipsis")),
        console=console,
        transient=True,
        disable=total < 3 or not console.is_terminal,
    )


def _run_ingest(settings: Settings, inputs: list[str]) -> int:
    from storyline.pipeline import ingest

    with _open(settings) as store, _ingest_progress(len(inputs)) as progress:
        task = progress.add_task("", total=len(inputs), failed=0, articles=0)

        def advance(outcome) -> None:
            fields = progress.tasks[task].fields
            progress.update(
                task,
                advance=1,
                description=safe(Path(outcome.name).name[:40]),
                failed=fields["failed"] + (outcome.status == "failed"),
                articles=fields["articles"] + outcome.articles,
            )

        report = ingest(inputs, settings=settings, store=store, on_outcome=advance)
    for outcome in report.outcomes:
        if outcome.status == "failed":
            console.print(line(("failed", "red"), "    ", outcome.message), highlight=False)
        elif outcome.status == "unchanged":
            console.print(line("unchanged ", outcome.name), highlight=False)
        else:
            console.print(
                line(("ingested", "green"), f"  {outcome.name} ({outcome.articles} article(s))"),
                highlight=False,
            )
        for warning in outcome.warnings:
            console.print(line("  ", ("warning", "yellow"), " ", warning), highlight=False)
    console.print(report.summary(), highlight=False)
    # A skipped line or dropped value is a partial failure: scripts must be able to notice it.
    return 0 if report.ok and not any(o.warnings for o in report.outcomes) else 1


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
    from storyline.pipeline import similarity

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
    out.print(
        f"score {d['score']:.2f} on 1-4 (1 = same story): {verdict} (p={d['probability']:.3f})",
        highlight=False,
    )
    for name, value in d["features"].items():
        out.print(f"  {name:18s} {value}", highlight=False)
    for name in ("shared_entities", "shared_figures", "shared_latin", "transliterated"):
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
            if not store.story_summaries(limit=1):
                _hint_empty_store(settings)  # on stderr: `--json` still prints its (empty) array
            if as_json:
                sys.stdout.write(
                    json.dumps(stories_export(store, limit=limit), ensure_ascii=False, indent=2) + "\n"
                )
                return
            for story in store.stories(limit=limit):
                out.print(
                    line(
                        f"{story.id}  {story.concept or '-'}  {story.headline}  "
                        f"({len(story.article_ids)} article(s))"
                    ),
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
                _fail(f"no story {story_id!r} in {store_label(settings.db)}")
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
                "published_at": (
                    h.published_at.date().isoformat() if h.day_only else h.published_at.isoformat()
                )
                if h.published_at
                else None,
                "snippet": h.snippet,
            }
            for h in hits
        ]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    for h in hits:
        when = (
            h.published_at.strftime("%Y-%m-%d" if h.day_only else "%Y-%m-%d %H:%M") if h.published_at else "—"
        )
        out.print(line(f"{when}  {h.outlet}  {h.title}  [story {h.story_id}]"), highlight=False)
        out.print(line("    " + h.snippet.replace("<mark>", "[").replace("</mark>", "]")), highlight=False)
    if not hits:
        console.print(line(f"no match for {query!r}"), highlight=False)


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
    console.print(f"{store_label(settings.db)}: schema at version {version}", markup=False, highlight=False)


@cli.command()
@click.pass_context
def rebuild(ctx: click.Context) -> None:
    """Rebuild every story from its stored members the full way (the reference of ingest's updates)."""
    from storyline.pipeline import rebuild as rebuild_stories

    settings = _settings(ctx)
    try:
        with _open(settings) as store:
            report = rebuild_stories(settings=settings, store=store)
    except StorylineError as exc:
        _fail(str(exc))
    console.print(
        f"{report.stories} stories rebuilt; {report.changed} differed from the stored record",
        markup=False,
        highlight=False,
    )


def _port_taken(host: str, port: int) -> bool:
    """Whether ``host:port`` cannot be listened on because something else already does."""
    import errno
    import socket

    try:
        with socket.create_server((host, port)):
            return False
    except OSError as exc:
        return exc.errno == errno.EADDRINUSE


def _require_free_port(settings: Settings) -> None:
    if _port_taken(settings.host, settings.port):
        _fail(
            f"{settings.host}:{settings.port} is already in use (another server, or a storyline still "
            f"running?): choose another port with --port N or $STORYLINE_PORT"
        )


def _serve(settings: Settings) -> None:
    import uvicorn

    from storyline.web.app import create_app

    _require_free_port(settings)
    store = _open(settings, announce=False)  # the line below names it
    app = create_app(store, settings)
    console.print(
        f"serving {store_label(settings.db)} at http://{settings.host}:{settings.port}/",
        markup=False,
        highlight=False,
    )
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
    from storyline.web.prerender import prerender_store

    report = _with_store(ctx, lambda store, settings: prerender_store(store, settings, limit=limit))
    console.print(
        f"{report.rendered} pages rendered, {report.fresh} still fresh, {len(report.failed)} failed "
        f"in {report.seconds:.1f}s",
        highlight=False,
    )
    for path, status in report.failed[:20]:
        console.print(line(f"  {path}: HTTP {status}"), highlight=False)
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
    db = ctx.obj.get("db") or str(demo_db_path())
    settings = Settings.from_env(db=db, host=host, port=port)
    if not no_serve:
        _require_free_port(settings)  # before the ingest, not after it
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
    _announce_store(settings)
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
        console.print(line(("failed", "red"), "    ", outcome.message), highlight=False)
    console.print(report.summary(), highlight=False)
    sys.exit(0 if report.ok else 1)


@cli.command()
@click.argument("sources", nargs=-1)
@click.option(
    "--sources", "sources_file", default=None, help="OPML, TOML or one-URL-per-line file of sources."
)
@click.option("--interval", default=None, type=float, help="Seconds between asks of a source [default: 300].")
@click.option(
    "--page-interval", default=None, type=float, help="Seconds before a new page is asked again [120]."
)
@click.option("--once", is_flag=True, help="One round (everything due now), then exit.")
@click.option("--allow-private", is_flag=True, help="Allow fetching from private/loopback addresses.")
@click.option("--name", default=None, help="This follower's name on its leases (default: host:pid:tag).")
@click.option("--no-encoder", is_flag=True, help="Skip the multilingual sentence encoder.")
@click.option(
    "--nice",
    default=0,
    type=int,
    help="Lower this follower's CPU priority by N (0-19), so a serve on the same cores comes first.",
)
@click.pass_context
def follow(
    ctx: click.Context,
    sources: tuple[str, ...],
    sources_file: str | None,
    interval: float | None,
    page_interval: float | None,
    once: bool,
    allow_private: bool,
    name: str | None,
    no_encoder: bool,
    nice: int,
) -> None:
    """Keep the store current from feeds, front pages and thread pages (until SIGTERM/SIGINT)."""
    import signal
    import threading
    from dataclasses import replace as dc_replace

    from storyline.live import FollowPolicy, read_sources, source_args
    from storyline.live import follow as do_follow

    settings = _settings(ctx, allow_private=allow_private or None, use_encoder=False if no_encoder else None)
    policy = FollowPolicy()
    if interval is not None:
        policy = dc_replace(policy, interval=interval)
    if page_interval is not None:
        policy = dc_replace(policy, page_interval=page_interval)
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        console.print(f"{signal.Signals(signum).name}: finishing what is in flight", highlight=False)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def on_round(report) -> None:
        console.print(report.summary(), highlight=False)
        for message in report.messages[:20]:
            console.print(f"  [yellow]{_plain(message)}[/yellow]", highlight=False)

    try:
        if nice:
            from storyline.live.priority import lower_priority

            priority = lower_priority(nice)
            console.print(f"running at nice {priority.niceness}", highlight=False)
            if priority.note:
                console.print(f"  [yellow]{priority.note}[/yellow]", highlight=False)
        specs = source_args(sources)
        if sources_file:
            specs += read_sources(sources_file)
        do_follow(
            specs, settings=settings, policy=policy, once=once, stop=stop, owner=name, on_round=on_round
        )
    except StorylineError as exc:
        _fail(str(exc))
    sys.exit(0)


def _plain(text: str) -> str:
    """Text for rich without markup (URLs and server messages may hold brackets)."""
    from rich.markup import escape

    return escape(text)


@cli.command("sources")
@click.option("--opml", is_flag=True, help="Write the sources as OPML (feed readers import it).")
@click.pass_context
def sources_cmd(ctx: click.Context, opml: bool) -> None:
    """List the sources ``follow`` keeps current."""
    from storyline.live import listed_sources, to_opml

    def work(store, _settings):
        return listed_sources(store), {s.url: s.kind for s in store.fetch_states(listed=True)}

    specs, kinds = _with_store(ctx, work)
    if opml:
        sys.stdout.write(to_opml(specs, kinds=kinds))
        return
    for spec in specs:
        every = f"every {spec.interval:g}s" if spec.interval else ""
        out.print(f"{spec.url}  {spec.outlet}  {kinds.get(spec.url, '')}  {every}".rstrip(), highlight=False)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Each source: last fetch, result, items, next due, errors."""
    from storyline.live import source_status

    rows = _with_store(ctx, lambda store, _: source_status(store))
    if as_json:
        data = [r.as_json() for r in rows]
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    if not rows:
        console.print("no sources yet: storyline follow URL... (or --sources FILE)", highlight=False)
    for r in rows:
        last = r.last_fetch.strftime("%Y-%m-%d %H:%M:%S") if r.last_fetch else "never"
        due = r.next_due.strftime("%H:%M:%S") if r.next_due else "-"
        mark = "[red]FAILING[/red] " if r.failing else ""
        out.print(
            f"{mark}{_plain(r.url)}  {_plain(r.outlet or '-')}  {r.kind}  last {last}: {_plain(r.last_result)}  "
            f"items {r.items}  following {r.pages_followed}  next {due}  errors {r.errors}",
            highlight=False,
        )
        if r.failing and r.last_error:
            out.print(f"    {_plain(r.last_error)}", highlight=False)


def main() -> None:
    cli(prog_name="storyline")


if __name__ == "__main__":
    main()
