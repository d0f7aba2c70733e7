"""The story page's fast paths give exactly what the slow, obvious code gives.

Escaping, time formatting and link making are done by hand on the hot path of a story page
(storyline.web.formats / links / floors); each is checked here against its reference
over many generated inputs.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from storyline.web.formats import iso, local_minute
from storyline.web.links import _split_and_quote, safe_href


def test_template_output_escapes_exactly_as_markupsafe():
    """The templates' ``{{ … }}`` (render.escape_output) writes markupsafe.escape's very text."""
    from markupsafe import Markup, escape

    from storyline.web.render import ENV, escape_output

    rng = random.Random(3)
    alphabet = "ab中文&<>'\"; /=#"
    values: list[object] = [None, 0, -7, 2.5, True, Markup("<b>x</b>"), ""]
    values += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12))) for _ in range(2000)]
    for v in values:
        assert escape_output(v) == str(escape(v)), v
        assert ENV.from_string("{{ v }}").render(v=v) == str(escape(v)), v


def test_row_tuples_unpack_by_the_names_their_templates_use():
    """The templates unpack row tuples positionally: the names must be the fields, in order."""
    import re
    from pathlib import Path

    from storyline.web.floors import FloorRow, QuoteRow
    from storyline.web.render import TEMPLATES
    from storyline.web.story_view import Event, Source, Version

    for template, seq, row, prefix in [
        ("_floors.html", "floors", FloorRow, ""),
        ("_floors.html", "quotes", QuoteRow, "q_"),
        ("_body.html", "g.versions", Version, ""),
        ("_timeline.html", "events", Event, ""),
        ("_sources.html", "sources", Source, ""),
    ]:
        text = (Path(TEMPLATES) / template).read_text()
        (names,) = re.findall(r"{% for (.+?) in " + re.escape(seq) + " %}", text)
        assert [n.strip().removeprefix(prefix) for n in names.split(",")] == list(row._fields), template


def test_iso_and_local_minute_match_isoformat_and_strftime():
    rng = random.Random(5)
    zones = [ZoneInfo(z) for z in ("Asia/Shanghai", "America/New_York", "UTC", "Asia/Kolkata")]
    offsets = [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-3, minutes=-30))]
    for _ in range(5000):
        at = datetime(1, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(0, 315_000_000_000))
        at = at.replace(microsecond=rng.choice([0, rng.randrange(1_000_000)]))
        at = at.astimezone(rng.choice(offsets)) if at.year > 1 else at
        assert iso(at) == at.isoformat(), at
        tz = rng.choice(zones)
        if datetime(2, 1, 1, tzinfo=UTC) < at < datetime(9999, 1, 1, tzinfo=UTC):  # astimezone stays in range
            assert local_minute(at, tz) == at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), (at, tz)


def test_safe_href_fast_path_agrees_with_urlsplit_and_quote():
    rng = random.Random(7)
    heads = ["http://", "https://", "HTTPS://", "http:/", "http:///", "http://?", "ftp://", "javascript:"]
    heads.append(" http://a")  # leading space: stripped first
    chars = "aZ09_.~-:/?#[]@!$&()*+,;=% \"'<>\\^`{|}中ſK\t"
    for _ in range(20000):
        url = rng.choice(heads) + "".join(rng.choice(chars) for _ in range(rng.randrange(0, 10)))
        stripped = url.strip()
        assert safe_href(url) == (_split_and_quote(stripped) if stripped else None), url


def test_timeline_bars_count_each_report_in_its_utc_hour_or_day():
    import re
    from collections import Counter

    from storyline.web.svg import timeline_svg

    rng = random.Random(11)
    zones = [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-9, minutes=-30))]
    for span_hours in (5, 60, 400):  # hourly bins, hourly with padding, daily bins
        t0 = datetime(2025, 3, 1, 7, 30, tzinfo=UTC)
        reports = [
            (
                "甲乙"[rng.randrange(2)],
                (t0 + timedelta(minutes=rng.randrange(span_hours * 60))).astimezone(rng.choice(zones)),
            )
            for _ in range(40)
        ]
        fmt = "%m-%d %H:00" if span_hours <= 72 else "%Y-%m-%d"
        day = span_hours > 72
        expected = Counter(
            (
                o,
                t.astimezone(UTC)
                .replace(minute=0, second=0, microsecond=0, **({"hour": 0} if day else {}))
                .strftime(fmt),
            )
            for o, t in reports
        )
        svg = timeline_svg(reports, [])
        bars = re.findall(r"<title>(\S+) · ([^<]+?) UTC · (\d+)</title></rect>", svg)
        assert Counter({(o, when): int(n) for o, when, n in bars}) == expected


def test_no_html_is_written_in_python():
    """One way to make HTML: templates. A string literal holding a tag in web/*.py is a page
    part built by hand, unless it is one of these (the snippet's marks, the escaper's probe)."""
    import ast
    import re
    from pathlib import Path

    import storyline.web

    allowed = {
        ("links.py", "<mark>"),
        ("links.py", "</mark>"),
        ("render.py", "<a href='x' title=\"y\">&amp;中文</a>"),
    }
    tag = re.compile(r"(?<!\?P)</?[a-zA-Z][a-zA-Z0-9]*[\s>/]")  # (not a regex's named group)
    found = set()
    for path in Path(storyline.web.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        docs = {
            id(n.body[0].value)
            for n in ast.walk(tree)
            if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef)
            and n.body
            and isinstance(n.body[0], ast.Expr)
            and isinstance(n.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and id(node) not in docs and tag.search(text):
                found.add((path.name, text))
    assert found == allowed


def test_compiled_templates_render_what_stock_jinja_renders():
    """The page environment's code generator (render._EscapingCodeGenerator: joined output runs,
    inline escaping, dict items read first, plain calls made directly) writes exactly what
    Jinja's own writes, for each construct it touches."""
    from jinja2 import Environment, pass_context, select_autoescape
    from markupsafe import Markup

    from storyline.web.render import ENV, Part

    @pass_context
    def seen(context, name):  # a function that wants the context: must still get the loop's names
        return f"[{context.get(name)}]"

    def stop():
        raise StopIteration

    names = {
        "row": {"value": "<1>", "items": "no", "n": 3},
        "rows": [{"a": i, "b": f"<{i}>"} for i in range(4)],
        "obj": Part("<i>part</i>"),
        "mk": Markup("<b>m</b>"),
        "f": lambda x, k="": f"{x}&{k}",
        "seen": seen,
        "stop": stop,
        "vals": [None, 0, 7, 2.5, True, "", "a<b", Markup("<u>")],
    }
    sources = [
        "x{{ row.value }}y{{ row.n }}z{{ row.missing }}w{{ row.items()|list|length }}",
        "{% for r in rows %}<li id='{{ r.a }}'>{{ r.b }}{% if r.a %}!{{ r.c }}{% endif %}</li>{% endfor %}",
        "{% for v in vals %}{{ v }}|{% endfor %}{{ obj }}{{ mk }}",
        "{% for r in rows %}{% set k = r.a %}{{ seen('k') }}{{ f(r.b, k=k) }}{% endfor %}",
        "{% macro m(x) %}<m>{{ x }}{{ caller() if caller }}</m>{% endmacro %}{{ m(row.value) }}"
        "{% call m('c') %}in{{ row.n }}{% endcall %}{{ range(3)|join(',') }}",
        "{{ stop() }}|{{ 'a' ~ row.n }}{{ (row.value ~ '&')|e }}{{ f }}",
    ]
    stock = Environment(
        autoescape=select_autoescape(default_for_string=True), trim_blocks=True, lstrip_blocks=True
    )
    for src in sources:
        assert ENV.from_string(src).render(**names) == stock.from_string(src).render(**names), src


def test_script_marks_dropped_from_the_bytes_as_from_the_text():
    from storyline.web.i18n import lang_value, source, to_script, to_script_utf8

    rng = random.Random(5)
    alphabet = ["a", "中", "臺", "台", "&", "\ue000", "\ue003", "\ue005", "\ue006", "é", "😀"]
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 20)))
        text = text + source(text, "zh-Hant") + lang_value("zh-Hans") + text
        for choice in ("orig", "hant", "hans", "bogus"):
            assert to_script_utf8(text, choice) == to_script(text, choice).encode("utf-8")


def test_a_page_shown_as_printed_is_what_its_marked_page_becomes():
    """With ``script`` "orig" the src/langv filters write no marks and the page's last pass drops
    any an input carried in: the bytes are those of the marked page run through to_script."""
    from storyline.web.i18n import to_script, to_script_utf8
    from storyline.web.render import ENV

    t = ENV.from_string(
        '<p lang="{{ s|langv }}">{{ text|src(s) }}</p><i lang="{{ ""|langv }}">{{ other }}</i>{{ text|src("") }}'
    )
    rng = random.Random(9)
    alphabet = ["a", "中", "臺", "台", "<", "\ue000", "\ue001", "\ue003", "\ue004", "\ue005", "\ue006", "😀"]
    for _ in range(500):
        text, other = ("".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12))) for _ in "ab")
        for s in ("zh-Hant", "zh-Hans", "en", "", "zh-\ue002Hant"):
            marked = t.render(text=text, other=other, s=s)  # no page choice: the marks, as before
            for choice in ("orig", "hant", "hans"):
                page = t.render(text=text, other=other, s=s, script=choice)
                want = to_script(marked, choice).encode("utf-8")
                assert to_script_utf8(page, choice) == want, (text, s, choice)
