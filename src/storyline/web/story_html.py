"""The repeated parts of a story page as HTML: paragraph groups, claims, timeline and sources.

Like :mod:`storyline.web.thread_html`, and for the same reason: these loops are most of a story
page (a story of 20 outlets has 4 groups × 20 versions, 20 events and 20 sources), and through
Jinja every ``{{ … }}`` costs an attribute lookup, a ``Markup`` object and a generator step —
about half the CPU of an uncached page. Here each item is one f-string, every text taken from the
data passes :func:`esc` (the same replacements as Jinja's autoescape) and the whitespace is what
``templates/story.html`` produced with ``trim_blocks``/``lstrip_blocks``, so the page is byte for
byte the one the template rendered (tests/test_web.py reads it through the DOM).

Example::

    >>> from storyline.web.thread_html import esc
    >>> sources_html([], lambda at: "", lambda url: None)
    ''
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from storyline.records import Article, GroupMember, TimelineEvent
from storyline.stories.timeline import first_evidence
from storyline.web.i18n import lang_value, source
from storyline.web.labels import measure_label, script_label
from storyline.web.thread_html import anchor, esc, iso

__all__ = ["claims_html", "events_html", "fallback_html", "groups_html", "sources_html"]

Fmt = Callable[[datetime], str]


def _version(m: GroupMember, a: Article | None) -> str:
    text = m.text or (a.paragraphs[m.position] if a and m.position < len(a.paragraphs) else "")
    return (
        '      <div class="version">\n'
        f'        <p class="vmeta"><span class="src">{esc(m.outlet)}</span> <span class="script">'
        f"{esc(script_label(m.script))}</span> 第{m.position + 1}段 · 相似度 {m.similarity:.2f}</p>\n"
        f'        <p class="para" lang="{lang_value(m.script)}">{esc(source(text, m.script))}</p>\n'
        "      </div>\n"
    )


def groups_html(groups: Sequence[Any]) -> str:
    """The body as paragraph groups: each printed once, its outlets named, versions folded."""
    out: list[str] = []
    for g in groups:
        src = f'<span class="src">{esc(g.outlet)}</span>' if g.outlet else ""
        others = f" · 另有 {len(g.others)} 家刊登：{esc('、'.join(g.others))}" if g.others else ""
        out.append(
            f'  <div class="group" id="{esc(g.anchor)}">\n'
            f'    <p class="para" lang="{lang_value(g.script)}">{esc(source(g.text, g.script))}</p>\n'
            f'    <p class="printed">{src}{others}</p>\n'
        )
        if len(g.versions) > 1:
            out.append(
                '    <details class="versions">\n'
                f"      <summary>各家版本（{len(g.versions)}）</summary>\n"
                + "".join([_version(m, a) for m, a in g.versions])
                + "    </details>\n"
            )
        out.append("  </div>\n")
    return "".join(out)


def fallback_html(fallback: Sequence[tuple[Article, Sequence[tuple[str, str]]]]) -> str:
    """The body of a story without paragraph groups: each article's paragraphs in turn."""
    return "".join(
        [
            '  <div class="article-body">\n'
            f'    <h3 lang="{lang_value(a.script)}"><span class="src">{esc(a.outlet)}</span> '
            f"{esc(source(a.title, a.script))}</h3>\n"
            + "".join(
                [
                    f'<p class="para" id="{esc(an)}" lang="{lang_value(a.script)}">{esc(source(p, a.script))}</p>'
                    for an, p in paras
                ]
            )
            + "  </div>\n"
            for a, paras in fallback
        ]
    )


