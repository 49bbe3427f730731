"""Property tests of the escaping for each medium: for any text, the output is inert for its reader.

Text is drawn from every code point class that matters (controls, separators,
bidi, surrogates aside) mixed with the fragments attacks are made of.
"""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st
from report_oracles import (
    assert_inert_for_terminal,
    assert_markdown_inert,
    assert_no_forged_commands,
    html_tags,
    log_lines,
)

from lambda_advisor.report import escape

_FRAGMENTS = ["::", "##[", "\n", "\r", "\x1b[", "\x1b]8;;", "\x07", "\x9b", "\u2028", "\u202e", "|", "`", "<", ">",
              "&", "@", "#1", "[", "](", "!", "*", "_", "www.", "https://", " ", "\t", ":", "%", ",", "\x00", "\ufffe"]
TEXT = st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(st.characters(exclude_categories=("Cs",)),
                                                                max_size=8)), max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.integers(min_value=25, max_value=80))
def test_terminal_text_is_inert_even_when_wrapped(text: str, width: int) -> None:
    for multiline in (False, True):
        out = escape.terminal(text, multiline=multiline)
        assert_inert_for_terminal(out)
        assert_no_forged_commands(out)
        if not multiline:
            assert len(log_lines(out)) == 1
        wrapped = "\n".join(textwrap.wrap("lambda-advisor: " + out + ":12: x", width=width,
                                          break_long_words=False, break_on_hyphens=False))
        assert_no_forged_commands(wrapped)


@settings(max_examples=300, deadline=None)
@given(TEXT, TEXT)
def test_a_workflow_command_carries_exactly_one_annotation(message: str, title: str) -> None:
    from lambda_advisor.report.github import command

    line = command("error", escape.terminal(message), title=title, file=title)
    assert len(log_lines(line)) == 1
    assert_no_forged_commands(line, allowed=("error",))
    head, _, data = line[2:].partition("::")
    assert head.startswith("error") and ":" not in head.partition(" ")[2]
    # the runner's unescaping gives back the message, one line, as we meant it
    shown = data.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
    assert shown == escape.terminal(message) and "\n" not in shown


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_xml_and_html_text_parse_and_add_no_markup(text: str) -> None:
    value = escape.xml(text)
    root = ET.fromstring(f'<r a="{escape.html(text)}">{escape.html(text)}</r>'.encode())
    ET.fromstring(ET.tostring(ET.Element("r", a=value)))
    assert root.tag == "r" and len(root) == 0
    assert html_tags(f"<p>{escape.html(text)}</p>")[0] == {"p"}
    assert_inert_for_terminal(escape.html(text))


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_markdown_cell_is_inert(text: str) -> None:
    cell = escape.md_text(text)
    assert_markdown_inert(f"| {cell} | {escape.md_code(text)} |")
    assert "\n" not in cell
