"""The reader's language for what the teaching code shows: one setting, one catalog per language.

``set_language("zh-TW")`` (the first cell of every notebook in ``notebooks/zh-TW/``) switches
what panels, exercise checks, charts and the quiz show to Traditional Chinese; English is the
default, and in English nothing here changes any text. The translations are data,
``esbank/teach/locale/<language>.json``: exact strings, and templates whose ``{name}``
placeholders stand for any text (``{name:w}``: one word; ``{name:t}``, ``{name:wt}``: translated
too).

Translation is applied centrally, so a lesson's code never changes for it: :func:`localize`
(called by ``ui.root``) translates a panel's labels, buttons and HTML and keeps translating
them when a callback changes them; :func:`localize_figure` translates a chart's texts and picks
a CJK font (or, when none is installed, keeps the English and says which package to install);
``grading`` passes every check's verdict and hint through :func:`translate`; in a notebook,
static HTML and figures are translated as they are displayed. Exception messages stay English.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import ipywidgets as widgets
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FixedFormatter, FuncFormatter

from esbank.domain.errors import InvalidArgument

ENGLISH = "en"
LANGUAGES = (ENGLISH, "zh-TW")
"""The languages a reader can choose: English (the source) and Traditional Chinese."""
LOCALE_PACKAGE = "esbank.teach"
MISSES_VARIABLE = "ESBANK_I18N_MISSES"
"""Names a file that gets every text shown untranslated (one JSON string a line)."""

CJK_FONTS = (
    "Noto Sans CJK TC", "Noto Sans TC", "Source Han Sans TC", "Noto Sans CJK JP",
    "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
    "AR PL UMing TW", "AR PL UKai TW", "Microsoft JhengHei", "PingFang TC", "Heiti TC",
    "Droid Sans Fallback",
)  # fmt: skip
"""Fonts that draw Traditional Chinese, best first (font_manager family names)."""
CJK_FILE_HINTS = ("notosanscjk", "notosanstc", "sourcehan", "wqy", "uming", "ukai", "droidsansfall")
LATIN_FONT = "DejaVu Sans"
FONT_PACKAGE = "fonts-noto-cjk"
NO_CJK_FONT = (
    f"Chinese chart labels need a CJK font: install one (Debian/Ubuntu: apt-get install "
    f"{FONT_PACKAGE}, or the smaller fonts-wqy-microhei), then restart the kernel"
)
"""What a chart says, in English, when no CJK font is installed (instead of drawing boxes)."""

_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
_PLACEHOLDER = re.compile(r"\{(\w+)(?::([tw]{1,2}))?\}")
_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9]*)")
UNTRANSLATED_TAGS = frozenset({"style", "script", "code", "pre", "kbd", "samp"})  # not prose


# -- the setting --------------------------------------------------------------------------------
_language = ENGLISH


def set_language(language: str) -> None:
    """Show the teaching code's text in ``language`` from now on (``"en"`` or ``"zh-TW"``).

    In IPython (a notebook kernel) it also translates the HTML and the matplotlib figures the
    notebook displays from now on.
    """
    global _language
    if language not in LANGUAGES:
        raise InvalidArgument(
            f"language must be one of {', '.join(LANGUAGES)}, got {language!r}; "
            'write set_language("zh-TW") for Traditional Chinese'
        )
    if language != ENGLISH:
        catalog(language)  # a broken catalog fails here, not in the middle of a panel
    _language = language
    _install_display_hooks()


def language() -> str:
    """The language set by :func:`set_language` (``"en"`` until then)."""
    return _language


# -- the catalog --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Template:
    """An English text with placeholders, its translation and the pattern that matches it."""

    english: str
    translation: str
    pattern: re.Pattern[str]
    anchor: str
    translated_names: frozenset[str]

    @classmethod
    def parse(cls, english: str, translation: str) -> Template:
        """Compile ``english``: ``{name}`` matches any text, ``{name:w}`` a word."""
        parts, names, pieces, last = [], set(), [], 0
        for match in _PLACEHOLDER.finditer(english):
            literal = english[last : match.start()]
            parts.append(re.escape(literal))
            pieces.append(literal)
            flags = match.group(2) or ""
            body = r"\S+?" if "w" in flags else ".+?"
            parts.append(f"(?P<{match.group(1)}>{body})")
            if "t" in flags:
                names.add(match.group(1))
            last = match.end()
        parts.append(re.escape(english[last:]))
        pieces.append(english[last:])
        if len(pieces) == 1:
            raise InvalidArgument(f"template {english!r} has no {{placeholder}}; make it a string")
        pattern = re.compile(r"\A" + "".join(parts) + r"\Z", re.DOTALL)
        wanted = {name for name, _ in _PLACEHOLDER.findall(english)}
        used = {name for name, _ in _PLACEHOLDER.findall(translation)}
        if used != wanted:
            raise InvalidArgument(
                f"the translation of template {english!r} uses {sorted(used)}; use exactly "
                f"its placeholders {sorted(wanted)}"
            )
        return cls(english, translation, pattern, max(pieces, key=len), frozenset(names))

    def apply(self, text: str, translate: Callable[[str], str]) -> str | None:
        """The translation of ``text`` if this template matches it, else None."""
        if self.anchor not in text:
            return None
        match = self.pattern.match(text)
        if match is None:
            return None
        values = {
            name: translate(value) if name in self.translated_names else value
            for name, value in match.groupdict().items()
        }
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], self.translation)


@dataclass(frozen=True)
class Catalog:
    """One language's translations: exact strings first, then templates, most specific first."""

    language: str
    strings: Mapping[str, str]
    templates: tuple[Template, ...]

    def lookup(self, text: str) -> str | None:
        """The translation of ``text`` (already stripped), or None when there is none."""
        found = self.strings.get(text)
        if found is not None:
            return found
        for template in self.templates:
            result = template.apply(text, translate)
            if result is not None:
                return result
        return None


