"""Check the zh-TW translation catalogs against the English notebooks, cell by cell.

A catalog ``notebooks/zh-TW/catalog/NN_stem.json`` maps each markdown cell id of
``notebooks/NN_stem.ipynb`` (nav cells excepted) to ``{"en_sha256": ..., "zh": ...}``.
For every entry this script reports as an **error**:

- a missing or extra cell id, or an ``en_sha256`` that is not the hash of the current English
  source (the translation is stale: translate the new English, then update the hash);
- a difference in structure: heading levels and the numbers in them, ``(deep dive)`` marks
  (translated as ``(深入)``), fenced code blocks (byte for byte), inline code spans (as a
  multiset), link targets, table shapes, list items, HTML tags;
- emphasis that CommonMark does not render: ``**…**`` whose inner edge is punctuation next to
  a CJK letter (``文**「x」**文``) shows literal asterisks. The check renders both texts and
  compares the elements.

As **warnings** it lists numbers that differ outside code, runs of six or more English words
(text left untranslated), and soft line breaks between CJK characters (they render as spaces).

Usage: ``python tools/check_translations.py [notebooks/zh-TW/catalog/01_....json ...]``
(default: every catalog). Exit status 1 when any error is found.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import sys
from collections import Counter
from pathlib import Path

try:
    from markdown_it import MarkdownIt
except ImportError as missing:  # pragma: no cover - markdown-it-py comes with the dev install
    raise SystemExit(
        f"check_translations needs markdown-it-py ({missing}); run `make lab` or "
        "`.venv/bin/pip install markdown-it-py`"
    ) from missing

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CATALOGS = NOTEBOOKS / "zh-TW" / "catalog"
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
SPAN = re.compile(r"(`+)(.+?)\1", re.S)
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
MD = MarkdownIt("commonmark").enable("table")
ELEMENTS = re.compile(
    r"<(strong|em|table|tr|li|ol|ul|h\d|a |details|summary|kbd|code|pre|blockquote)"
)


def split_code(text: str) -> tuple[list[str], list[str], str]:
    """Fenced blocks, inline code spans, and the prose with both taken out."""
    fences = FENCE.findall(text)
    rest = FENCE.sub("\0FENCE\0", text)
    spans = [m.group(2) for m in SPAN.finditer(rest)]
    return fences, spans, SPAN.sub(" CODE ", rest)


def headings(prose: str) -> list[tuple[int, tuple[str, ...], bool]]:
    """(level, numbers in the text, deep-dive mark) for every ATX heading."""
    found = []
    for line in prose.split("\n"):
        m = re.match(r"^(#{1,6})\s+(.*)$", line)
        if m:
            deep = "(deep dive)" in m.group(2) or "(深入)" in m.group(2)
            found.append((len(m.group(1)), tuple(re.findall(r"\d+", m.group(2))), deep))
    return found


def links(prose: str) -> Counter[str]:
    """Markdown link targets, href attributes and bare URLs."""
    targets = re.findall(r"\]\(([^)\s]+)\)", prose) + re.findall(r'href="([^"]+)"', prose)
    return Counter(targets + re.findall(r"(?<![(\"])(https?://[^\s)>\]]+)", prose))


def tables(prose: str) -> list[tuple[int, ...]]:
    """For each table, the number of pipes on each of its rows."""
    shapes: list[tuple[int, ...]] = []
    rows: list[int] = []
    for line in [*prose.split("\n"), ""]:
        if line.strip().startswith("|"):
            rows.append(len(re.findall(r"(?<!\\)\|", line)))
        elif rows:
            shapes.append(tuple(rows))
            rows = []
    return shapes


def list_items(prose: str) -> list[tuple[int, str]]:
    """(indent level, bullet or number) for every list item."""
    items = []
    for line in prose.split("\n"):
        m = re.match(r"^(\s*)([-*+]|\d+\.)\s", line)
        if m:
            items.append((len(m.group(1)) // 2, m.group(2) if m.group(2)[0].isdigit() else "-"))
    return items


def rendered(text: str) -> tuple[Counter[str], int]:
    """The HTML elements CommonMark renders, and the asterisks left over as text."""
    html = MD.render(text)
    prose = re.sub(r"<pre>.*?</pre>|<code>.*?</code>", "", html, flags=re.S)
    return Counter(ELEMENTS.findall(html)), prose.count("*")


def structure_errors(en: str, zh: str) -> list[str]:
    """Every structural difference between an English cell and its translation."""
    (ef, es, ep), (zf, zs, zp) = split_code(en), split_code(zh)
    errors = []
    if ef != zf:
        errors.append("fenced code blocks differ")
    if Counter(es) != Counter(zs):
        lost, added = Counter(es) - Counter(zs), Counter(zs) - Counter(es)
        errors.append(f"code spans differ: missing {sorted(lost)} extra {sorted(added)}")
    if [h[:2] for h in headings(ep)] != [h[:2] for h in headings(zp)]:
        errors.append(f"headings differ: {headings(ep)} vs {headings(zp)}")
    if [h[2] for h in headings(ep)] != [h[2] for h in headings(zp)] or "(deep dive)" in zp:
        errors.append("deep-dive marks differ (write ' (深入)')")
    comparisons = [("links", links), ("tables", tables), ("list items", list_items)]
    for what, shape in comparisons:
        if shape(ep) != shape(zp):
            errors.append(f"{what} differ: {shape(ep)} vs {shape(zp)}")
    tags_en = Counter(t.lower() for t in re.findall(r"</?[a-zA-Z][a-zA-Z0-9]*", ep))
    tags_zh = Counter(t.lower() for t in re.findall(r"</?[a-zA-Z][a-zA-Z0-9]*", zp))
    if tags_en != tags_zh:
        errors.append(f"HTML tags differ: {dict(tags_en)} vs {dict(tags_zh)}")
    (e_elements, e_stars), (z_elements, z_stars) = rendered(en), rendered(zh)
    emphasis = ("strong", "em")
    if any(e_elements[t] != z_elements[t] for t in emphasis) or e_stars != z_stars:
        errors.append(
            f"emphasis does not render: <strong> {e_elements['strong']} vs "
            f"{z_elements['strong']}, <em> {e_elements['em']} vs {z_elements['em']}, literal * "
            f"{e_stars} vs {z_stars}; look for ** or * with punctuation on its inner edge and "
            "a CJK letter outside (write **詞**（term） rather than **詞（term）**)"
        )
    elif e_elements != z_elements:
        lost, added = dict(e_elements - z_elements), dict(z_elements - e_elements)
        errors.append(f"rendered elements differ: missing {lost} extra {added}")
    return errors


def warnings_for(en: str, zh: str) -> list[str]:
    """Numbers that differ, English left in the prose, soft breaks between CJK characters."""
    ep, zp = split_code(en)[2], split_code(zh)[2]
    found = []
    en_numbers = Counter(re.findall(r"\d+(?:[.,]\d+)*", ep))
    zh_numbers = Counter(re.findall(r"\d+(?:[.,]\d+)*", zp))
    if en_numbers != zh_numbers:
        lost, added = sorted(en_numbers - zh_numbers), sorted(zh_numbers - en_numbers)
        found.append(f"numbers: missing {lost} extra {added}")
    plain = re.sub(r"<[^>]+>", " ", re.sub(r"\]\([^)]*\)", "]", zp))
    words = r"[A-Za-z][A-Za-z'’,;:\-]*"
    for run in re.finditer(rf"{words}(?:\s+{words}){{5,}}", plain):
        found.append(f"English left? {run.group(0)[:80]!r}")
    lines = zp.split("\n")
    for a, b in itertools.pairwise(lines):
        joined = a.strip() and b.strip() and not re.match(r"^\s*([-*+|#<>]|\d+\.)", b)
        if joined and (CJK.match(a.rstrip()[-1]) or CJK.match(b.lstrip()[0])):
            found.append(f"soft line break inside CJK text: {a[-20:]!r} / {b[:20]!r}")
    return found


def check(catalog_path: Path) -> tuple[list[str], list[str]]:
    """Errors and warnings for one catalog file."""
    catalog = json.loads(catalog_path.read_text(encoding="utf-8"))
    notebook = json.loads((NOTEBOOKS / catalog["notebook"]).read_text(encoding="utf-8"))
    english = {
        cell["id"]: "".join(cell["source"])
        for cell in notebook["cells"]
        if cell["cell_type"] == "markdown" and "nav" not in cell.get("metadata", {}).get("tags", [])
    }
    entries = catalog["cells"]
    errors, warnings = [], []
    if set(english) != set(entries):
        missing, extra = sorted(set(english) - set(entries)), sorted(set(entries) - set(english))
        errors.append(f"cell ids: missing {missing} extra {extra}")
    for cell_id, en in english.items():
        if cell_id not in entries:
            continue
        zh = entries[cell_id]["zh"]
        if entries[cell_id]["en_sha256"] != hashlib.sha256(en.encode("utf-8")).hexdigest():
            errors.append(f"[{cell_id}] stale: the English changed since it was translated")
        errors += [f"[{cell_id}] {e}" for e in structure_errors(en, zh)]
        warnings += [f"[{cell_id}] {w}" for w in warnings_for(en, zh)]
    return errors, warnings


def main(argv: list[str]) -> int:
    """Check the catalogs named in argv (default: all); 1 when any has an error."""
    paths = [Path(a) for a in argv] or sorted(CATALOGS.glob("*.json"))
    failed = False
    for path in paths:
        errors, warnings = check(path)
        print(f"{path.name}: {len(errors)} error(s), {len(warnings)} warning(s)")
        for line in errors:
            print("  error:", line)
        for line in warnings:
            print("  warning:", line)
        failed = failed or bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
