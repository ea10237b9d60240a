"""esbank.teach.i18n: the setting, the lookup (exact strings and templates), HTML, widgets and
figures in zh-TW, and nothing at all changed in English."""

from __future__ import annotations

import ipywidgets as widgets
import pytest
from matplotlib.figure import Figure

from esbank import InvalidArgument
from esbank.teach import i18n, ui
from esbank.teach.grading import failed, passed
from i18n.support import untranslated


def test_english_is_the_default_and_changes_nothing() -> None:
    assert i18n.language() == "en"
    assert i18n.translate("Open account") == "Open account"
    markup = "<b>Event log</b>: 3 event(s), oldest first"
    assert i18n.translate_html(markup) == markup
    button = widgets.Button(description="Open account")
    assert i18n.localize(button) is button
    button.description = "Deposit"
    assert button.description == "Deposit"
    fig = Figure()
    fig.add_subplot().set_title("projection lag")
    i18n.localize_figure(fig)
    assert fig.axes[0].get_title() == "projection lag"
    assert len(fig.texts) == 0


def test_an_unknown_language_is_refused_naming_the_choices() -> None:
    with pytest.raises(InvalidArgument, match=r"en, zh-TW.*set_language\(\"zh-TW\"\)"):
        i18n.set_language("zh")
    assert i18n.language() == "en"


def test_exact_strings_keep_the_whitespace_around_them(zh: None) -> None:
    assert i18n.translate("Open account") == "開戶"
    assert i18n.translate("  Open account\n") == "  開戶\n"
    assert i18n.translate("no such text anywhere") == "no such text anywhere"
    assert i18n.translate("") == ""


def test_templates_fill_placeholders_and_translate_the_marked_ones(zh: None) -> None:
    assert i18n.translate("ran 6 steps: 1 concurrency conflict(s)") == "跑了 6 步：1 次版本衝突"
    # {where:t} is translated itself: "version 2 (position 2)" has a template of its own
    assert i18n.translate("accepted on attempt 1: version 2 (position 2)") == (
        "第 1 次嘗試時被接受：版本 2（位置 2）"
    )
    # the most specific template wins
    assert i18n.translate("of schedule AB+B (after +: the steps that finished the race)") == (
        "：排程 AB+B（+ 之後是讓競態跑完的步驟）"
    )


def test_a_word_placeholder_takes_one_word_only(zh: None) -> None:
    assert i18n.translate("Cy (closed)") == "Cy（已結清）"
    assert i18n.translate("debit · after command") == "扣款 · 命令之後"  # {step:wt}
    # a one-word placeholder keeps a generic template off a whole sentence
    line = "✅ The projector keeps up: about 51 events/s arrive and the projector applies at most "
    line += "200 events/s, so every backlog drains and the lag stays bounded (the closer the two "
    line += "rates, the larger it gets)."
    assert i18n.translate(line).startswith("✅ 投影器跟得上：每秒約有 51 個事件進來")


def test_a_template_must_keep_its_placeholders() -> None:
    with pytest.raises(InvalidArgument, match=r"uses \['m'\]; use exactly its placeholders"):
        i18n.Template.parse("{n} events", "{m} 個事件")
    with pytest.raises(InvalidArgument, match=r"has no \{placeholder\}"):
        i18n.Template.parse("events", "事件")


def test_one_english_text_translated_twice_is_refused() -> None:
    data = {"groups": {"a": {"strings": {"x": "甲"}}, "b": {"strings": {"x": "乙"}}}}
    with pytest.raises(InvalidArgument, match="'x' is translated twice"):
        i18n.parse_catalog("zh-TW", data)


def test_the_catalog_reads_and_every_template_compiles() -> None:
    catalog = i18n.catalog("zh-TW")
    assert len(catalog.strings) > 300 and len(catalog.templates) > 150
    for english, chinese in catalog.strings.items():
        assert chinese.strip(), english
    assert i18n.catalog_path("zh-TW").name == "zh-TW.json"


def test_html_text_is_translated_but_not_tags_code_or_css(zh: None) -> None:
    markup = (
        "<style>.x {color: red;} Balances</style><b>Event log</b>: 2 event(s), oldest first"
        '<code>Deposit</code><span title="Deposit">Deposit</span> Ada &amp; Bo'
    )
    assert i18n.translate_html(markup) == (
        "<style>.x {color: red;} Balances</style><b>事件日誌</b>：2 個事件，由舊到新"
        '<code>Deposit</code><span title="Deposit">存款</span> Ada &amp; Bo'
    )


def test_a_refusal_keeps_the_english_message_behind_a_chinese_name(zh: None) -> None:
    line = ui.refusal("esbank-x", "InsufficientFunds", "insufficient funds: balance=0 cents")
    shown = i18n.translate_html(line)
    assert "InsufficientFunds（餘額不足）" in shown
    assert "insufficient funds: balance=0 cents" in shown


