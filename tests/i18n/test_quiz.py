"""The quiz and the checklist of notebook 08 in zh-TW: data files beside the English ones,
chosen by the language, that mirror the English entry by entry and say when one is stale."""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from typing import Any

import pytest

from esbank.teach import i18n
from esbank.teach.interview import quiz_panel
from esbank.teach.interview.checklist import load_checklist
from esbank.teach.interview.quiz import grade, load_questions

PACKAGE = "esbank.teach.interview"
FILES = {"questions": "questions", "checklist": "criteria"}
SAME = {"questions": ("key", "answer", "notebook"), "checklist": ("key", "side")}
TEXT = {"questions": ("topic", "prompt", "options", "feedback"), "checklist": ("question",)}


def entry_hash(entry: dict[str, Any]) -> str:
    """What a zh-TW entry stores as ``en_sha256``: the English entry, as sorted JSON."""
    text = json.dumps(entry, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _entries(name: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    files = resources.files(PACKAGE)
    english = json.loads(files.joinpath(f"{name}.json").read_text(encoding="utf-8"))
    chinese = json.loads(files.joinpath(f"{name}.zh-TW.json").read_text(encoding="utf-8"))
    return english[FILES[name]], chinese[FILES[name]]


@pytest.mark.parametrize("name", FILES)
def test_the_chinese_file_mirrors_the_english_one_entry_by_entry(name: str) -> None:
    english, chinese = _entries(name)
    assert [e["key"] for e in chinese] == [e["key"] for e in english]
    for en, zh in zip(english, chinese, strict=True):
        where = f"{name}.zh-TW.json, {en['key']!r}"
        assert zh["en_sha256"] == entry_hash(en), (
            f"{where}: the English entry changed since it was translated; update the "
            f'translation and set "en_sha256" to "{entry_hash(en)}"'
        )
        assert [zh[k] for k in SAME[name]] == [en[k] for k in SAME[name]], where
        for field in TEXT[name]:
            texts = zh[field] if isinstance(zh[field], list) else [zh[field]]
            assert len(texts) == len(en[field] if isinstance(en[field], list) else [en[field]])
            assert all(i18n.has_cjk(t) or t.replace(",", "").isdigit() for t in texts), where


def test_the_language_chooses_the_file() -> None:
    assert load_questions()[0].prompt.startswith("Can a system use CQRS")
    i18n.set_language("zh-TW")
    assert load_questions()[0].prompt.startswith("一個系統可以只用 CQRS")
    assert load_checklist()[0].question.startswith("你必須")


def test_feedback_and_the_panel_read_in_chinese(zh: None) -> None:
    questions = load_questions()
    feedback = i18n.translate_html(grade(questions[0], 1).html())
    assert "<b>✅ 答對了。</b>" in feedback and "延伸閱讀：" in feedback
    assert '<a href="06_projections_and_read_models.ipynb"' in feedback
    assert ">06 投影與讀取模型</a>" in feedback
    panel = quiz_panel(questions)
    panel.check_button.click()
    assert panel.feedback.value == "<i>先選一個答案，再檢查它。</i>"
    panel.choices.value = 0
    panel.check_button.click()
    assert "❌ 不太對。" in panel.feedback.value
    n = len(questions)
    assert panel.progress.value == f"第 1 題，共 {n} 題 · 第一次就答對：已檢查的 1 題中答對 0 題"
    assert panel.choices._options_labels[0] == questions[0].options[0]


def _leaves(data: Any, path: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        return {
            k: v for key, value in data.items() for k, v in _leaves(value, f"{path}.{key}").items()
        }
    return {path: data}


def test_the_chinese_words_have_every_english_text_and_placeholder() -> None:
    files = resources.files(PACKAGE)
    english = json.loads(files.joinpath("words.json").read_text(encoding="utf-8"))
    chinese = json.loads(files.joinpath("words.zh-TW.json").read_text(encoding="utf-8"))
    assert chinese.pop("en_sha256") == entry_hash(english), (
        "words.json changed since it was translated: update words.zh-TW.json and set "
        f'"en_sha256" to "{entry_hash(english)}"'
    )
    en, zh = _leaves(english), _leaves(chinese)
    assert sorted(zh) == sorted(en)
    for key, text in en.items():
        texts = text if isinstance(text, list) else [text]
        mine = zh[key] if isinstance(zh[key], list) else [zh[key]]
        for a, b in zip(texts, mine, strict=True):
            assert sorted(re.findall(r"\{\w+\}", a)) == sorted(re.findall(r"\{\w+\}", b)), key
            assert i18n.has_cjk(b) or b == a, key


def test_the_final_score_reads_in_chinese(zh: None) -> None:
    from esbank.teach.interview.quiz import final_text, score

    questions = load_questions()
    text = final_text(questions, score(questions, {questions[0].key: 0}))
    assert text.startswith(f"最終分數：第一次就答對 {len(questions)} 題中的 0 題。")
    assert "§1 CQRS 的拆分" in text
