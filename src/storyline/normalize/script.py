"""Chinese script: one canonical simplified form for comparison, traditional for the 繁 display.

OpenCC does the character and variant work. Which configuration, and why:

* ``tw2s`` (not plain ``t2s``) is the canonical conversion. It is ``t2s`` plus Taiwan variant
  characters, so 有著 → 有着 and 著陸 → 着陆 (``t2s`` leaves 著, which is ambiguous between zhù
  and zhe), while 著名 and 顯著 stay 著名 and 显著. On the seed pages ``tw2s`` differs from
  ``t2s`` only in those two spots.
* ``tw2sp`` (``tw2s`` plus Taiwan→mainland phrases) is *not* used wholesale: measured on the seed
  pages it rewrites 首席執行官 → 首席运行官, 應用程序 → 应用进程 (even in simplified input) and
  資料 → 数据 in the Hong Kong sense of "information". Instead a short curated table of Taiwan
  and Hong Kong vocabulary (軟體 → 软件, 晶片 → 芯片, 人工智慧 → 人工智能, 執行長 → 首席执行官…) is
  applied *after* conversion, so it also normalises simplified text that borrows those words
  (RFI prints 软体业 and 晶片 in simplified script).
* Display conversion to traditional uses ``s2tw``: Taiwan-standard characters (著, 裡, 為)
  that readers of 繁 pages expect — seed 000 itself prints 有著 — and, unlike ``s2twp``, no
  vocabulary rewriting: a quoted report keeps its words (``s2twp`` would turn 软件 into 軟體 and
  信息 into 資訊 inside someone's quote).

OpenCC converters are created once per process (``converter``): ``OpenCC.convert`` keeps no
per-call state, so one instance per configuration is safe to share (also across threads) and
every stage uses the same one. The traditional-display converter is built on first use (an
ingest never needs it; its phrase dictionaries are ~16 MB), and script detection converts single
characters only, so it loads ``s2t``'s character table without its phrase tables (1 MB, not 26).

Example::

    >>> to_simplified("馬斯克有著軟體公司")
    '马斯克有着软件公司'
    >>> detect_script("馬斯克與特朗普")
    'zh-Hant'
"""

from __future__ import annotations

import functools
import json
import logging
import re
import tempfile
from collections import Counter
from pathlib import Path

import opencc

__all__ = ["converter", "detect_script", "to_simplified", "to_traditional"]

log = logging.getLogger(__name__)


@functools.cache
def converter(config: str) -> opencc.OpenCC:
    """The process's one OpenCC converter for ``config`` (``t2s``, ``tw2s``, ``s2tw``...)."""
    return opencc.OpenCC(config)


@functools.cache
def _s2t_characters() -> opencc.OpenCC:
    """OpenCC ``s2t`` without its phrase tables: the same answer for any single character.

    A character alone never matches a phrase (phrases are two characters or more), so ``s2t``'s
    character table decides it; checked equal on every CJK character in tests/test_script.py.
    OpenCC finds dictionaries next to its config file only, so the config names them by path.
    """
    share = Path(opencc.__file__).resolve().parent / "clib" / "share" / "opencc"
    config = {
        "name": "s2t, characters only",
        "normalization": [
            {"dict": {"type": "ocd2", "file": str(share / "CJK_Compatibility_Ideographs.ocd2")}}
        ],
        "conversion_chain": [{"dict": {"type": "ocd2", "file": str(share / "STCharacters.ocd2")}}],
    }
    try:
        with tempfile.TemporaryDirectory(prefix="storyline-opencc-") as tmp:
            path = Path(tmp) / "s2t_characters.json"
            path.write_text(json.dumps(config), encoding="utf-8")
            return opencc.OpenCC(str(path))
    except Exception as exc:  # another OpenCC layout: the full converter gives the same answer
        log.debug("OpenCC s2t character table not loadable alone (%s); using s2t", exc)
        return converter("s2t")