def test_localize_translates_labels_now_and_after_every_change(zh: None) -> None:
    html = widgets.HTML("<b>Steps</b>: no race run yet")
    choose = widgets.Dropdown(options=[("withdraw", "w"), ("deposit", "d")], value="d")
    box = i18n.localize(widgets.VBox([widgets.Button(description="Run race"), html, choose]))
    assert box.children[0].description == "執行競態"
    assert html.value == "<b>步驟</b>：還沒有跑過競態"
    assert choose._options_labels == ("提款", "存款") and choose.value == "d"
    assert choose.label == "存款"
    html.value = "<b>Final state</b>: no race run yet"
    assert html.value == "<b>最終狀態</b>：還沒有跑過競態"
    later = widgets.Button(description="Reset", tooltip="start again with an empty log")
    box.children = [*box.children, later]
    assert (later.description, later.tooltip) == ("重設", "從空的日誌重新開始")
    choose.options = ["withdraw", "deposit"]
    assert choose._options_labels == ("提款", "存款") and choose.value == "withdraw"


def test_a_panel_shell_and_its_snapshot_speak_the_language(zh: None) -> None:
    class Demo(ui.Shell):
        label = "Teller panel"
        widget = widgets.VBox()

    shown = Demo()._repr_mimebundle_()["text/plain"]
    assert shown == "櫃員面板（在 Jupyter 中執行這個儲存格即可使用）"
    assert ui.snapshot("esbank-x", "", "<b>Messages</b>") == (
        '<div class="esbank-x-snapshot"><b>訊息</b></div>'
    )


def test_checks_print_their_verdict_and_hint_translated(
    zh: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert passed("all 3 questions answered right.") is True
    assert failed("no answers yet.", "answer the rest the same way.") is False
    assert capsys.readouterr().out == (
        "✅ 3 題全部答對。\n❌ 還沒有任何答案。\n   提示： 用同樣的方式回答其餘的題目。\n"
    )


def _chart() -> Figure:
    fig = Figure()
    ax = fig.add_subplot()
    ax.set_title("projection lag")
    ax.set_xlabel("time (s)")
    ax.plot([0, 1], [0, 1], label="burst")
    ax.legend()
    ax.set_xticks([0, 1], ["deposit", "withdraw"])
    return fig


def test_a_chart_is_translated_and_drawn_with_a_cjk_font(zh: None) -> None:
    font = i18n.cjk_font()
    if font is None:
        pytest.skip(f"no CJK font installed ({i18n.NO_CJK_FONT})")
    fig = i18n.localize_figure(_chart())
    ax = fig.axes[0]
    assert (ax.get_title(), ax.get_xlabel()) == ("投影延遲", "時間（秒）")
    assert ax.get_legend().get_texts()[0].get_text() == "流量高峰"
    assert ax.title.get_fontfamily() == [i18n.LATIN_FONT, font]
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["存款", "提款"]
    assert fig.texts == []
    i18n.localize_figure(fig)  # twice is the same as once
    assert ax.get_title() == "投影延遲" and fig.texts == []


def test_without_a_cjk_font_a_chart_stays_english_and_says_what_to_install(
    zh: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(i18n, "cjk_font", lambda: None)
    fig = i18n.localize_figure(_chart())
    assert fig.axes[0].get_title() == "projection lag"
    assert [t.get_text() for t in fig.texts] == [i18n.NO_CJK_FONT]
    assert "fonts-noto-cjk" in i18n.NO_CJK_FONT
    i18n.localize_figure(fig)
    assert len(fig.texts) == 1


def test_a_panel_chart_is_localized_before_it_becomes_png(
    zh: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Figure] = []
    monkeypatch.setattr(i18n, "localize_figure", seen.append)
    fig = _chart()
    assert ui.figure_png(fig).startswith(b"\x89PNG")
    assert seen == [fig]


def test_untranslated_lists_what_a_chinese_reader_would_see_in_english(zh: None) -> None:
    assert untranslated(["Open account", "no such label", "Ada", "42", "A"]) == [
        "no such label",
        "Ada",
    ]


def test_in_a_notebook_displayed_figures_and_html_are_translated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import IPython
    from IPython.core.formatters import DisplayFormatter
    from IPython.display import HTML

    class Shell:
        display_formatter = DisplayFormatter()

    shell = Shell()
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    i18n.set_language("zh-TW")
    fig = _chart()
    shell.display_formatter.format(fig)
    if i18n.cjk_font() is not None:
        assert fig.axes[0].get_title() == "投影延遲"
    else:
        assert [t.get_text() for t in fig.texts] == [i18n.NO_CJK_FONT]
    data, _ = shell.display_formatter.format(HTML("<b>Event log</b>"))
    assert data["text/html"] == "<b>事件日誌</b>"
