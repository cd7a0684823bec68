"""A subset of an open CJK font embedded in a report, so that its Chinese never depends on the reader's fonts.

At report time an open CJK font is looked for on this machine (`FENLIU_CJK_FONT`, else Noto Sans
CJK, Source Han Sans, WenQuanYi, Droid Sans Fallback in the usual font folders). Only the glyphs
of the CJK characters the page uses are kept (fontTools' subsetter) and embedded as a WOFF data
URL under the family `FONT_FAMILY`, which heads the page's font stack with a `unicode-range`
limited to CJK, so Latin text keeps the usual fonts. With no such font, the page falls back to
the reader's fonts and says so (`FALLBACK_NOTE`).
"""

from __future__ import annotations

import base64
import io
import os
import re
import sys
from functools import cache
from pathlib import Path

FONT_FAMILY = "fenliu CJK"
ENV = "FENLIU_CJK_FONT"
# CJK radicals, punctuation, kana, unified ideographs (and extension A), compatibility forms, full-width forms
CJK = re.compile(r"[\u2e80-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
ESCAPED = re.compile(r"\\u([0-9a-fA-F]{4})")
UNICODE_RANGE = "U+2E80-303F, U+3040-30FF, U+3400-4DBF, U+4E00-9FFF, U+F900-FAFF, U+FE30-FE4F, U+FF00-FFEF"
FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/System/Library/Fonts",
    "/Library/Fonts",
    "~/Library/Fonts",
    "C:/Windows/Fonts",
)
# open fonts only (SIL OFL, GPL with font exception, Apache), best first
PATTERNS = (
    "NotoSansCJK*-Regular.tt[cf]",
    "NotoSansCJK*-Regular.otf",
    "NotoSansSC-Regular.[ot]tf",
    "NotoSansCJKsc-Regular.otf",
    "SourceHanSans*-Regular.tt[cf]",
    "SourceHanSans*-Regular.otf",
    "wqy-microhei.ttc",
    "wqy-zenhei.ttc",
    "DroidSansFallbackFull.ttf",
    "DroidSansFallback.ttf",
)
FALLBACK_NOTE = {
    "en": "Chinese characters are drawn with the reader's own fonts: no open CJK font (e.g. Noto Sans CJK) "
    f"was found when this report was written; install one or set {ENV} to embed it.",
    "zh": "本页中文使用阅读者电脑上的字体：生成报告时未找到开源中文字体（如 Noto Sans CJK）；"
    f"安装后或设置 {ENV} 即可嵌入。",
}


def page_characters(text: str) -> str:
    """The CJK characters a page shows, in its text and in its figures' JSON (where they may be escaped)."""
    chars = set(CJK.findall(text))
    chars |= {c for c in (chr(int(h, 16)) for h in ESCAPED.findall(text)) if CJK.fullmatch(c)}
    return "".join(sorted(chars))


@cache
def find_font() -> Path | None:
    """An open CJK font file on this machine, or None."""
    chosen = os.environ.get(ENV)
    if chosen:
        path = Path(chosen).expanduser()
        return path if path.is_file() else None
    for pattern in PATTERNS:
        for folder in FONT_DIRS:
            root = Path(folder).expanduser()
            if root.is_dir():
                found = sorted(root.rglob(pattern))
                if found:
                    return found[0]
    return None


def _load(path: Path, chars: str) -> object:
    from fontTools.ttLib import TTCollection, TTFont

    if path.suffix.lower() == ".ttc":
        fonts = TTCollection(str(path), lazy=True).fonts
        names = [str(f["name"].getDebugName(1) or "") for f in fonts]
        simplified = [k for k, n in enumerate(names) if n.endswith(" SC") and "Mono" not in n]
        index = simplified[0] if simplified else 0
        return TTFont(str(path), fontNumber=index, lazy=False)
    return TTFont(str(path), lazy=False)


@cache
def subset_woff(path: Path, chars: str) -> str:
    """Base64 WOFF of `path` cut down to the glyphs of `chars`."""
    from fontTools import subset

    font = _load(path, chars)
    options = subset.Options()
    options.flavor = "woff"  # zlib only: no extra compressor needed
    options.layout_features = ["*"]
    options.name_IDs = ["*"]  # keep the licence and copyright records
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff"  # type: ignore[attr-defined]
    font.save(buffer)  # type: ignore[attr-defined]
    return base64.b64encode(buffer.getvalue()).decode("ascii")


_warned = False


def font_face(text: str) -> tuple[str, str | None]:
    """CSS @font-face embedding the glyphs `text` uses, and the font's file name; ('', None) when the page
    has no CJK character or no open CJK font is found (then the page notes the fallback).
    """
    global _warned
    chars = page_characters(text)
    if not chars:
        return "", None
    path = find_font()
    if path is None:
        if not _warned:
            print(f"fenliu: note: {FALLBACK_NOTE['en']}", file=sys.stderr)
            _warned = True
        return "", None
    try:
        data = subset_woff(path, chars)
    except Exception as exc:  # noqa: BLE001 - an unreadable font file must not cost the report
        print(
            f"fenliu: note: could not embed {path} ({type(exc).__name__}: {exc}); using the reader's fonts",
            file=sys.stderr,
        )
        return "", None
    css = (
        f"/* {len(chars)} glyphs of {path.name} (an open font: SIL Open Font License or similar) */\n"
        f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url(data:font/woff;base64,{data}) format("woff"); '
        f"unicode-range: {UNICODE_RANGE}; font-display: block; }}\n"
    )
    return css, path.name