def localized(package: str, name: str) -> Traversable:
    """The data file ``name`` of ``package`` in the reader's language: ``questions.zh-TW.json``
    beside ``questions.json`` when there is one, else the English file itself."""
    files = resources.files(package)
    if _language != ENGLISH:
        stem, _, suffix = name.rpartition(".")
        local = files.joinpath(f"{stem}.{_language}.{suffix}")
        if local.is_file():
            return local
    return files.joinpath(name)


def catalog_path(language: str) -> Path:
    """Where the catalog of ``language`` lives in the package."""
    return Path(str(resources.files(LOCALE_PACKAGE).joinpath("locale", f"{language}.json")))


def parse_catalog(language: str, data: Mapping[str, Any]) -> Catalog:
    """A :class:`Catalog` from the JSON data of a locale file: ``{"groups": {name: {"strings":
    {...}, "templates": {...}}}}``; an English text given twice is refused."""
    strings: dict[str, str] = {}
    templates: dict[str, str] = {}
    for group, entries in data["groups"].items():
        for kind, target in (("strings", strings), ("templates", templates)):
            for english, translation in entries.get(kind, {}).items():
                if english in target and target[english] != translation:
                    raise InvalidArgument(
                        f"{language} catalog: {english!r} is translated twice (again in group "
                        f"{group!r}); keep one entry"
                    )
                target[english] = translation
    parsed = [Template.parse(e, t) for e, t in templates.items()]
    parsed.sort(key=lambda t: -len(_PLACEHOLDER.sub("", t.english)))
    return Catalog(language, strings, tuple(parsed))


@cache
def catalog(language: str) -> Catalog:
    """The catalog of ``language``, read once from ``esbank/teach/locale/``."""
    path = catalog_path(language)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidArgument(f"cannot read the {language} catalog {path}: {exc}") from None
    return parse_catalog(language, data)


