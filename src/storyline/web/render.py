"""The one way a portal page becomes HTML: a Jinja2 template from ``templates/``, autoescaped.

Every page template extends ``base.html`` and includes its parts as partials (``story.html``
includes ``_brief.html``, ``_ledger.html``, ``_threads.html``, …; floors are ``_floors.html``,
the charts ``_timeline.svg`` and ``_split_bar.html``) through :func:`include`. Python code hands the templates data —
records and small view rows of already formatted strings — and never a string of HTML, so
every text from the data is escaped by Jinja's autoescape and nothing else.

The environment is built once per process: templates ship with the code (a deploy restarts the
server), so ``auto_reload=False`` spares a ``stat()`` per render, and each template is compiled
once and kept. No bytecode cache: it would only shorten the first render after a start, which
:mod:`storyline.web.prerender` or the first reader pays once.

A page is rendered as stored and then, when the reader chose 繁 or 简 (``?script=hant|hans``,
remembered in a cookie), converted as a whole by :func:`storyline.web.i18n.to_script_utf8`; internal
links carry the choice.

Example::

    >>> partial("_split_bar.html", bar=None)
    Markup('')
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import BuiltinFunctionType, FunctionType
from typing import Any
from urllib.parse import quote_plus, urlencode
from zoneinfo import ZoneInfo

import markupsafe
from fastapi import Request
from fastapi.responses import Response
from jinja2 import Environment, FileSystemLoader, Template, nodes, pass_context, select_autoescape
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import Context, Macro
from markupsafe import Markup

from storyline.settings import Settings
from storyline.store.base import Store
from storyline.web.formats import iso, local_minute
from storyline.web.i18n import lang_value, normalize_choice, source, to_script_utf8
from storyline.web.labels import zone_label
from storyline.web.links import anchor, safe_href
from storyline.web.responses import etag_response

__all__ = [
    "COOKIE",
    "ENV",
    "Part",
    "escape_output",
    "include",
    "partial",
    "reader_tz",
    "render",
    "render_error",
    "settings",
    "store",
    "zone_name",
]

COOKIE = "script"
TEMPLATES = Path(__file__).parent / "templates"


def _text_escaper() -> Callable[[str], str]:
    """MarkupSafe's own escaping routine, returning ``str``: what :func:`markupsafe.escape` runs
    inside (the C one when built), without the ``Markup`` object it wraps each result in.
    Used only if it gives ``escape``'s very characters (a later MarkupSafe may rename it)."""
    inner = getattr(markupsafe, "_escape_inner", None)
    probe = "<a href='x' title=\"y\">&amp;中文</a>"
    if inner is not None and inner(probe) == str(markupsafe.escape(probe)):
        return inner
    return lambda s: str(markupsafe.escape(s))


_escape_str = _text_escaper()


