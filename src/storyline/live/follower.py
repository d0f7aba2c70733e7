"""The follower: asks due sources and pages, follows new feed items to their pages, ingests what changed.

One round (:meth:`Follower.run_round`) leases the URLs that are due from the store, fetches them
(one worker per host, so the per-host rate limit of :func:`storyline.sources.fetch.fetch` holds
while other hosts proceed), and ingests each answer as it arrives through the pipeline
(:class:`storyline.pipeline.IngestSession`, one transaction per page):

* a **feed** (RSS/Atom) lists items; each new link becomes a page row, due now, with the item
  kept beside it (its summary is used only if the page cannot be fetched, and the article then
  says so in its ``source_name``);
* a **front page** is searched for its feeds (``<link rel="alternate">`` autodiscovery); they
  become sources of their own;
* a **page** (an item's page, or a thread page the user listed) is read with the HTML reader —
  body, reader thread, the page's own date — and ingested; the feed's facts fill only what the
  page lacks. Asked again on the decaying schedule of :mod:`storyline.live.schedule` with the
  ETag and Last-Modified the store kept, so an unchanged page costs a ``304`` and a page with new
  floors replaces the article's thread (the article id is the URL's, so no floor lands twice).

Every answer, good or bad, is written back to the store's fetch state (ETag, last fetch, result,
next due, errors), so a restart resumes where the last run stopped and content already stored is
skipped by its hash. Errors never stop the round: the URL backs off (``Retry-After`` honoured)
and is marked failing in the status after ``failing_after`` errors in a row.

Example::

    with open_store("news.db") as store:
        follower = Follower(store, Settings(db="news.db"))
        follower.add_sources([SourceSpec("https://example.org/feed.xml")])
        print(follower.run_round().summary())
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import msgspec

from storyline.errors import BlockedAddress, InputError, StoreError
from storyline.live.asker import Answer, Asker
from storyline.live.discovery import feed_links, kind_of
from storyline.live.schedule import FollowPolicy, after_error, after_success
from storyline.live.sources_list import SourceSpec
from storyline.pipeline import IngestSession
from storyline.records import Article, RawInput
from storyline.settings import Settings
from storyline.sources.fetch import FetchResult, to_raw
from storyline.store.base import FetchState, Store

__all__ = ["Follower", "RoundReport", "default_owner"]

log = logging.getLogger(__name__)

_PERMANENT = {400, 401, 403, 404, 405, 406, 410, 414, 451}
_MAX_ERROR = 300


def default_owner() -> str:
    """``host:pid:random`` — unique per follower process, and tells which host's process held a lease."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(slots=True)
class RoundReport:
    """What one round did (counts are of URLs asked, except ``new_items`` and ``articles``)."""

    fetched: int = 0
    not_modified: int = 0
    errors: int = 0
    new_items: int = 0
    articles: int = 0  # pages ingested with new content (new articles and new floors)
    unchanged: int = 0  # answered 200 but the same bytes as stored
    fallbacks: int = 0  # feed summaries stored because the page could not be fetched
    rendered: int = 0  # story pages re-rendered into the page store
    seconds: float = 0.0
    messages: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"asked {self.fetched} URL(s): {self.articles} page(s) ingested, {self.not_modified} not modified, "
            f"{self.unchanged} unchanged, {self.errors} error(s); {self.new_items} new item(s), "
            f"{self.fallbacks} from feed summaries; {self.seconds:.1f}s"
        )


def _item_json(article: Article) -> bytes:
    """A feed item as one JSONL line in the documented schema (what the summary fallback ingests)."""
    record = {
        "url": article.url,
        "outlet": article.outlet,
        "site": article.site,
        "title": article.title,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "author": article.author,
        "paragraphs": list(article.paragraphs),
    }
    return msgspec.json.encode(record)