# -- text ---------------------------------------------------------------------------------------
def translate(text: str) -> str:
    """``text`` in the reader's language: itself in English or when the catalog lacks it.

    Whitespace around the text is kept; the text between is looked up as a whole.
    """
    if _language == ENGLISH or not text or not text.strip():
        return text
    core = text.strip()
    found = catalog(_language).lookup(core)
    if found is None:
        _record_miss(core)
        return text
    start = text.index(core)
    return text[:start] + found + text[start + len(core) :]


def translate_html(markup: str) -> str:
    """``markup`` with the text between its tags translated (not inside code, pre or style).

    Tags and attributes are kept as they are; each text piece is unescaped, translated and
    escaped again, so an untranslated piece comes back byte for byte.
    """
    if _language == ENGLISH or not markup:
        return markup
    out: list[str] = []
    skipping: list[str] = []
    for part in _TAG.split(markup):
        if part.startswith("<"):
            _track(part, skipping)
            out.append(part)
        elif skipping or not part.strip():
            out.append(part)
        else:
            plain = html.unescape(part)
            found = translate(plain)
            out.append(part if found == plain else html.escape(found, quote=False))
    return "".join(out)


def _track(tag: str, skipping: list[str]) -> None:
    """Keep ``skipping`` the stack of open elements whose text is not prose."""
    match = _TAG_NAME.match(tag)
    if match is None or tag.endswith("/>"):
        return
    name = match.group(1).lower()
    if name not in UNTRANSLATED_TAGS:
        return
    if tag.startswith("</"):
        if name in skipping:
            del skipping[len(skipping) - 1 - skipping[::-1].index(name)]
    else:
        skipping.append(name)


def has_cjk(text: str) -> bool:
    """True when ``text`` holds a Chinese, Japanese or Korean character (or a full-width one)."""
    return _CJK.search(text) is not None


def _record_miss(text: str) -> None:
    """Append an untranslated English text to the file named by ``ESBANK_I18N_MISSES``."""
    target = os.environ.get(MISSES_VARIABLE)
    if target and re.search(r"[A-Za-z]{2}", text) and not has_cjk(text):
        with open(target, "a", encoding="utf-8") as file:
            file.write(json.dumps(text, ensure_ascii=False) + "\n")


# -- widgets ------------------------------------------------------------------------------------
LABEL_TRAITS = ("description", "tooltip", "placeholder")
"""Widget traits that hold a label the reader sees (buttons, sliders, text fields)."""
_LOCALIZED = "_esbank_localized"


def localize(widget: widgets.Widget) -> widgets.Widget:
    """Translate ``widget`` and everything inside it now, and again whenever a label, an HTML
    value, an option list or the children change (what a panel's callbacks do). English: a
    no-op. Option values are never touched, only the labels the reader sees."""
    if _language != ENGLISH:
        _localize(widget)
    return widget


def _localize(widget: widgets.Widget) -> None:
    if getattr(widget, _LOCALIZED, False):
        return
    setattr(widget, _LOCALIZED, True)
    for name in LABEL_TRAITS:
        if widget.has_trait(name):
            _follow(widget, name, _translate_optional)
    if isinstance(widget, widgets.HTML | widgets.HTMLMath):
        _follow(widget, "value", translate_html)
    elif isinstance(widget, widgets.Label):
        _follow(widget, "value", translate)
    for name in ("_options_labels", "tooltips"):
        if widget.has_trait(name):
            _follow(widget, name, lambda labels: tuple(translate(str(x)) for x in labels))
    if widget.has_trait("_options_labels"):  # after the labels it must be one of
        _follow(widget, "label", _translate_optional)
    if isinstance(widget, widgets.Box):
        for child in widget.children:
            _localize(child)
        widget.observe(lambda change: [_localize(c) for c in change["new"]], names="children")


def _translate_optional(text: str | None) -> str | None:
    return text and translate(text)


