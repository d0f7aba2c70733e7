"""A newsroom on loopback: N outlets whose feeds publish real articles and whose pages gain floors.

Tests (``tests/test_follow*.py``) and benchmarks (``follow_freshness.py``, ``follow_load.py``)
drive ``storyline follow`` against it end to end. Each outlet listens on its own port of
127.0.0.1 (so a crawler's per-host politeness applies per outlet, as on the web) and serves:

* ``/robots.txt`` — ``Disallow: /private/`` (an outlet can publish an item there, whose page a
  polite crawler must not fetch: the feed's summary is then all it may use);
* ``/feed.xml`` — RSS 2.0, newest first, the last ``feed_size`` items, each with a one-sentence
  ``<description>``; ``ETag`` and ``Last-Modified``, answering ``If-None-Match`` and
  ``If-Modified-Since`` with ``304``;
* ``/`` — a front page linking its feed with ``<link rel="alternate">`` (feed autodiscovery);
* ``/news/N.html`` — the article: title, time, body and its reader thread (numbered floors,
  authors, times, some replying to earlier floors), with its own ``ETag``/``Last-Modified``.

Texts are real and read at run time, never stored in the repository: article titles and bodies
from SemEval-2022 Task 8 (``../shared/data/semeval2022-task8/training_set.csv``, Chinese and
English, both sides of each pair so that some outlets really do report the same story), reader
floors from the CED Weibo threads (``../shared/data/ced-weibo-threads/threads``).

Faults: an outlet may be ``slow`` (each response delayed), ``failing`` (``503`` with
``Retry-After`` for its first ``fail_first`` requests, or always) or ``limited`` (``429`` with
``Retry-After`` on every other request). Every request is counted in :attr:`Newsroom.hits` by
(port, path, status), so a test can ask how many ``304`` answers a crawler got.

Example::

    with Newsroom(outlets=3) as room:
        room.publish(5)                  # five articles, spread over the outlets
        room.add_floors(3)               # three new reader replies on recent pages
        print(room.outlets[0].feed_url)
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

__all__ = ["Floor", "Newsroom", "Outlet", "Story", "load_corpus", "shared_data"]

_CST = timezone(timedelta(hours=8))


def shared_data() -> Path:
    """``../shared/data`` beside the repository (``STORYLINE_SHARED`` overrides the folder)."""
    import os

    root = Path(__file__).resolve().parents[1]
    return Path(os.environ.get("STORYLINE_SHARED", root.parent / "shared")) / "data"


@dataclass(frozen=True, slots=True)
class Text:
    """One real article text: language, title and paragraphs (from the SemEval CSV)."""

    lang: str
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Reply:
    """One real reader reply (from a CED Weibo thread): its author and words."""

    author: str
    text: str


def _title_and_paragraphs(text: str) -> tuple[str, list[str]]:
    """The first sentence as the title, the rest as paragraphs (the CSV flattens most bodies)."""
    text = text.strip()
    lines = [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]
    sentences = [s.strip() for s in re.split(r"(?<=[。！？.!?])\s*", lines[0] if lines else "") if s.strip()]
    title = (sentences[0] if sentences else "")[:80].strip()
    rest = " ".join(sentences[1:])
    if len(lines) >= 3:
        return title, ([rest] if rest else []) + lines[1:]
    sentences = [s.strip() for s in re.split(r"(?<=[。！？.!?])\s*", " ".join(lines)) if len(s.strip()) > 1][
        1:
    ]
    return title, [" ".join(sentences[i : i + 2]) for i in range(0, len(sentences), 2)]


def load_corpus(data: Path | None = None) -> tuple[list[Text], list[Reply]]:
    """Real texts (zh and en SemEval articles, both sides of each pair) and real replies."""
    data = data or shared_data()
    csv_path = data / "semeval2022-task8" / "training_set.csv"
    threads = data / "ced-weibo-threads" / "threads"
    if not csv_path.exists() or not threads.exists():
        raise FileNotFoundError(f"newsroom needs {csv_path} and {threads} (the shared data folder)")
    csv.field_size_limit(1 << 30)
    texts: list[Text] = []
    with csv_path.open(encoding="utf-8") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: r["pair_id"])
    for row in rows:
        for side in ("1", "2"):
            lang = row["lang" + side]
            body = row["text" + side]
            if lang not in {"zh", "en"} or len(body) < 300:
                continue
            title, paragraphs = _title_and_paragraphs(body)
            if len(title) < 8 or len(paragraphs) < 2:
                continue
            texts.append(Text(lang, title, tuple(paragraphs[:12])))
    replies: list[Reply] = []
    for path in sorted(threads.glob("*.json"))[:60]:
        for node in json.loads(path.read_text(encoding="utf-8")):
            said = re.sub(r"//@.*$", "", str(node.get("text") or "")).strip()
            said = re.sub(r"^回复@[^:：]{1,30}[:：]\s*", "", said)
            if 4 <= len(said) <= 300 and "http" not in said:
                replies.append(Reply(f"网友{str(node.get('uid'))[-6:]}", said))
    # Texts that are the same text twice (pairs of one article) would be one page to a reader.
    seen: set[str] = set()
    unique = []
    for t in texts:
        if t.title not in seen:
            seen.add(t.title)
            unique.append(t)
    return unique, replies


@dataclass(slots=True)
class Floor:
    floor: int
    author: str
    text: str
    posted_at: datetime
    reply_to: int | None = None


@dataclass(slots=True)
class Story:
    """One published article of one outlet, with its thread as it stands now."""

    outlet: int
    number: int
    text: Text
    published_at: datetime
    private: bool = False
    floors: list[Floor] = field(default_factory=list)
    changed_at: float = 0.0  # time.time() of the last change (publication or a new floor)

    @property
    def path(self) -> str:
        folder = "private" if self.private else "news"
        return f"/{folder}/{self.number}.html"

    @property
    def summary(self) -> str:
        first = self.text.paragraphs[0]
        cut = re.split(r"(?<=[。！？.!?])", first, maxsplit=1)[0]
        return cut[:140]


@dataclass(slots=True)
class Outlet:
    index: int
    name: str
    lang: str
    server: ThreadingHTTPServer | None = None
    stories: list[Story] = field(default_factory=list)
    mode: str = ""  # "", "slow", "failing", "limited"
    fail_first: int = 0  # failing: this many 503s, then normal (0: always failing)
    delay: float = 0.0
    feed_changed_at: float = 0.0
    requests: int = 0

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def feed_url(self) -> str:
        return self.base_url + "/feed.xml"

    def url_of(self, story: Story) -> str:
        return self.base_url + story.path


_OUTLET_NAMES_ZH = ("晨报", "日报", "新闻网", "时报", "快讯", "观察")
_OUTLET_NAMES_EN = ("Herald", "Times", "Post", "Chronicle", "Dispatch", "Wire")


class Newsroom:
    """``outlets`` outlets on loopback, publishing from a real corpus (see the module doc).

    feed_size: items a feed lists (older ones drop off, as on real feeds).
    faults: outlet index → ``"slow"``, ``"failing"`` or ``"limited"``.
    """

    def __init__(
        self,
        outlets: int = 3,
        *,
        seed: int = 22,
        feed_size: int = 50,
        faults: dict[int, str] | None = None,
        fail_first: int = 0,
        slow_delay: float = 0.5,
        retry_after: int = 2,
        corpus: tuple[list[Text], list[Reply]] | None = None,
    ) -> None:
        self.texts, self.replies = corpus or load_corpus()
        self.random = random.Random(seed)
        self.feed_size = feed_size
        self.retry_after = retry_after
        self.lock = threading.RLock()
        self.hits: Counter[tuple[int, str, int]] = Counter()
        # (port, path, time.time(), User-Agent) of every request as it arrived: per-host spacing
        self.arrivals: list[tuple[int, str, float, str]] = []
        self._next_text = 0
        self._next_reply = 0
        self.outlets: list[Outlet] = []
        faults = faults or {}
        for i in range(outlets):
            lang = "zh" if i % 2 == 0 else "en"
            names = _OUTLET_NAMES_ZH if lang == "zh" else _OUTLET_NAMES_EN
            name = (
                (f"第{i + 1}" + names[i % len(names)])
                if lang == "zh"
                else f"The {names[i % len(names)]} {i + 1}"
            )
            outlet = Outlet(i, name, lang, mode=faults.get(i, ""), fail_first=fail_first, delay=slow_delay)
            outlet.feed_changed_at = time.time()
            self.outlets.append(outlet)

    # ---- lifecycle -----------------------------------------------------------------------------
    def start(self) -> Newsroom:
        for outlet in self.outlets:
            handler = type("Handler", (_Handler,), {"room": self, "outlet": outlet})
            outlet.server = _Server(("127.0.0.1", 0), handler)
            outlet.server.daemon_threads = True
            threading.Thread(target=outlet.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        for outlet in self.outlets:
            if outlet.server is not None:
                outlet.server.shutdown()
                outlet.server.server_close()

    def __enter__(self) -> Newsroom:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- what happens in the newsroom ----------------------------------------------------------
    def _text_for(self, lang: str) -> Text:
        for _ in range(len(self.texts)):
            text = self.texts[self._next_text % len(self.texts)]
            self._next_text += 1
            if text.lang == lang:
                return text
        raise RuntimeError(f"no {lang} text in the corpus")

    def publish(
        self, n: int = 1, *, outlet: int | None = None, floors: int = 2, private: bool = False
    ) -> list[Story]:
        """Publish ``n`` articles (round-robin over outlets unless one is named), each with floors."""
        out = []
        with self.lock:
            for _ in range(n):
                at = (
                    outlet
                    if outlet is not None
                    else sum(len(x.stories) for x in self.outlets) % len(self.outlets)
                )
                o = self.outlets[at]
                now = time.time()
                story = Story(
                    outlet=o.index,
                    number=len(o.stories) + 1,
                    text=self._text_for(o.lang),
                    published_at=datetime.fromtimestamp(int(now), _CST),
                    private=private,
                    changed_at=now,
                )
                o.stories.append(story)
                o.feed_changed_at = now
                self._add_floors_to(story, floors)
                out.append(story)
        return out

    def _add_floors_to(self, story: Story, n: int) -> None:
        for _ in range(n):
            reply = self.replies[self._next_reply % len(self.replies)]
            self._next_reply += 1
            number = len(story.floors) + 1
            reply_to = (
                self.random.randint(1, number - 1) if number > 1 and self.random.random() < 0.3 else None
            )
            posted = datetime.fromtimestamp(int(time.time()), _CST) + timedelta(seconds=number)
            story.floors.append(Floor(number, reply.author, reply.text, posted, reply_to))
        story.changed_at = time.time()

    def add_floors(self, n: int = 1, *, stories: list[Story] | None = None) -> list[Story]:
        """``n`` new reader replies, each on a page chosen among ``stories`` (default: all public)."""
        with self.lock:
            pool = stories or [s for s in self.all_stories() if not s.private]
            touched = []
            for _ in range(n):
                story = self.random.choice(pool)
                self._add_floors_to(story, 1)
                touched.append(story)
        return touched

    def all_stories(self) -> list[Story]:
        with self.lock:
            return [s for o in self.outlets for s in o.stories]

    def url_of(self, story: Story) -> str:
        return self.outlets[story.outlet].url_of(story)

    def count(self, status: int | None = None, path_prefix: str = "") -> int:
        """Requests answered (with ``status``, under ``path_prefix``) across every outlet."""
        with self.lock:
            return sum(
                c
                for (_, path, st), c in self.hits.items()
                if (status is None or st == status) and path.startswith(path_prefix)
            )

    def page_hits(self, story: Story, status: int | None = None) -> int:
        """Requests for ``story``'s page (answered with ``status``, if given)."""
        port = self.outlets[story.outlet].port
        with self.lock:
            return sum(
                c
                for (p, path, st), c in self.hits.items()
                if p == port and path == story.path and (status is None or st == status)
            )

    # ---- rendering -----------------------------------------------------------------------------
    def feed_body(self, outlet: Outlet) -> bytes:
        items = []
        for story in reversed(outlet.stories[-self.feed_size :]):
            items.append(
                "<item>"
                f"<title>{escape(story.text.title)}</title>"
                f"<link>{escape(outlet.url_of(story))}</link>"
                f'<guid isPermaLink="true">{escape(outlet.url_of(story))}</guid>'
                f"<pubDate>{format_datetime(story.published_at)}</pubDate>"
                f"<description>{escape(story.summary)}</description>"
                "</item>"
            )
        lang = "zh-cn" if outlet.lang == "zh" else "en"
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>{escape(outlet.name)}</title><link>{outlet.base_url}/</link>"
            f"<language>{lang}</language><description>{escape(outlet.name)}</description>"
            + "".join(items)
            + "</channel></rss>"
        ).encode("utf-8")

    def front_body(self, outlet: Outlet) -> bytes:
        links = "".join(
            f'<li><a href="{s.path}">{escape(s.text.title)}</a></li>' for s in reversed(outlet.stories[-20:])
        )
        return (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(outlet.name)}</title>'
            f'<link rel="alternate" type="application/rss+xml" title="{escape(outlet.name)}" href="/feed.xml">'
            f"</head><body><h1>{escape(outlet.name)}</h1><ul>{links}</ul></body></html>"
        ).encode()

    def page_body(self, outlet: Outlet, story: Story) -> bytes:
        lang = "zh-CN" if outlet.lang == "zh" else "en"
        paragraphs = "".join(f"<p>{escape(p)}</p>" for p in story.text.paragraphs)
        floors = []
        for f in story.floors:
            quote = ""
            if f.reply_to is not None:
                q = story.floors[f.reply_to - 1]
                stamp = q.posted_at.strftime("%Y-%m-%d %H:%M:%S")
                quote = f"<blockquote><cite>{escape(q.author)} 发表评论于 {stamp}</cite>{escape(q.text)}</blockquote>"
            floors.append(
                f'<div class="comment-item" data-floor="{f.floor}">'
                f'<div class="comment-meta"><span class="floor">{f.floor}楼</span> '
                f'<span class="author">{escape(f.author)}</span> '
                f'<time datetime="{f.posted_at.isoformat()}">{f.posted_at.strftime("%Y-%m-%d %H:%M")}</time></div>'
                f'<div class="comment-content">{quote}<p>{escape(f.text)}</p></div></div>'
            )
        return (
            f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{escape(story.text.title)} - {escape(outlet.name)}</title>"
            f'<meta property="og:title" content="{escape(story.text.title)}">'
            f'<meta property="og:site_name" content="{escape(outlet.name)}">'
            f'<meta property="og:url" content="{outlet.url_of(story)}">'
            f'<meta property="article:published_time" content="{story.published_at.isoformat()}">'
            f'</head><body><nav class="menu"><a href="/">{escape(outlet.name)}</a></nav>'
            f'<article class="post-content"><h1>{escape(story.text.title)}</h1>{paragraphs}</article>'
            f'<section id="comments" class="comments-area"><h3>评论（{len(story.floors)}）</h3>'
            + "".join(floors)
            + "</section></body></html>"
        ).encode("utf-8")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):  # a crawler killed mid-answer: fine
            super().handle_error(request, client_address)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


