"""Input as data in every medium: the one place that escapes text for terminals, CI logs, XML, HTML and markdown.

Names, paths, messages, reasons and snapshot fields come from pull requests and
accounts we do not control. Each function here makes such text inert for one
medium; every reporter and every stderr message goes through them, so new
report content is safe by construction.

* :func:`terminal` — text, concise, stderr and the log lines of any format: C0
  and C1 controls, DEL, line and paragraph separators and bidirectional
  overrides become visible (``\\x1b``, ``\\u202e``); a line break only where the
  field is multi-line. GitHub's runner reads workflow commands from every log
  line: ``::cmd::`` at the start of a line (after blanks) and the legacy
  ``##[cmd]`` anywhere, so ``##[`` and a ``:`` that could begin ``::`` at the
  start of a word (where wrapping or a blank could start a line) are written
  as ``\\x23`` and ``\\x3a``.
* :func:`workflow_data`, :func:`workflow_property` — GitHub's workflow-command
  escaping (``%``, CR, LF; in properties also ``:`` and ``,``), applied after
  :func:`terminal`.
* :func:`xml` — what XML 1.0 allows (``xml.etree`` escapes markup itself).
* :func:`html` — markup escaped, controls visible, workflow commands broken with
  character references (the page shows the text as it was).
* :func:`md_text`, :func:`md_code` — markdown that renders the text literally:
  every ASCII punctuation backslash-escaped, and words GitHub would turn into a
  link, a mention or a reference (``@``, ``#``, ``:``, ``/``, ``www.``, hex runs)
  set as code spans, where no autolink or mention applies.
* :func:`json_text` — JSON as written by ``json.dumps``: already inert but for
  DEL and ``##[``, which become ``\\u007f`` and ``#\\u0023[`` (the data is unchanged).
"""

from __future__ import annotations

import re
import string

#: Characters never written raw: C0 (line breaks handled apart), DEL, C1, separators that some
#: readers take as line breaks, bidirectional controls (which reorder what a reviewer sees), and
#: the two non-characters XML forbids.
_CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                       "\ufeff\ufffe\uffff]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_LEGACY_COMMAND = "##["
#: A ':' that could begin ``::cmd::`` on a log line (wrapping or a blank can start a line anywhere a word
#: starts): one that begins a word and is followed by another, or that begins or ends the text (where
#: our own ``:`` may be glued to it, as in ``path:line``).
_WORD_START_COLON = re.compile(r"^:|(?<!\S):(?=:)|(?<!\S):$")


def _visible(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def controls_visible(text: str, *, multiline: bool = False, keep_tabs: bool = False) -> str:
    """Every control character as a visible escape; line breaks too unless ``multiline``."""
    text = str(text)
    if multiline:
        text = text.replace("\r\n", "\n")
        pattern = _CONTROLS
    else:
        pattern = _SINGLE_LINE_CONTROLS
    if keep_tabs:
        return pattern.sub(lambda m: m.group(0) if m.group(0) == "\t" else _visible(m.group(0)), text)
    return pattern.sub(lambda m: _visible(m.group(0)), text)


_SINGLE_LINE_CONTROLS = re.compile(f"{_CONTROLS.pattern}|\n")


def terminal(text: object, *, multiline: bool = False) -> str:
    """Text for a terminal or CI log: no live control sequence and no workflow command."""
    out = controls_visible(str(text), multiline=multiline, keep_tabs=multiline)
    out = out.replace(_LEGACY_COMMAND, "#\\x23[")
    return _WORD_START_COLON.sub("\\\\x3a", out)


def line(text: object) -> str:
    """One line of a stderr message or log (``terminal`` of a single-line field)."""
    return terminal(text)


def workflow_data(text: str) -> str:
    """The data of a GitHub workflow command (after the second ``::``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(text: str) -> str:
    """A property value of a GitHub workflow command (``file=…,title=…``)."""
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")


#: What XML 1.0's Char production leaves out: C0 but tab and line breaks, surrogates, U+FFFE/U+FFFF.
#: (Spelled as the excluded ranges: the negated production costs 5 ms to compile at every start.)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml(text: object, *, multiline: bool = False) -> str:
    """Text for an XML element or attribute: :func:`terminal`, and nothing XML 1.0 forbids."""
    return _NOT_XML.sub("\ufffd", terminal(text, multiline=multiline))


def html(text: object, *, multiline: bool = False) -> str:
    """Text for HTML content or a quoted attribute."""
    out = _escape_markup(controls_visible(str(text), multiline=multiline, keep_tabs=multiline))
    out = out.replace(_LEGACY_COMMAND, "#&#35;[")
    return _NOT_XML.sub("\ufffd", _WORD_START_COLON.sub("&#58;", out))


_MD_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
#: Words GitHub's markdown would link or notify from: mentions and e-mail (@), references (#12,
#: owner/repo#12), URLs and schemes (:, /), www. autolinks, commit hashes.
_MD_LINKISH = re.compile(r"[@#:/]|www\.|[0-9a-f]{7,}", re.IGNORECASE)


def md_code(text: object, *, table: bool = True) -> str:
    """A markdown code span holding ``text`` literally (one line; ``|`` escaped inside a table)."""
    return _code_span(terminal(text), table=table)


def _code_span(body: str, *, table: bool) -> str:
    """A code span around text already made inert by :func:`terminal`."""
    runs = [len(m) for m in re.findall(r"`+", body)]
    fence = "`" * (max(runs, default=0) + 1)
    if body.startswith("`") or body.endswith("`") or (body.startswith(" ") and body.endswith(" ") and body.strip()):
        body = f" {body} "
    if table:
        body = body.replace("|", "\\|")
    return f"{fence}{body or ' '}{fence}"


def md_text(text: object, *, table: bool = True) -> str:
    """Markdown prose that renders as the text it was: no markup, HTML, link, image or mention."""
    words = terminal(re.sub(r"[ \t\n]+", " ", str(text))).split(" ")
    out = []
    for word in filter(None, words):
        if _MD_LINKISH.search(word):
            out.append(_code_span(word, table=table))
        else:
            out.append(_MD_PUNCTUATION.sub(r"\\\1", word))
    return " ".join(out)


def md_url(url: object) -> str | None:
    """A URL fit for a markdown link target, or None (anything but plain http(s) is refused)."""
    text = str(url or "")
    return text if re.fullmatch(r"https?://[A-Za-z0-9._~:/?#@!$&'*+,;=%-]+", text) and ")" not in text else None


def json_text(dumped: str) -> str:
    """JSON text from ``json.dumps`` (ASCII) with nothing a terminal or CI log would act on."""
    return dumped.replace("\x7f", "\\u007f").replace(_LEGACY_COMMAND, "#\\u0023[")


def _escape_markup(text: str) -> str:
    """``html.escape(text, quote=True)`` without importing :mod:`html` (its entity table costs start-up time)."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#x27;"))
