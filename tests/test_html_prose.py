"""Rule prose in the HTML report: escaped, with code spans and emphasis rendered."""

from __future__ import annotations

from lambda_advisor.report.html import _prose


def test_code_spans_keep_their_stars_and_emphasis_renders() -> None:
    html = _prose("A permission for `*` lets anyone act on behalf of *any* account; 2 * 3 = 6 <script>")
    assert html == ("A permission for <code>*</code> lets anyone act on behalf of <em>any</em> account; "
                    "2 * 3 = 6 &lt;script&gt;")


def test_markup_inside_code_is_escaped() -> None:
    assert _prose("use `<b>` \n  here") == "use <code>&lt;b&gt;</code> here"