class _Handler(BaseHTTPRequestHandler):
    room: Newsroom
    outlet: Outlet
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _send(
        self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8", **headers: str
    ) -> None:
        with self.room.lock:
            self.room.hits[(self.outlet.port, self.path, status)] += 1
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()
        if status != 304:
            self.wfile.write(body)

    def _conditional(self, body: bytes, changed_at: float, ctype: str) -> None:
        etag = _etag(body)
        last_modified = format_datetime(datetime.fromtimestamp(int(changed_at), UTC), usegmt=True)
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        fresh = False
        if inm is not None:
            fresh = etag in [t.strip() for t in inm.split(",")]
        elif ims:
            try:
                fresh = int(changed_at) <= parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                fresh = False
        if fresh:
            self._send(304, ETag=etag, Last_Modified=last_modified)
        else:
            self._send(200, body, ctype, ETag=etag, Last_Modified=last_modified)

    def _fault(self) -> bool:
        outlet = self.outlet
        with self.room.lock:
            outlet.requests += 1
            n = outlet.requests
        if outlet.mode == "slow":
            time.sleep(outlet.delay)
        elif outlet.mode == "failing" and (outlet.fail_first == 0 or n <= outlet.fail_first):
            self._send(503, b"overloaded", "text/plain", Retry_After=str(self.room.retry_after))
            return True
        elif outlet.mode == "limited" and n % 2 == 0:
            self._send(429, b"slow down", "text/plain", Retry_After=str(self.room.retry_after))
            return True
        return False

    def do_GET(self) -> None:
        arrived = time.time()
        with self.room.lock:
            agent = self.headers.get("User-Agent", "")
            self.room.arrivals.append((self.outlet.port, self.path, arrived, agent))
        path = self.path.split("?", 1)[0]
        if path == "/robots.txt":
            self._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
            return
        if self._fault():
            return
        room, outlet = self.room, self.outlet
        with room.lock:
            if path == "/feed.xml":
                body, changed, ctype = (
                    room.feed_body(outlet),
                    outlet.feed_changed_at,
                    "application/rss+xml; charset=utf-8",
                )
            elif path == "/":
                body, changed, ctype = (
                    room.front_body(outlet),
                    outlet.feed_changed_at,
                    "text/html; charset=utf-8",
                )
            else:
                m = re.fullmatch(r"/(news|private)/(\d+)\.html", path)
                story = None
                if m and 1 <= int(m.group(2)) <= len(outlet.stories):
                    story = outlet.stories[int(m.group(2)) - 1]
                    if story.path != path:
                        story = None
                if story is None:
                    body, changed, ctype = b"", 0.0, ""
                else:
                    body, changed, ctype = (
                        room.page_body(outlet, story),
                        story.changed_at,
                        "text/html; charset=utf-8",
                    )
        if not ctype:
            self._send(404, b"not found", "text/plain")
            return
        self._conditional(body, changed, ctype)
