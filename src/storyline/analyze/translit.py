"""Names across scripts: a Chinese transliteration (凯西·格里芬) and the Latin name it renders (Kathy Griffin).

The alias table links the names it holds; a zh↔en pair of reports about a less famous person
(a victim, a local official, a player) shares no table name, and the Chinese text writes the
name in characters chosen for their sound. Both sides are reduced to a coarse *consonant
skeleton* and compared:

- Chinese: each character's Mandarin reading (package ``pypinyin``, its dictionary ships in the
  wheel, no download) gives the syllable's initial consonant, plus a nasal when the syllable
  ends in -n/-ng (芬 fen → F N); 尔 (er) transcribes a final r/l;
- Latin: the letters' consonants, with the digraphs that sound as one (ch, sh, ph, th, ck);
- consonants are merged into classes a transliteration keeps apart only loosely (labials b p f v
  w; nasals m n; d t; g k c q; sibilants s z j x ch sh; liquids l r), vowels, h and y are
  dropped, and a repeated class counts once.

Transliteration writes every consonant of the source with a syllable of its own (Klobuchar →
克洛布查尔 ke-luo-bu-cha-er), so the skeletons of a name and its rendering agree where the
spellings share no letter: 格里芬 and Griffin are both ``GLBN``; 苏莱曼 and Suleiman ``SLN``.
Pinyin spellings of Chinese names (Xi Jinping) come out equal to their characters' too.

Only Chinese names written with transliteration characters are tried (:func:`is_transliteration`:
格里芬 yes, 共和党 no). Two names match when their skeletons are equal and at least 3 classes long, or differ by one
class and are at least 4 long (Chinese drops a final consonant now and then: 通贝里 / Thunberg).
Shorter skeletons (李 Li, 凯西 Kathy) say too little to be matched alone; a Chinese name in
parts (given·family) matches by its longest part or by all its parts together.

    >>> skeleton_zh("格里芬"), skeleton_latin("Griffin")
    ('GLBN', 'GLBN')
    >>> linked(["凯西·格里芬", "美国"], ["Kathy Griffin", "CNN"])
    (('凯西·格里芬', 'Kathy Griffin'),)
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

__all__ = ["is_cjk_name", "is_transliteration", "linked", "skeleton_latin", "skeleton_zh", "skeletons_match"]

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_SEPARATORS = re.compile(r"[·•・‧\-\s]+")
_WORD = re.compile(r"[a-z]+")

# Pinyin initials, longest first (zh before z), and their class.
_INITIALS = (
    ("zh", "S"),
    ("ch", "S"),
    ("sh", "S"),
    ("b", "B"),
    ("p", "B"),
    ("f", "B"),
    ("w", "B"),
    ("m", "N"),
    ("n", "N"),
    ("d", "D"),
    ("t", "D"),
    ("g", "G"),
    ("k", "G"),
    ("h", ""),
    ("j", "S"),
    ("q", "S"),
    ("x", "S"),
    ("z", "S"),
    ("c", "S"),
    ("s", "S"),
    ("l", "L"),
    ("r", "L"),
    ("y", ""),
)
# Latin letters (after the digraphs below) and their class; vowels, h, y map to nothing.
_LETTERS = str.maketrans(
    {
        **dict.fromkeys("bpfvw", "B"),
        **dict.fromkeys("mn", "N"),
        **dict.fromkeys("dt", "D"),
        **dict.fromkeys("gkq", "G"),
        **dict.fromkeys("szjx", "S"),
        **dict.fromkeys("lr", "L"),
        **dict.fromkeys("aeiouhy", ""),
    }
)
_DIGRAPHS = (
    (re.compile(r"ph"), "f"),
    (re.compile(r"[cs]h"), "s"),
    (re.compile(r"th"), "t"),
    (re.compile(r"ck"), "k"),
    (re.compile(r"gh"), ""),
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"c"), "k"),
    (re.compile(r"ng\b"), "n"),
)
_MIN_EXACT = 3
_MIN_FUZZY = 4


def _squeeze(s: str) -> str:
    """One letter for a run of the same class (Mohammed's mm, 苏莱曼's man-ni)."""
    return re.sub(r"(.)\1+", r"\1", s)


def is_cjk_name(name: str) -> bool:
    """A name written in Chinese characters only (no Latin letters)."""
    return bool(_CJK.search(name)) and not _LATIN.search(name)


# Characters Chinese transliteration of foreign names uses (the common ones of Xinhua's
# 外国地名/人名译音表, simplified; traditional texts are compared in simplified form). A name
# written with other characters (荣幸, 民兵组织, 共和党) is a word, not a rendering of sounds.
_TRANSLIT_CHARS = frozenset(
    "阿埃艾爱安昂奥巴拜班邦包保贝本比彼宾波伯博布查达戴丹道德登迪蒂丁东杜多俄厄恩尔法范菲费芬丰弗"
    "福夫盖甘冈高戈格根贡古瓜圭哈海汉豪赫亨洪胡华怀惠霍基吉加贾杰金卡凯坎康考柯科克肯孔库夸奎昆"
    "拉莱赖兰朗劳勒雷里利莉丽莲林琳隆卢鲁路伦罗洛马迈麦曼芒梅门蒙米密明莫默姆穆纳奈南内尼妮涅宁"
    "努诺欧帕派潘佩彭皮普齐奇恰乔切琼丘萨塞赛桑瑟森沙莎尚舍施什史斯松苏索塔泰坦汤唐特滕提汀通图"
    "托瓦万旺威韦维温沃乌伍西希锡席夏肖谢辛休雅亚扬耶伊因英尤约扎詹泽朱珀珍佐茨策采蕾娜娃黛琪"
    "丝露薇妮莎芙茜菲娅龙罕翰杨兹钦琴彻珊纽哥济简喀堪寇宽坤阔"
)


@functools.lru_cache(maxsize=1 << 14)
def is_transliteration(name: str) -> bool:
    """A Chinese name written only with characters of foreign-name transliteration (佩洛西)."""
    chars = [c for c in name if _CJK.match(c)]
    return bool(chars) and not _LATIN.search(name) and all(c in _TRANSLIT_CHARS for c in chars)


@functools.lru_cache(maxsize=1 << 14)
def _syllable(syl: str) -> str:
    if syl == "er":
        return "L"
    cls, rest = "", syl
    for ini, c in _INITIALS:
        if syl.startswith(ini):
            cls, rest = c, syl[len(ini) :]
            break
    if rest.endswith(("n", "ng")) and rest not in ("n", "ng"):
        cls += "N"
    return cls


@functools.cache
def _readings() -> dict[str, str]:
    """Code point (decimal text) -> the character's readings, tone-marked, comma-separated.

    pypinyin's own single-character table, read from its package without importing the
    package: ``import pypinyin`` loads and indexes its phrase dictionary too (~0.3 s), which a
    name read character by character never consults. tests/test_translit.py holds the result to
    ``lazy_pinyin`` for every character this module reads.
    """
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("pypinyin is not installed")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return json.loads((folder / "pinyin_dict.json").read_text("utf-8"))


_TONE_MARKS = re.compile(r"[\u0300-\u036f]")


def reading(char: str) -> str | None:
    """The character's first Mandarin reading without tones, as ``lazy_pinyin`` (style
    NORMAL) writes it (ü as v); None for a character without one."""
    found = _readings().get(str(ord(char)))
    if found is None:
        return None
    decomposed = unicodedata.normalize("NFD", found.split(",", 1)[0]).replace("u\u0308", "v")
    return _TONE_MARKS.sub("", decomposed)


@functools.lru_cache(maxsize=1 << 14)
def _char_class(char: str) -> str | None:
    syl = reading(char)
    return None if syl is None else _syllable(syl)


@functools.lru_cache(maxsize=1 << 14)
def skeleton_zh(text: str) -> str:
    """The consonant skeleton of a Chinese name (its characters' Mandarin readings)."""
    classes = (_char_class(c) for c in text if _CJK.match(c))
    return _squeeze("".join(c for c in classes if c is not None))


@functools.lru_cache(maxsize=1 << 14)
def skeleton_latin(word: str) -> str:
    """The consonant skeleton of a Latin word (accents folded, digraphs as one sound)."""
    w = unicodedata.normalize("NFKD", word.lower())
    w = "".join(c for c in w if "a" <= c <= "z" or c == " ")
    for pat, rep in _DIGRAPHS:
        w = pat.sub(rep, w)
    w = re.sub(r"\bx", "s", w).replace("x", "ks")  # Xi, Xinhua (pinyin x); elsewhere ks
    return _squeeze(w.translate(_LETTERS).replace(" ", ""))


def _deletions(key: str) -> set[str]:
    """The key and every key one class shorter (two keys within one edit share one of these)."""
    return {key, *(key[:i] + key[i + 1 :] for i in range(len(key)))}


def _within_one(a: str, b: str) -> bool:
    """Edit distance at most 1 (one class inserted, dropped or changed)."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def skeletons_match(a: str, b: str) -> bool:
    """Equal and >= 3 classes long, or one class apart and both >= 4 long."""
    if a == b:
        return len(a) >= _MIN_EXACT
    return min(len(a), len(b)) >= _MIN_FUZZY and _within_one(a, b)


@functools.lru_cache(maxsize=1 << 14)
def _zh_keys(name: str) -> tuple[str, ...]:
    """Skeletons a Chinese name can be matched by: the whole name and each part long enough."""
    parts = [p for p in _SEPARATORS.split(name) if p]
    keys = {skeleton_zh(name)}
    keys.update(skeleton_zh(p) for p in parts)
    return tuple(sorted(k for k in keys if len(k) >= _MIN_EXACT))


@functools.lru_cache(maxsize=1 << 14)
def _latin_keys(name: str) -> tuple[str, ...]:
    """Skeletons of a Latin name: each word, and the whole name (凯西·格里芬 / Kathy Griffin)."""
    words = _WORD.findall(unicodedata.normalize("NFKD", name.lower()))
    keys = {skeleton_latin(w) for w in words}
    if len(words) > 1:
        keys.add(skeleton_latin(" ".join(words)))
    return tuple(sorted(k for k in keys if len(k) >= _MIN_EXACT))


@functools.lru_cache(maxsize=1 << 12)
def _latin_index(names: frozenset[str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Exact keys of a report's Latin names -> the name (first sorted wins), and one-class
    deletions of the longer keys -> the names that have them."""
    exact: dict[str, str] = {}
    fuzzy: dict[str, list[str]] = {}
    for n in sorted(n for n in names if _LATIN.search(n)):
        for k in _latin_keys(n):
            exact.setdefault(k, n)
        for v in _fuzzy_keys(n):  # each once per name, names in sorted order
            fuzzy.setdefault(v, []).append(n)
    return exact, fuzzy


@functools.lru_cache(maxsize=1 << 14)
def _fuzzy_keys(name: str) -> tuple[str, ...]:
    """The one-class deletions of a Latin name's longer keys (kept: a report's names recur in
    every pair it is compared in, with another set of names each time)."""
    return tuple(dict.fromkeys(v for k in _latin_keys(name) if len(k) >= _MIN_FUZZY for v in _deletions(k)))


def linked(zh_names: Iterable[str], latin_names: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """(Chinese name, Latin name) pairs that render one another, each Chinese name once, sorted.

    Only Chinese names written in characters are tried (a Latin name in a Chinese text is
    compared letter for letter elsewhere). Cheap on the hot path: the Latin side's keys are
    indexed once per set of names, and a Chinese name costs a few dictionary lookups.
    """
    candidates = sorted({n for n in zh_names if is_transliteration(n)})
    if not candidates:  # most pairs: nothing to try, so the Latin side is not indexed
        return ()
    exact, fuzzy = _latin_index(frozenset(latin_names))
    if not exact:
        return ()
    out = []
    for z in candidates:
        hit = None
        for k in _zh_keys(z):
            hit = exact.get(k)
            if hit is None and len(k) >= _MIN_FUZZY:
                # A shared one-class deletion is a candidate; the real edit distance decides.
                hit = next(
                    (
                        n
                        for v in sorted(_deletions(k))
                        for n in fuzzy.get(v, ())
                        if any(len(lk) >= _MIN_FUZZY and _within_one(k, lk) for lk in _latin_keys(n))
                    ),
                    None,
                )
            if hit is not None:
                break
        if hit is not None:
            out.append((z, hit))
    return tuple(out)