_TW2S = converter("tw2s")
_T2S = converter("t2s")

# Taiwan / Hong Kong vocabulary → mainland, applied to simplified text. Only entries that have
# no other common reading: 程式 (方程式), 资料 (HK "information"), 影片 (film) and 专案 (专案组)
# are deliberately absent.
_PHRASES: dict[str, str] = {
    "软体": "软件",
    "硬体": "硬件",
    "韧体": "固件",
    "记忆体": "内存",
    "网际网路": "互联网",
    "网路": "网络",
    "晶片": "芯片",
    "人工智慧": "人工智能",
    "伺服器": "服务器",
    "资料库": "数据库",
    "演算法": "算法",
    "部落格": "博客",
    "萤幕": "屏幕",
    "滑鼠": "鼠标",
    "宽频": "宽带",
    "智慧型手机": "智能手机",
    "智慧手机": "智能手机",
    "执行长": "首席执行官",
    "纽西兰": "新西兰",
    "义大利": "意大利",
    "沙乌地阿拉伯": "沙特阿拉伯",
    "沙乌地": "沙特",
    "杜拜": "迪拜",
    "寮国": "老挝",
    "肯亚": "肯尼亚",
    "奈及利亚": "尼日利亚",
    "雪梨歌剧院": "悉尼歌剧院",
}
_PHRASE_RE = re.compile("|".join(sorted(map(re.escape, _PHRASES), key=len, reverse=True)))

_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_RE = re.compile(r"[A-Za-z\uff21-\uff3a\uff41-\uff5a]")


def to_simplified(text: str) -> str:
    """The canonical simplified form of ``text`` (any script in, simplified out).

    >>> to_simplified("網路晶片")
    '网络芯片'
    """
    if not text:
        return text
    return _PHRASE_RE.sub(lambda m: _PHRASES[m.group(0)], _TW2S.convert(text))


def to_traditional(text: str) -> str:
    """``text`` in Taiwan-standard traditional characters, words unchanged (OpenCC ``s2tw``).

    >>> to_traditional("马斯克有着软件公司")
    '馬斯克有著軟件公司'
    """
    return converter("s2tw").convert(text) if text else text


def _script_evidence(cjk: Counter[str]) -> tuple[int, int]:
    """(traditional-only, simplified-only) character occurrences among ``cjk``.

    Each distinct character is converted alone (one per line) so phrase rules cannot blur the
    count; a character t2s changes exists only in traditional text, one s2t changes only in
    simplified text. Characters valid in both (中, 国 is not: 国 → 國) count for neither.
    """
    chars = list(cjk)
    as_simplified = _T2S.convert("\n".join(chars)).split("\n")
    as_traditional = _s2t_characters().convert("\n".join(chars)).split("\n")
    trad = simp = 0
    for ch, s, t in zip(chars, as_simplified, as_traditional, strict=False):
        if s != ch:
            trad += cjk[ch]
        if t != ch:
            simp += cjk[ch]
    return trad, simp


def detect_script(text: str) -> str:
    """``"zh-Hans"``, ``"zh-Hant"``, ``"en"`` or ``"und"`` for ``text``.

    Chinese when there is at least one CJK character per three Latin letters (an English article
    quoting 特朗普 stays English); then traditional when more character occurrences are
    traditional-only than simplified-only. Text made only of characters common to both scripts
    is valid simplified text, so it counts as ``zh-Hans``. No CJK and some Latin: ``en``.

    >>> detect_script("Musk says they don't have the money")
    'en'
    """
    cjk = Counter(_CJK_RE.findall(text))
    n_cjk = sum(cjk.values())
    n_latin = len(_LATIN_RE.findall(text))
    if n_cjk == 0:
        return "en" if n_latin else "und"
    if n_latin > 3 * n_cjk:
        return "en"
    trad, simp = _script_evidence(cjk)
    return "zh-Hant" if trad > simp else "zh-Hans"
