"""The little markdown of rule pages, rendered for a terminal (``lambda-advisor explain``).

Headings in bold, paragraphs re-wrapped to the width, fenced snippets indented
and kept exactly as written, bullets hanging, inline ``code`` and ``**bold**``
without their markers (styled when colour is on), ``<url>`` as the bare URL.
"""

from __future__ import annotations

import re
import textwrap

_INLINE = re.compile(r"`([^`]+)`|\*\*([^*]+)\*\*|<(https?://[^<>\s]+)>")


def _inline(text: str, color: bool) -> str:
    def sub(m: re.Match[str]) -> str:
        code, bold, url = m.groups()
        if code is not None:
            return _style(code, color, fg="cyan")
        if bold is not None:
            return _style(bold, color, bold=True)
        return _style(url, color, underline=True)

    return _INLINE.sub(sub, text).replace("`", "")  # the halves of a long code span broken across lines


def _style(text: str, color: bool, **kw: object) -> str:
    if not color:
        return text
    import click

    return click.style(text, **kw)  # type: ignore[arg-type]


def _wrap(text: str, width: int, first: str, rest: str, color: bool) -> list[str]:
    """Wrap with the markers in place (a short code span never breaks), then style each line."""
    glued = re.sub(r"`[^`]{1,30}`", lambda m: m.group(0).replace(" ", "\x00"), text)
    lines = textwrap.wrap(glued, width=width, initial_indent=first, subsequent_indent=rest,
                          break_long_words=False, break_on_hyphens=False) or [first.rstrip()]
    return [_inline(line.replace("\x00", " "), color) for line in lines]


def render(markdown: str, *, width: int | None = None, color: bool = False) -> str:
    width = max(40, min(width or 88, 100))
    out: list[str] = []
    para: list[str] = []
    fenced = False

    def flush() -> None:
        if para:
            out.extend(_wrap(" ".join(para), width, "", "", color))
            out.append("")
            para.clear()

    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            fenced = not fenced
            if not fenced:
                out.append("")
            continue
        if fenced:
            out.append(_style("    " + line, color, fg="cyan"))
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        if heading:
            flush()
            if out and out[-1]:
                out.append("")
            title = _INLINE.sub(lambda m: next(g for g in m.groups() if g is not None), heading.group(2))
            if len(heading.group(1)) == 1:
                out += [_style(title, color, bold=True), _style("=" * len(title), color, bold=True), ""]
            else:
                out += [_style(title, color, bold=True, underline=True), ""]
            continue
        bullet = re.match(r"^(\s*)[-*]\s+(.*)$", line)
        if bullet:
            flush()
            indent = bullet.group(1)
            out.extend(_wrap(bullet.group(2), width, f"{indent}  • ", f"{indent}    ", color))
            continue
        if not stripped:
            flush()
            continue
        para.append(stripped)
    flush()
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"