def _follow(widget: widgets.Widget, name: str, convert: Callable[[Any], Any]) -> None:
    """Translate the trait ``name`` now and every time it changes (a no-op when it is)."""

    def apply(_change: Any = None) -> None:
        if _language == ENGLISH:
            return
        old = getattr(widget, name)
        new = convert(old)
        if new != old:
            widget.set_trait(name, new)

    apply()
    widget.observe(apply, names=name)


def shown_labels(widget: widgets.Widget) -> list[str]:
    """Every label, button text, tooltip, placeholder and option label inside ``widget``."""
    found: list[str] = []
    for name in LABEL_TRAITS:
        value = getattr(widget, name, None) if widget.has_trait(name) else None
        if value:
            found.append(value)
    for name in ("_options_labels", "tooltips"):
        if widget.has_trait(name):
            found.extend(str(x) for x in getattr(widget, name) if str(x))
    if isinstance(widget, widgets.Box):
        for child in widget.children:
            found.extend(shown_labels(child))
    return found


# -- figures ------------------------------------------------------------------------------------
@cache
def cjk_font() -> str | None:
    """The family name of an installed font that draws Traditional Chinese, or None.

    Looks at matplotlib's font list, then (as that list may predate a font installed since)
    at the system's font files once.
    """
    for _attempt in range(2):
        names = {entry.name for entry in font_manager.fontManager.ttflist}
        for name in CJK_FONTS:
            if name in names:
                return name
        for path in font_manager.findSystemFonts():
            if any(hint in Path(path).name.lower() for hint in CJK_FILE_HINTS):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
    return None


def localize_figure(fig: Figure) -> Figure:
    """Translate every text of ``fig`` (titles, axis labels, legends, annotations, fixed tick
    labels) and draw Chinese with a CJK font; with no such font, keep the English and write
    :data:`NO_CJK_FONT` under the chart. Safe to call twice. English: a no-op."""
    if _language == ENGLISH:
        return fig
    font = cjk_font()
    family = [LATIN_FONT, font] if font else None
    for text in fig.findobj(Text):
        new = translate(text.get_text())
        if font is not None and new != text.get_text():
            text.set_text(new)
        if family and has_cjk(text.get_text()):
            text.set_fontfamily(family)
    for ax in fig.get_axes():
        for axis in (ax.xaxis, ax.yaxis):
            _localize_ticks(axis, family)
    if font is None and not getattr(fig, "_esbank_font_note", False):
        fig._esbank_font_note = True  # type: ignore[attr-defined]
        fig.text(0.01, 0.005, NO_CJK_FONT, fontsize=7, color="#a40000", va="bottom")
    return fig


def _localize_ticks(axis: Any, family: list[str] | None) -> None:
    """Translate an axis's text tick labels (fixed ones, or set by ``set_ticks(…, labels)``)
    as they are drawn, in the CJK font; numeric tick formatters are left alone."""
    formatter = axis.get_major_formatter()
    if family is None or getattr(formatter, "_esbank_localized", False):
        return
    if isinstance(formatter, FixedFormatter):
        formatter.seq = [translate(str(label)) for label in formatter.seq]
    elif isinstance(formatter, FuncFormatter):
        func = formatter.func
        formatter.func = lambda x, pos=None: translate(str(func(x, pos)))
    else:
        return
    formatter._esbank_localized = True
    axis.set_tick_params(labelfontfamily=family)


# -- notebooks ----------------------------------------------------------------------------------
def _install_display_hooks() -> None:
    """In IPython, translate the HTML and the figures a notebook displays (before they are
    rendered), as long as the language is not English."""
    try:
        from IPython import get_ipython
        from IPython.display import HTML
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return
    shell = get_ipython()
    if shell is None:
        return
    bundles = shell.display_formatter.mimebundle_formatter
    bundles.for_type(Figure, _figure_hook)
    bundles.for_type(HTML, _html_hook)


def _figure_hook(fig: Figure) -> None:
    localize_figure(fig)


def _html_hook(obj: Any) -> None:
    if isinstance(obj.data, str):
        obj.data = translate_html(obj.data)