class Part:
    """A partial's HTML as :func:`include` returns it: markup to the templates (``__html__``),
    written as it is. Not a ``Markup``: that is a ``str`` subclass, so wrapping a partial's text
    in one copies it, and a floor of a story page was copied so at each partial around it."""

    __slots__ = ("html",)

    def __init__(self, html: str) -> None:
        self.html = html

    def __html__(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


def escape_output(value: Any) -> str:
    """What a ``{{ … }}`` writes under autoescape: exactly :func:`markupsafe.escape`'s text.

    A page writes a few thousand values; ``markupsafe.escape`` builds a ``Markup`` object for
    each (a third of a story page's render, measured), which the page's ``join`` then drops.
    Text and numbers are escaped here straight to ``str``; anything else (``Markup``, objects
    with ``__html__``) goes to ``markupsafe.escape`` as before.
    """
    kind = type(value)
    if kind is str:
        return _escape_str(value)
    if kind is int:
        return str(value)
    if kind is Part:
        return value.html
    return markupsafe.escape(value)


_DICT_NAMES = frozenset(dir(dict))  # what getattr finds on a dict: its methods, never its items


class _EscapingCodeGenerator(CodeGenerator):
    """Jinja's code generator (``Environment.code_generator_class`` is Jinja's hook for this) with
    two changes to what an autoescaped template compiles to, each measured on the story page
    (benchmarks/portal_load.py --render):

    - a ``{{ … }}`` writes its value through :func:`escape_output` where Jinja writes ``escape``,
      and a ``str`` value (most of them) straight through MarkupSafe's escaping routine, an
      ``int`` through ``str``, with no call of a Python function between (``escape_text(v) if
      type(v) is str else str(v) if type(v) is int else escape_output(v)``, what escape_output
      does); the names are globals of the compiled template, not attributes looked up per value;
    - a run of output between two tags (text and values) is one ``yield`` of the run joined,
      where Jinja yields each piece (a floor of a thread is ~25 pieces, 4 runs);
    - ``x.name`` of a name no ``dict`` has is :meth:`_PageEnvironment.getattr_item`, which looks
      a dict's item up first: Jinja's ``getattr`` tries the attribute, and the exception that a
      dict raises costs 0.5 µs (a story page reads 120 such names off its rows);
    - a call ``f(…)`` is :meth:`_PageEnvironment.call_plain`, which calls a plain function or a
      macro at once, where ``Context.call`` first asks each for the context it may want (1.4 µs
      a call in a loop, measured; a page makes 15-40 calls: links, partials, macros).

    The output is Jinja's, byte for byte (tests/test_web_render.py). A Jinja whose code generator
    lacks the hooked methods compiles as before: slower, never less escaped.
    """

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        super().visit_Template(node, frame)
        self.writeline("escape_output = environment.escape_output")
        self.writeline("escape_text = environment.escape_text")
        self.writeline("getattr_item = environment.getattr_item")
        self.writeline("call_plain = environment.call_plain")

    def write(self, x: str) -> None:
        # visit_Call writes exactly this (Jinja 3.1); anything else is written as Jinja has it.
        super().write("call_plain(context, " if x == "context.call(" else x)

    def visit_Getattr(self, node: nodes.Getattr, frame: Frame) -> None:
        if self.environment.is_async or node.attr in _DICT_NAMES:
            super().visit_Getattr(node, frame)
            return
        self.write("getattr_item(")
        self.visit(node.node, frame)
        self.write(f", {node.attr!r})")

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile and finalize.src is None:
            self.write("(escape_text(_v) if (_t := type(_v := ")
        else:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile and finalize.src is None:
            self.write(")) is str else str(_v) if _t is int else escape_output(_v))")
        else:
            super()._output_child_post(node, frame, finalize)

    def visit_Output(self, node: nodes.Output, frame: Frame) -> None:
        # Inside a macro or a block assignment (a buffer), and at the top level of a template
        # that extends another (output checked), Jinja's own code is already one statement a run.
        if frame.buffer is not None or frame.require_output_check:
            super().visit_Output(node, frame)
            return
        finalize = self._make_finalize()
        # As Jinja does: adjacent constant pieces folded into one string at compile time.
        body: list[list[Any] | nodes.Expr] = []
        for child in node.nodes:
            try:
                if not (finalize.const or isinstance(child, nodes.TemplateData)):
                    raise nodes.Impossible()
                const = self._output_child_to_const(child, frame, finalize)
            except Exception:  # not constant (Impossible), or an error easier to debug at runtime
                body.append(child)
                continue
            if body and isinstance(body[-1], list):
                body[-1].append(const)
            else:
                body.append([const])
        if len(body) < 2:
            super().visit_Output(node, frame)
            return
        self.writeline("yield ''.join((")
        self.indent()
        for item in body:
            if isinstance(item, list):
                self.writeline(self._output_const_repr(item) + ",")
            else:
                self.newline(item)
                self._output_child_pre(item, frame, finalize)
                self.visit(item, frame)
                self._output_child_post(item, frame, finalize)
                self.write(",")
        self.outdent()
        self.writeline("))")


class _PageEnvironment(Environment):
    code_generator_class = _EscapingCodeGenerator

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # What the compiled templates take as their globals escape_output / escape_text.
        self.escape_output = escape_output
        self.escape_text = _escape_str

    def call_plain(self, context: Context, obj: Any, *args: Any, **kwargs: Any) -> Any:
        """``Context.call(obj, …)``, the same result, with no question asked of a Python function
        that takes no context (no ``jinja_pass_arg``), a builtin or a macro: those it calls as
        they are, without the loop's and block's names Jinja hands on for the others."""
        kind = type(obj)
        if (
            kind is BuiltinFunctionType
            or kind is Macro
            or (kind is FunctionType and not hasattr(obj, "jinja_pass_arg"))
        ):
            if kwargs:
                kwargs.pop("_loop_vars", None)
                kwargs.pop("_block_vars", None)
            try:
                return obj(*args, **kwargs)
            except StopIteration:
                return self.undefined(
                    "value was undefined because a callable raised a StopIteration exception"
                )
        return context.call(obj, *args, **kwargs)

    def getattr_item(self, obj: Any, attribute: str) -> Any:
        """:meth:`Environment.getattr` for a name no dict has as an attribute (the compiler
        checks): the same value, found first among a plain dict's items, where getattr raises."""
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        try:  # Environment.getattr's own lookup
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)


ENV = _PageEnvironment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "xml", "svg"], default_for_string=True, default=True),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)


# Source text marked with its script, so the 繁/简 switch leaves it alone when it already is in
# the reader's script (web.i18n); ``lang`` values written so they name the script shown. A page
# shown as printed (``script`` "orig", what render() passes) converts nothing, so it gets no
# marks: the text and value as they are, and the page's last pass (to_script_utf8) drops any
# mark an input carried in, as it dropped every mark before (one scan of the page less, and no
# regex per text).
@pass_context
def _source_filter(context: Context, text: str, script: str) -> str:
    return text if type(text) is str and context.get("script") == "orig" else source(text, script)


