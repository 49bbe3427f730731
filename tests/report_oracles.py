"""Oracles for hostile input in reports: what a terminal, a CI log, an XML/HTML parser and GitHub's markdown would do.

Shared by the escaping regression tests and the cross-format test, so that each
medium is judged the same way everywhere.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

#: One value that tries every trick at once: line breaks, workflow commands (new and legacy),
#: terminal escapes (CSI, OSC 8 link, OSC 52 clipboard, BEL, CR), C1 CSI, DEL, bidi override,
#: markdown and HTML markup, a mention, links, an autolink, a reference, XML-forbidden characters.
INJECTION = ("x\n::error file=a.yaml::forged\r\n::add-mask::secret\n::stop-commands::tok ##[error]legacy "
             "\x1b[31mred\x1b[0m \x1b]8;;https://evil.example/\x07click\x1b]8;;\x07 \x1b]52;c;cHduZWQ=\x07 "
             "\x07\x08\x0b\x0c\x00\x7f\x9b31m \u202eevil\u2028\u2029 "
             "| --- | forged | row |\n<img src=x onerror=alert(1)> <script>alert(1)</script> "
             "![i](https://evil.example/i.png) [l](https://evil.example) @octocat <https://evil.example> "
             "www.evil.example owner/repo#1 #12 **bold** `code` &amp; \ufffe\ud7ff")

#: Whitespace .NET's ``TrimStart`` removes before GitHub's runner looks for ``::``.
_DOTNET_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
                "\u2028\u2029\u202f\u205f\u3000"
_LIVE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: Our own SGR colour codes (``click.style``), the only escape sequences a coloured text report may hold.
_SGR = re.compile(r"\x1b\[[0-9;]*m")


def log_lines(text: str) -> list[str]:
    """Lines as GitHub's runner reads them (CR, LF and CRLF each end a line)."""
    return re.split(r"\r\n|\r|\n", text)


def workflow_commands(text: str) -> list[str]:
    """Every workflow command the runner would act on in ``text``: ``::name …::`` and legacy ``##[name``."""
    found = []
    for line in log_lines(text):
        trimmed = line.lstrip(_DOTNET_SPACE)
        if trimmed.startswith("::") and trimmed.find("::", 2) > 0:
            found.append(trimmed[2:trimmed.find("::", 2)].split(" ")[0])
        if "##[" in line:
            found.append("##[" + line.split("##[", 1)[1][:20])
    return found


def assert_inert_for_terminal(text: str, *, colour: bool = False) -> None:
    """No control character a terminal acts on (our colour codes aside when ``colour``)."""
    body = _SGR.sub("", text) if colour else text
    live = _LIVE.findall(body.replace("\r\n", "\n"))
    assert not live, f"live control characters {sorted(set(live))!r} in {body[:300]!r}"


def assert_no_forged_commands(text: str, allowed: tuple[str, ...] = ()) -> None:
    """No workflow command but ours (``allowed``: the ones the github format writes on purpose)."""
    forged = [c for c in workflow_commands(text) if c not in allowed]
    assert not forged, f"forged workflow commands {forged!r}"


def assert_github_annotations_hold(text: str) -> None:
    """Each of our annotations is one line whose properties are known keys only."""
    for line in log_lines(text):
        if not line.startswith("::"):
            continue
        head, _, _ = line[2:].partition("::")
        level, _, props = head.partition(" ")
        assert level in ("error", "warning", "notice"), line[:200]
        for prop in filter(None, props.split(",")):
            key, _, value = prop.partition("=")
            assert key in ("file", "line", "col", "title"), line[:200]
            assert ":" not in value and "\n" not in value


def assert_xml_well_formed(text: str) -> ET.Element:
    root = ET.fromstring(text.encode("utf-8"))
    assert_inert_for_terminal(text)
    return root


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)


def html_tags(text: str) -> tuple[set[str], set[str]]:
    parser = _Tags()
    parser.feed(text)
    parser.close()
    return parser.tags, parser.attrs


def strip_code_spans(line: str) -> str:
    """A markdown line without its code spans (where nothing is markup, links or mentions)."""
    out, i = [], 0
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line):
            out.append(line[i:i + 2])
            i += 2
            continue
        if line[i] == "`":
            run = re.match(r"`+", line[i:]).group(0)  # type: ignore[union-attr]
            end = line.find(run, i + len(run))
            while end >= 0 and end + len(run) < len(line) and line[end + len(run)] == "`":
                end = line.find(run, end + len(run) + 1)
            if end >= 0:
                out.append("CODE")
                i = end + len(run)
                continue
        out.append(line[i])
        i += 1
    return "".join(out)


#: Markdown that GitHub would turn into markup, a link, an image, HTML, a mention or a reference.
_ACTIVE_MD = re.compile(r"(?<!\\)[<\[!*_`|&]|@\w|https?:|www\.|#\d")


def assert_markdown_inert(text: str, *, allowed_html: tuple[str, ...] = ("<details>", "<summary>", "</summary>",
                                                                          "</details>")) -> None:
    """Outside code spans, every character that could start markup is escaped.

    Our own markup is allowed: table pipes, ``**`` around counts and rule links, list
    markers, headings and the ``<details>`` folding.
    """
    assert_inert_for_terminal(text)
    for line in text.splitlines():
        rest = strip_code_spans(line)
        for tag in allowed_html:
            rest = rest.replace(tag, "")
        rest = re.sub(r"\*\*\[[A-Z]+\d+\]\(https://[^)\s]+\)\*\*", "", rest)  # a rule's own help link
        rest = re.sub(r"^\|(?:-+:?\|)+$", "", rest)  # a table's header rule
        rest = re.sub(r"^\| | \| | \|$", " ", rest)  # the table's own cell separators
        rest = re.sub(r"\*\*(\d+ findings?)\*\*", "", rest).replace("|---|", "").replace("---:|", "")
        rest = re.sub(r"^\s*- ", "", rest)
        rest = re.sub(r"\*\*[A-Z]+\d+\*\*", "", rest)  # a rule's ID in bold (no help link)
        active = _ACTIVE_MD.findall(rest)
        assert not active, f"active markdown {active!r} in {line[:300]!r}"


def assert_json(text: str) -> object:
    data = json.loads(text)
    assert_inert_for_terminal(text)
    assert_no_forged_commands(text)
    return data
