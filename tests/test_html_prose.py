"""Rule prose in the HTML report: escaped, with code spans and emphasis rendered."""

from __future__ import annotations

from lambda_advisor.report.html import _prose


def test_code_spans_keep_their_stars_and_emphasis_renders() -> None:
    html = _prose("A permission for `*` lets anyone act on behalf of *any* account; 2 * 3 = 6 <script>")
    assert html == ("A permission for <code>*</code> lets anyone act on behalf of <em>any</em> account; "
                    "2 * 3 = 6 &lt;script&gt;")


def test_markup_inside_code_is_escaped() -> None:
    assert _prose("use `<b>` \n  here") == "use <code>&lt;b&gt;</code> here"


def test_what_to_do_first_gives_one_slot_per_issue_and_file() -> None:
    """Several statements of one role (one rule, one file) take one slot, not one each."""
    import re
    from datetime import date
    from pathlib import Path

    from lambda_advisor.pipeline import Settings, scan_paths
    from lambda_advisor.report import render as render_format

    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "rules" / "LA104-wildcards.fail.yaml"
    result = scan_paths([fixture], Settings(select=["LA104"], today=date(2026, 11, 22)))
    assert len(result.active) > 1
    page = render_format("html", result)
    first = page[page.index('<div id="first">'):page.index("</ol>", page.index('<div id="first">'))]
    items = re.findall(r'<li data-rule="(LA\d+)" data-findings="(\d+)"', first)
    assert items == [("LA104", str(len(result.active)))], items
    assert f"{len(result.active)} findings here" in first