def _claim_row(r: dict[str, Any]) -> str:
    row = r["row"]
    sources = r["sources"]
    if r["contradicts"]:
        cls = "contradicted"
    elif r["refuted"]:
        cls = "refuted"
    else:
        cls = "agreed" if len(sources) > 1 else ""
    measure = f"<br><small>{esc(measure_label(row.measure))}</small>" if row.measure else ""
    timeframe = f"<br><small>{esc(r['timeframe'])}</small>" if r["timeframe"] else ""
    if r.get("apart"):  # hypotheticals, guesses and questions: shown, never set against facts
        timeframe += f'<br><small class="modality">{esc(r["apart"])}</small>'

    outlets = f"：{esc('、'.join(r['outlets']))}" if r["outlets"] else ""
    value = r["value"]
    items = "".join(
        [
            f'<li><a href="{esc(s["href"])}">{esc(s["where"])}</a> {esc(s["c"].speaker or "")}'
            f'：“<span lang="{lang_value(s.get("lang", ""))}">{esc(source(s["c"].text, s.get("lang", "")))}</span>”'
            + (f" <small>({esc(s['value'])})</small>" if s["value"] != value else "")
            + "</li>"
            for s in sources
        ]
    )
    marks = ""
    if r["contradicts"]:
        links = "".join([f'<a href="#{esc(href)}">#{n}</a> ' for n, href in r["contradicts"]])
        marks += f'<span class="mark-x">✗ 与 {links}矛盾</span>'
        # Every flag says why: the fields both figures share (their values cannot both hold).
        marks += "".join([f'<small class="why">#{n} {esc(why)}</small>' for n, why in r.get("why", ())])
    if r.get("differs"):
        links = "".join([f'<a href="#{esc(href)}">#{n}</a> ' for n, href in r["differs"]])
        marks += f'<span class="mark-d">≠ 与 {links}数字不同（未判定矛盾）</span>'
    if r["refuted"]:
        refs = "".join(
            [
                f'<a href="{esc(f["href"])}">{esc(f["c"].speaker or f["where"])}</a>“{esc(f["c"].text)}” '
                for f in r["refuted"]
            ]
        )
        marks += f'<span class="mark-r">⚠ 被驳斥：{refs}</span>'
    if not r["contradicts"] and not r["refuted"] and len(sources) > 1:
        marks += f'<span class="mark-ok">✓ {len(sources)} 处一致</span>'
    return (
        f'<tr id="{esc(r["anchor"])}" class="{cls}">\n'
        f'  <td data-label="#">{r["n"]}</td>\n'
        f'  <td data-label="对象">{esc(row.subject)}{measure}</td>\n'
        f'  <td data-label="数值" class="num">{esc(value)}</td>\n'
        f'  <td data-label="限定">{esc(r["qualifier"] or "—")}{timeframe}</td>\n'
        f'  <td data-label="谁说的">{esc("、".join(r["speakers"]) or "—")}</td>\n'
        '  <td data-label="来源">\n'
        f"    <details><summary>{len(sources)} 处{outlets}</summary>\n"
        '    <ul class="claim-sources">\n'
        f"{items}    </ul></details>\n"
        "  </td>\n"
        '  <td data-label="对照" class="marks">\n'
        f"<div>{marks}</div>  </td>\n"  # one box: on a phone the cell is a flex row
        "</tr>\n"
    )


def claims_html(rows: Sequence[dict[str, Any]]) -> str:
    """The ``<tbody>`` rows of the claims ledger (rows from ``views._claim_rows``)."""
    return "".join([_claim_row(r) for r in rows])


def _when(at: datetime, day_only: bool) -> str:
    # A report dated by its day alone keeps that day (in its own zone), never a made-up 00:00.
    return at.date().isoformat() if day_only else iso(at)


def _shown(at: datetime, day_only: bool, dt: Fmt) -> str:
    return at.date().isoformat() if day_only else dt(at)


def events_html(events: Sequence[TimelineEvent], labels: dict[str, str], dt: Fmt) -> str:
    """The timeline's ``<li>`` events (already in time order)."""
    out: list[str] = []
    for e in events:
        src = f'<span class="src">{esc(e.outlet)}</span>' if e.outlet else ""
        label = esc(e.label)
        target = f'<a href="#art-{esc(anchor(e.article_id))}">{label}</a>' if e.article_id else label
        out.append(
            f'  <li class="event kind-{esc(e.kind)}"><time datetime="{esc(_when(e.at, e.day_only))}">'
            f"{esc(_shown(e.at, e.day_only, dt))}</time>\n"
            f'    <span class="kind">{esc(labels.get(e.kind, e.kind))}</span>\n'
            f"{src}{target}</li>\n"
        )
    return "".join(out)


def _source(a: Article, href: str | None, dt: Fmt) -> str:
    if href:
        title = (
            f'<a href="{esc(href)}" rel="noopener noreferrer nofollow" class="title" lang="{lang_value(a.script)}">'
            f"{esc(source(a.title, a.script))}</a>"
        )
    else:
        url = f' <span class="url">{esc(a.url)}</span>' if a.url else ""
        title = (
            f'<span class="title" lang="{lang_value(a.script)}">{esc(source(a.title, a.script))}</span>{url}'
        )
    at = a.published_at
    if at:
        when = (
            f'<time datetime="{esc(_when(at, a.published_day_only))}">'
            f"{esc(_shown(at, a.published_day_only, dt))}</time>"
        )
    else:
        first = first_evidence(a)
        seen = f'，最早评论 <time datetime="{esc(iso(first))}">{esc(dt(first))}</time>' if first else ""
        when = f'<span class="undated">未注明发布时间{seen}</span>'
    stats = a.stats
    reads = f'<span class="reads">阅读 {stats.reads}</span>' if stats.reads is not None else ""
    n = stats.comments if stats.comments is not None else len(a.comments)
    comments = f'<span class="ncomments">评论 {n}</span>' if stats.comments is not None or a.comments else ""
    return (
        f'  <li id="art-{esc(anchor(a.id))}">\n'
        f'    <span class="src">{esc(a.outlet)}</span>\n'
        f"{title}"
        f'    <span class="meta">{when}'
        f'      <span class="script">{esc(script_label(a.script))}</span>\n'
        f"{reads}{comments}</span>\n"
        "  </li>\n"
    )


def sources_html(articles: Sequence[Article], dt: Fmt, href: Callable[[str], str | None]) -> str:
    """The ``<li>`` of every source article; ``href`` makes a link safe (views.safe_href)."""
    return "".join([_source(a, href(a.url), dt) for a in articles])