def _short(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= _MAX_ERROR else message[: _MAX_ERROR - 1] + "…"


class Follower:
    """Keeps the store current from the sources in its fetch state (see the module doc).

    store: where articles and fetch state live (shared with ``serve`` and other followers).
    settings: fetch politeness (rate per host, timeout, size cap, ``allow_private``) and ingest.
    policy: the schedule and sharing (:class:`~storyline.live.schedule.FollowPolicy`).
    owner: this follower's name on its leases (default: host, pid and a random tag).
    clock: Unix time; a benchmark may pass an accelerated one.
    """

    def __init__(
        self,
        store: Store,
        settings: Settings,
        policy: FollowPolicy | None = None,
        *,
        owner: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.policy = policy or FollowPolicy()
        # Retries are the schedule's job (a URL backs off across rounds, Retry-After honoured),
        # not a worker sleeping inside fetch() while the other hosts wait for it.
        self.settings = replace(settings, fetch_retries=0)
        self.session = IngestSession(store, settings)
        self.owner = owner or default_owner()
        self.clock = clock
        self.stop_event = threading.Event()
        # The per-host rate is the store's, so several followers together keep to it.
        self._asker = Asker(self.settings, clock, take_turn=self._take_turn)
        self._render_settings = settings
        self._app: Any = None
        self._touched: set[str] = set()

    def _take_turn(self, host: str, gap: float) -> float:
        return self.store.take_host_turn(host, gap=gap)

    def close(self) -> None:
        self._asker.close()
        if self._app is not None and self._app.state.pages is not None:
            self._app.state.pages.close()

    def __enter__(self) -> Follower:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- sources -------------------------------------------------------------------------------
    def add_sources(self, specs: Sequence[SourceSpec]) -> int:
        """List ``specs`` in the store (due now if new; a known one keeps its state). Returns new ones."""
        now = self.clock()
        states = [
            FetchState(
                url=s.url,
                kind="auto",
                outlet=s.outlet,
                listed=True,
                interval_s=s.interval,
                first_seen=now,
                next_due=now,
            )
            for s in specs
        ]
        return self.store.add_fetch_states(states, listed_update=True)

    def recover_leases(self) -> int:
        """Free leases held by followers of this host whose process is gone (a kill -9, a crash).

        Other hosts' leases are left to expire: this host cannot tell whether they still run.
        """
        host = socket.gethostname()
        freed = 0
        owners = {
            s.lease_owner for s in self.store.fetch_states() if s.lease_owner and s.lease_owner != self.owner
        }
        for owner in owners:
            parts = owner.split(":")
            if len(parts) < 3 or parts[0] != host or not parts[1].isdigit():
                continue
            try:
                os.kill(int(parts[1]), 0)
            except ProcessLookupError:
                freed += self.store.release_fetch_leases(owner)
            except PermissionError:
                continue  # alive, another user's
        if freed:
            log.info("freed %d lease(s) of stopped followers on %s", freed, host)
        return freed

    # ---- rounds --------------------------------------------------------------------------------
    def run_round(self) -> RoundReport:
        """Ask everything due now (and the pages found on the way), once each; ingest what changed."""
        report = RoundReport()
        start = self.clock()
        try:
            while not self.stop_event.is_set():
                claimed = self.store.claim_fetch_states(
                    self.owner,
                    now=self.clock(),
                    limit=self.policy.batch,
                    lease_seconds=self.policy.lease_seconds,
                    fetched_before=start,
                )
                if not claimed:
                    break
                self._process(claimed, report)
                self._rerender(report)
        finally:
            self.store.release_fetch_leases(self.owner)
        report.seconds = self.clock() - start
        return report

    def run(self, *, tick: float = 1.0, on_round: Callable[[RoundReport], None] | None = None) -> None:
        """Rounds until :attr:`stop_event` is set; between rounds it waits ``tick`` seconds."""
        self.recover_leases()
        while not self.stop_event.is_set():
            report = self.run_round()
            if on_round is not None and report.fetched:
                on_round(report)
            self.stop_event.wait(tick)

    def _process(self, claimed: list[FetchState], report: RoundReport) -> None:
        by_host: dict[str, list[FetchState]] = {}
        for state in claimed:
            by_host.setdefault(urlsplit(state.url).netloc, []).append(state)
        answers: queue.Queue[Answer | None] = queue.Queue()

        def work(states: list[FetchState]) -> None:
            try:
                for state in states:
                    if self.stop_event.is_set():
                        break
                    answers.put(self._asker.ask(state))
            finally:
                answers.put(None)

        workers = max(1, min(self.policy.workers, len(by_host)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="follow") as pool:
            for states in by_host.values():
                pool.submit(work, states)
            done = 0
            held = {state.url for state in claimed}
            held_lock = threading.Lock()
            beat_stop = threading.Event()

            def beat() -> None:
                # A slow batch keeps its leases (renewed from a thread of its own, so a long ingest
                # in this one does not let them lapse): no other follower takes a URL still in hand.
                while not beat_stop.wait(max(self.policy.lease_seconds / 3, 0.05)):
                    with held_lock:
                        urls = sorted(held)
                    if urls:
                        try:
                            until = self.clock() + self.policy.lease_seconds
                            self.store.extend_fetch_leases(self.owner, urls, until=until)
                        except StoreError as exc:
                            log.warning("leases not renewed (%s)", exc)

            beater = threading.Thread(target=beat, name="follow-leases", daemon=True)
            beater.start()
            try:
                # Answers are ingested as they arrive, while the other hosts are still being fetched.
                while done < len(by_host):
                    answer = answers.get()
                    if answer is None:
                        done += 1
                        continue
                    try:
                        self._apply(answer, report)
                    except StoreError:
                        self.stop_event.set()
                        raise
                    finally:
                        with held_lock:
                            held.discard(answer.state.url)
            finally:
                beat_stop.set()
                beater.join()

    def _rerender(self, report: RoundReport) -> None:
        """Render the pages of the stories this batch changed into the page store (when there is
        one), so their first reader after the change gets a page from disk, not a render."""
        touched, self._touched = self._touched, set()
        if not touched:
            return
        from storyline.store.pages import page_store_path
        from storyline.web.prerender import prerender

        if page_store_path(self._render_settings) is None:
            return
        try:
            if self._app is None:
                from storyline.web.app import create_app

                self._app = create_app(self.store, self._render_settings, cache_entries=16)
            pages = self._app.state.pages
            if pages is None:
                return
            stories = sorted(set(self.store.story_ids_of_articles(touched).values()))
            report.rendered += prerender(self._app, pages, stories).rendered
        except Exception as exc:  # a cache: failing to fill it costs readers a render, nothing more
            log.warning("page store not refreshed after ingest (%s)", exc)

    # ---- applying answers ----------------------------------------------------------------------
    def _apply(self, answer: Answer, report: RoundReport) -> None:
        state, now = answer.state, answer.at
        report.fetched += 1
        base = replace(state, last_fetch=now, fetches=state.fetches + 1, lease_owner="", lease_until=0.0)
        if answer.error is not None:
            self._failed(base, answer, report)
            return
        result = answer.result
        assert result is not None
        base = replace(
            base, etag=result.etag, last_modified=result.last_modified, failures=0, last_error=base.last_error
        )
        if result.not_modified:
            report.not_modified += 1
            self.store.save_fetch_state(
                replace(
                    base,
                    last_result="not modified (304)",
                    not_modified=state.not_modified + 1,
                    next_due=after_success(self.policy, base, now),
                )
            )
            return
        kind = state.kind if state.kind != "auto" else kind_of(result)
        base = replace(base, kind=kind)
        try:
            if kind == "feed":
                self._apply_feed(base, result, report)
            elif kind == "front":
                self._apply_front(base, result, report)
            else:
                self._apply_page(base, result, report)
        except InputError as exc:
            self._failed(base, Answer(state, error=exc, status=result.status, at=now), report)

    def _failed(self, base: FetchState, answer: Answer, report: RoundReport) -> None:
        report.errors += 1
        failures = base.failures + 1
        message = _short(str(answer.error))
        permanent = (
            isinstance(answer.error, BlockedAddress | InputError)
            or answer.status in _PERMANENT
            or "robots.txt" in message
            or "byte limit" in message
        )
        if answer.status in {429, 503} and answer.retry_after is not None:
            label = f"HTTP {answer.status}, retry after {answer.retry_after:g}s"
        elif answer.status:
            label = f"HTTP {answer.status}"
        else:
            label = "error"
        state = replace(
            base,
            errors=base.errors + 1,
            failures=failures,
            last_error=message,
            last_result=label
            if failures < self.policy.failing_after
            else f"failing ({label}, {failures} in a row)",
            next_due=after_error(self.policy, failures, answer.at, answer.retry_after),
        )
        if (
            state.kind == "page"
            and state.item
            and state.items == 0
            and (permanent or failures >= self.policy.fallback_after)
        ) and self._ingest_summary(state, message, report):
            state = replace(state, items=1, last_result=f"feed summary stored ({label})")
        if permanent and state.kind == "page" and not state.listed:
            state = replace(state, next_due=None)  # a gone or forbidden page is not asked again
        report.messages.append(f"{state.url}: {message}")
        self.store.save_fetch_state(state)

    def _apply_feed(self, base: FetchState, result: FetchResult, report: RoundReport) -> None:
        from storyline.sources import feeds

        errors: list[InputError] = []
        items = feeds.parse_items(to_raw(result), errors)
        now = base.last_fetch or self.clock()
        title = f"{items[0].article.outlet}: " if items and not base.outlet else ""
        found = []
        linkless: list[Article] = []
        for item in items:
            article = item.article
            if base.outlet:
                article = replace(article, outlet=base.outlet)
            if not item.link.startswith(("http://", "https://")):
                linkless.append(article)  # no page to follow: the feed's text is all there is
                continue
            found.append(
                FetchState(
                    url=item.link,
                    kind="page",
                    outlet=base.outlet,  # the user's name for the outlet, if any (the feed's is in item)
                    origin=base.url,
                    item=_item_json(article),
                    first_seen=now,
                    next_due=now,
                )
            )
        state = replace(
            base,
            last_result=f"{title}{len(items)} item(s), none new",
            next_due=after_success(self.policy, base, now),
        )
        new = self.store.save_fetch_state(state, found=found)
        if new:
            self.store.save_fetch_state(
                replace(
                    state,
                    items=state.items + new,
                    last_change=now,
                    last_result=f"{len(items)} item(s), {new} new",
                )
            )
        report.new_items += new
        report.messages.extend(str(e) for e in errors)
        if linkless:
            # content-addressed: the same items on the next fetch are recognised and skipped
            raw = RawInput(
                name=f"{base.url} (feed items without a link)",
                data=b"\n".join(_item_json(a) for a in linkless) + b"\n",
                media_type="application/x-ndjson",
            )
            if self.session.ingest(raw).status == "ingested":
                report.articles += len(linkless)

    def _apply_front(self, base: FetchState, result: FetchResult, report: RoundReport) -> None:
        now = base.last_fetch or self.clock()
        links = feed_links(result)
        found = [
            FetchState(
                url=link,
                kind="feed",
                outlet=base.outlet,
                origin=base.url,
                interval_s=base.interval_s,
                first_seen=now,
                next_due=now,
            )
            for link in links
        ]
        new = self.store.save_fetch_state(
            replace(
                base,
                last_result=f"{len(links)} feed(s) found" if links else "no feed found",
                next_due=after_success(self.policy, base, now),
            ),
            found=found,
        )
        if new:
            log.info("%s: %d new feed(s) found", base.url, new)

    def _apply_page(self, base: FetchState, result: FetchResult, report: RoundReport) -> None:
        from storyline.sources import html

        now = base.last_fetch or self.clock()
        raw = to_raw(result)
        errors: list[InputError] = []
        if raw.media_type != "text/html":
            raise InputError(
                result.final_url, f"is {result.content_type or raw.media_type}, not an HTML page"
            )
        page = html.parse(raw, errors)[0]
        item = None
        if base.item:
            try:
                item = msgspec.json.decode(base.item)
            except msgspec.DecodeError:
                item = None
        outlet = base.outlet or page.outlet
        if not base.outlet and item and page.outlet == page.site.removeprefix("www."):
            outlet = (
                item.get("outlet") or outlet
            )  # og:site_name beats the feed's title; a bare domain does not
        published = page.published_at
        if published is None and item and item.get("published_at"):
            from storyline.sources.dates import parse_date

            published = parse_date(item["published_at"])
        article = replace(
            page,
            outlet=outlet,
            published_at=published,
            title=page.title or (item or {}).get("title", ""),
            paragraphs=page.paragraphs or tuple((item or {}).get("paragraphs", ())),
            id="",
        )
        outcome = self.session.ingest(raw, articles=[article], warnings=[str(e) for e in errors])
        changed = outcome.status == "ingested"
        if changed:
            report.articles += 1
            self._touched.add(article.id)
        else:
            report.unchanged += 1
        floors = len(article.comments)
        state = replace(
            base,
            kind="page",
            items=max(base.items, 1),
            last_change=now if changed else base.last_change,
            last_result=f"{'ingested' if changed else 'unchanged'} ({floors} floor(s))",
            next_due=after_success(self.policy, base, now),
        )
        self.store.save_fetch_state(state)

    def _ingest_summary(self, state: FetchState, reason: str, report: RoundReport) -> bool:
        """Store the feed item's own text for a page that cannot be fetched, saying so in its name."""
        raw = RawInput(
            name=f"{state.origin or state.url} (feed summary of {state.url}: the page could not be fetched: {reason})",
            data=state.item + b"\n",
            media_type="application/x-ndjson",
        )
        try:
            outcome = self.session.ingest(raw)
        except InputError as exc:
            report.messages.append(f"{state.url}: feed summary not readable either ({exc})")
            return False
        if outcome.status == "ingested":
            report.fallbacks += 1
        return True