@pass_context
def _lang_filter(context: Context, script: str) -> str:
    if context.get("script") == "orig" and (not script or type(script) is str):
        return script or ""  # lang_value's value, once the page's last pass drops the marks
    return lang_value(script)


ENV.filters["src"] = _source_filter
ENV.filters["langv"] = _lang_filter
ENV.filters["iso"] = iso


_TEMPLATES: dict[str, Template] = {}  # by name: templates are compiled once (auto_reload=False)


def _template(name: str) -> Template:
    t = _TEMPLATES.get(name)
    if t is None:
        t = _TEMPLATES[name] = ENV.get_template(name)
    return t


@pass_context
def include(context: Context, template: str, **names: Any) -> Part:
    """``{{ include("_part.html", name=value) }}``: a partial rendered to one string, with the
    page's names and ``names``. Jinja's own ``{% include %}`` streams the partial, so each of
    its pieces is yielded again by every template around it (a floor of a story page passed up
    through _floors, _thread, _discussion, story and base): that cost more than the partials
    themselves (benchmarks/portal_load.py --render), and this costs one join per partial.
    The partial's names are one dict at most (Jinja's ``new_context`` with locals copies twice).
    """
    t = _template(template)
    # The partial reads the page's names and writes its own (Context.vars): a page with no names
    # of its own shares its dict (story.html's partials), else one merged copy.
    own = context.vars
    ctx = t.new_context({**context.parent, **own, **names} if own or names else context.parent, shared=True)
    return Part(ENV.concat(t.root_render_func(ctx)))  # type: ignore[attr-defined]


ENV.globals.update(safe_href=safe_href, anchor=anchor, include=include)


def settings(request: Request) -> Settings:
    return request.app.state.settings


def store(request: Request) -> Store:
    return request.app.state.store


def choice(request: Request) -> tuple[str, bool]:
    """(script choice, whether it came from the URL and must be remembered in the cookie)."""
    q = request.query_params.get("script")
    if q is not None:
        return normalize_choice(q), True
    return normalize_choice(request.cookies.get(COOKIE)), False


def reader_tz(request: Request) -> ZoneInfo:
    """The zone the portal shows times in (``Settings.default_timezone``)."""
    try:
        return ZoneInfo(settings(request).default_timezone)
    except Exception:  # an unknown zone name in settings must not take the portal down
        return ZoneInfo("UTC")


def zone_name(tz: ZoneInfo) -> str:
    """The zone as a page names it (北京时间 UTC+08:00, …)."""
    offset = datetime.now(tz).strftime("%z")
    return zone_label(tz.key, f"{offset[:3]}:{offset[3:]}" if offset else "")


def partial(template: str, **ctx: Any) -> Markup:
    """A part of a page on its own (a chart, a table body): the template rendered with ``ctx``."""
    return Markup(ENV.get_template(template).render(**ctx))


def render(request: Request, template: str, status_code: int = 200, **ctx: Any) -> Response:
    """The page ``template`` with ``ctx``, in the reader's script, with an ETag; no-JS HTML."""
    script, from_query = choice(request)
    tz = reader_tz(request)

    def url(path: str, **params: Any) -> str:
        frag = params.pop("_fragment", "")
        params = {k: v for k, v in params.items() if v not in (None, "")}
        if script != "orig":
            params["script"] = script
        q = urlencode(params) if params else ""
        return path + ("?" + q if q else "") + ("#" + frag if frag else "")

    # Read once: every page links the three scripts (base.html).
    here, asked = request.url.path, dict(request.query_params)

    def switch(to: str) -> str:
        if not asked:  # urlencode of the one pair
            return f"{here}?script={quote_plus(to)}"
        return here + "?" + urlencode({**asked, "script": to})

    def dt(at: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return at.astimezone(tz).strftime(fmt) if at is not None else ""

    lang = {"hant": "zh-Hant", "hans": "zh-Hans"}.get(script, "zh")
    page = _template(template).render(
        url=url,
        switch=switch,
        dt=dt,
        minute=lambda at: local_minute(at, tz),
        script=script,
        lang=lang,
        zone=zone_name(tz),
        **ctx,
    )
    resp = etag_response(
        request,
        to_script_utf8(page, script),
        "text/html; charset=utf-8",
        max_age=0,
        vary="Cookie",
        status_code=status_code,
    )
    if from_query:
        resp.set_cookie(COOKIE, script, max_age=365 * 86400, samesite="lax", httponly=True)
    return resp


def render_error(request: Request, status: int, heading: str, message: str) -> Response:
    """The portal's error page (``error.html``) with ``status``; never kept by any cache."""
    resp = render(request, "error.html", status_code=status, heading=heading, message=message)
    resp.headers["cache-control"] = "no-store"
    return resp
