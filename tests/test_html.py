"""HTML pages: main text, metadata to the second, encodings, and unreadable pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.errors import EncodingError, InputError, ParseError
from storyline.records import RawInput
from storyline.sources import html, parse_input

FIXTURES = Path(__file__).parent / "fixtures" / "sources"


def _read(name: str, **kw: str) -> RawInput:
    path = FIXTURES / name
    return RawInput(str(path), path.read_bytes(), **kw)


def test_article_page_yields_body_metadata_and_thread_without_menus() -> None:
    raw = _read("article_thread.html")
    (a,) = html.parse(raw)
    assert a.url == "https://news.example.org/2025/01/port-plan.html"  # og:url beats the file name
    assert a.outlet == "晨星新闻" and a.site == "news.example.org"
    assert a.title == "虚构港口扩建计划公布"
    assert a.author == "林晓"
    assert a.published_at.isoformat() == "2025-01-22T13:40:20+08:00"  # time of day kept
    assert a.paragraphs == (
        "晨星市政府周三宣布，将在未来四年内投入三百亿元扩建东港码头，预计新增两万个就业岗位。",
        "市长在发布会上表示，第一期工程将于今年三月动工，资金来自市财政和两家本地银行的联合贷款。",
        "部分经济学家对资金来源表示怀疑，认为两家银行的资本金不足以支撑如此规模的贷款承诺。",
        "港务局发言人回应称，详细的融资方案将在下月的市议会会议上公开，届时将接受公众质询。",
    )
    body = "".join(a.paragraphs)
    for chrome in ("首页", "版权所有", "网友评论", "钱真的到位了吗"):
        assert chrome not in body
    assert len(a.comments) == 4 and a.stats.comments == 4
    assert a.script == "und" and a.source_name == raw.name and a.raw_sha256 == raw.sha256


def test_gbk_page_declared_gb2312_reads_without_mojibake() -> None:
    (a,) = html.parse(_read("gbk_page.html"))
    assert a.title == "山城夜市重新开放"
    assert a.outlet == "山城日报"
    assert a.published_at.isoformat() == "2024-11-03T19:45:00+08:00"
    assert a.paragraphs[0] == "经过半年整修，山城老夜市于周六晚重新开放，首晚接待游客约一万二千人次。"
    assert len(a.paragraphs) == 3


def test_big5_page_reads_as_traditional_characters() -> None:
    (a,) = html.parse(_read("big5_page.html"))
    assert a.title == "港島電車加開夜班"
    assert a.outlet == "維港時報"
    assert a.published_at.isoformat() == "2024-12-18T08:15:00+08:00"
    assert a.paragraphs == (
        "電車公司宣布，由下月起在週五及週六晚加開通宵班次，每二十分鐘一班。",
        "公司發言人表示，新班次屬試驗性質，為期三個月，其後會按乘客量檢討是否延續。",
        "有區議員歡迎措施，但關注夜間行車噪音對沿線居民的影響，要求公司加強監察。",
    )


def test_gbk_page_without_any_charset_label_is_detected() -> None:
    page = "<html><head><title>无标签页面</title></head><body><article><p>这是一个没有声明编码的简体中文页面，用来检验自动识别。</p><p>第二段也是中文，内容足够长以便检测器判断为国标编码。</p></article></body></html>"
    (a,) = html.parse(RawInput("nolabel.html", page.encode("gbk")))
    assert a.title == "无标签页面"
    assert a.paragraphs[0] == "这是一个没有声明编码的简体中文页面，用来检验自动识别。"


def test_http_charset_on_the_raw_input_beats_a_wrong_meta_label() -> None:
    page = '<html><head><meta charset="utf-8"><title>标题</title></head><body><p>正文内容在这里。</p></body></html>'
    (a,) = html.parse(RawInput("http://example.org/x", page.encode("gb18030"), encoding="gb18030"))
    assert a.title == "标题" and a.paragraphs == ("正文内容在这里。",)
    assert a.url == "http://example.org/x" and a.outlet == "example.org"


def test_json_ld_date_and_author_are_read() -> None:
    (a,) = html.parse(_read("nested_thread.html"))
    assert a.published_at.isoformat() == "2025-01-23T06:43:00-08:00"
    assert a.author == "Mei Chan"
    assert a.outlet == "Harbour Times"
    assert a.url == ""  # a saved file with no canonical link has no URL


def test_xhtml_with_an_xml_declaration_is_read() -> None:
    page = '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>X</title></head><body><p>Body here.</p></body></html>'
    (a,) = html.parse(RawInput("x.xhtml", page.encode()))
    assert a.title == "X" and a.paragraphs == ("Body here.",)


def test_page_with_no_text_title_or_comments_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match=r"^blank\.html: no article text"):
        html.parse(RawInput("blank.html", b"<html><body><div></div></body></html>"))


def test_empty_and_binary_inputs_raise_errors_naming_the_input() -> None:
    with pytest.raises(InputError, match=r"^e\.html: empty input"):
        html.parse(RawInput("e.html", b"   "))
    with pytest.raises(EncodingError, match=r"^b\.html: looks like a binary file"):
        html.parse(RawInput("b.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00"))


def test_sniff_charset_reads_meta_and_http_equiv() -> None:
    assert html.sniff_charset(b'<meta charset="big5">') == "big5"
    assert html.sniff_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=GBK">') == "GBK"
    assert html.sniff_charset(b"<html><body>none</body></html>") is None


def test_dispatch_sends_html_files_to_the_html_reader() -> None:
    (a,) = parse_input(_read("big5_page.html"))
    assert a.title == "港島電車加開夜班"


def test_decoding_with_a_few_bad_bytes_counts_them_and_keeps_the_rest() -> None:
    from storyline.sources.decode import decode_tolerant

    body = "山城老夜市于周六晚重新开放，首晚接待游客约一万二千人次。".encode("gbk")
    page = b'<meta charset="gb2312">' + body[:10] + b"\xff" + body[10:] * 20
    d = decode_tolerant(page, "p.html", "gb2312")
    assert (d.encoding, d.replaced, d.places, d.first_bad) == ("gb18030", 1, 1, 33)
    assert d.text.count("\ufffd") == 1 and d.text.endswith("人次。")
    assert str(d.warning("p.html")).startswith("p.html byte 33: 1 byte(s) in 1 place(s) not valid gb18030")
    # mostly unreadable in every candidate: still refused, naming the input
    with pytest.raises(EncodingError, match=r"^junk\.html"):
        decode_tolerant(bytes(range(0x80, 0x100)) * 40, "junk.html", "utf-8")


def test_page_with_a_bad_byte_is_read_with_a_warning_not_refused() -> None:
    page = _read("gbk_page.html").data
    at = page.index("首晚".encode("gbk"))
    errors: list[InputError] = []
    (a,) = html.parse(RawInput("gbk_bad.html", page[:at] + b"\xff" + page[at:]), errors)
    assert a.title == "山城夜市重新开放"
    assert [e.reason for e in errors] == [
        "1 byte(s) in 1 place(s) not valid gb18030 were shown as U+FFFD; "
        "the rest of the page is kept and the raw bytes are stored unchanged"
    ]


def test_date_only_byline_stays_a_date() -> None:
    page = (
        "<html><head><title>通知_某市政府网</title></head><body><h1>关于停水的通知</h1>"
        "<div>发布日期：2019-03-06 来源：水务局</div><p>甲区今日停水，恢复时间另行通知。</p></body></html>"
    )
    (a,) = html.parse(RawInput("n.html", page.encode()))
    assert a.title == "关于停水的通知"
    assert a.published_at.isoformat() == "2019-03-06T00:00:00+08:00" and a.published_day_only is True
    assert a.paragraphs == ("甲区今日停水，恢复时间另行通知。",)


def test_url_less_ids_depend_on_the_whole_text() -> None:
    from storyline.records import article_id_for

    a = article_id_for("", "某市政府网", "通报", ("原标题：通报", "甲区今日停水。"))
    b = article_id_for("", "某市政府网", "通报", ("原标题：通报", "乙区今日停电。"))
    assert a != b
    assert a == article_id_for("", "某市政府网", "通报", ("原标题：通报", "甲区今日停水。"))
    # with a URL the URL alone names the report (a corrected text updates it in place)
    assert article_id_for("https://x.org/1", "X", "t", ("p1",)) == article_id_for(
        "https://x.org/1", "X", "t", ("p2",)
    )


def test_byline_in_an_unnamed_zone_does_not_shift_the_tagged_time() -> None:
    page = (
        "<html><head><title>Port plan unveiled | Example News</title>"
        '<meta property="article:published_time" content="2025-01-22T20:04:00Z"></head>'
        "<body><h1>Port plan unveiled</h1><p>January 22, 2025 3:04 PM</p>"
        "<p>The city said on Wednesday it would spend three billion on the port.</p></body></html>"
    )
    (a,) = html.parse(RawInput("en.html", page.encode()))
    assert a.title == "Port plan unveiled"
    # 3:04 PM is US Eastern time (20:04 UTC); read as Beijing time it would be 07:04 UTC
    assert a.published_at.isoformat() == "2025-01-22T20:04:00+00:00"


def test_big5_page_with_traditional_labels_reads_byline_and_cuts_at_the_editor() -> None:
    page = (
        '<html><head><meta charset="big5"><title>電車加開夜班_維港時報網</title></head><body>'
        "<div>首頁 &gt; 港聞</div><h1>電車加開夜班</h1><div>發佈時間：2024年12月18日 08:15 來源：維港時報</div>"
        "<p>電車公司宣布，由下月起在週五及週六晚加開通宵班次，每二十分鐘一班。</p>"
        "<p>責任編輯：陳大文</p><p>相關新聞</p><ul><li><a href='/1'>巴士加價</a></li></ul></body></html>"
    )
    (a,) = html.parse(RawInput("hk.html", page.encode("big5")))
    assert a.title == "電車加開夜班"
    assert a.published_at.isoformat() == "2024-12-18T08:15:00+08:00" and not a.published_day_only
    assert a.paragraphs == ("電車公司宣布，由下月起在週五及週六晚加開通宵班次，每二十分鐘一班。",)
