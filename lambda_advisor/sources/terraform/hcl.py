"""Terraform's two syntaxes (``.tf`` native HCL, ``.tf.json``) read into one small tree with lines.

Native files are parsed by tree-sitter's HCL grammar (prebuilt wheels, imported only when a scan
meets Terraform); it keeps the exact line of every attribute, block, map entry and heredoc. JSON
files are read with :mod:`json`, and their strings, which Terraform reads as templates, go through
the same grammar. Both give :class:`Block` and :class:`Attribute` trees whose expressions are the
nodes below; nothing here evaluates anything (see :mod:`.evaluate`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

# -- the tree -----------------------------------------------------------------------------------


@dataclass
class Expr:
    line: int


@dataclass
class Lit(Expr):
    value: Any


@dataclass
class Template(Expr):
    """A string template: literal text and interpolated expressions (``"${var.env}-fn"``)."""

    parts: list[str | Expr]


@dataclass
class TemplateIf(Expr):
    cond: Expr
    then: Template
    other: Template | None


@dataclass
class TemplateFor(Expr):
    key_var: str | None
    value_var: str
    collection: Expr
    body: Template


@dataclass
class Var(Expr):
    name: str


@dataclass
class GetAttr(Expr):
    target: Expr
    name: str


@dataclass
class Index(Expr):
    target: Expr
    key: Expr


@dataclass
class Splat(Expr):
    """``target[*].a.b`` or ``target.*.a``: ``rest`` applies to each element."""

    target: Expr
    rest: list[tuple[str, Any]]  # ("attr", name) or ("index", Expr)


@dataclass
class Call(Expr):
    name: str
    args: list[Expr]
    expand_last: bool = False


@dataclass
class Cond(Expr):
    cond: Expr
    then: Expr
    other: Expr


@dataclass
class BinOp(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass
class UnOp(Expr):
    op: str
    operand: Expr


@dataclass
class TupleExpr(Expr):
    items: list[Expr]


@dataclass
class ObjectExpr(Expr):
    #: (key, value, line): a key is an identifier's name (str) or an expression.
    items: list[tuple[str | Expr, Expr, int]]


@dataclass
class ForExpr(Expr):
    key_var: str | None
    value_var: str
    collection: Expr
    value: Expr
    key: Expr | None = None  # set: an object ``{for k, v in c : key => value}``
    cond: Expr | None = None
    group: bool = False


@dataclass
class Attribute:
    name: str
    expr: Expr
    line: int


@dataclass
class Block:
    type: str
    labels: list[str]
    line: int
    end_line: int
    file: int  # index into the module's file list
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    #: Arguments an override file set (``override.tf``): the file each was written in.
    attribute_files: dict[str, int] = field(default_factory=dict)

    def children(self, kind: str) -> list[Block]:
        return [b for b in self.blocks if b.type == kind]

    def file_of(self, name: str) -> int:
        """The file an argument was written in: the block's own, or the override file that replaced it."""
        return self.attribute_files.get(name, self.file)


class HclError(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


_OPERATORS = {"==", "!=", "<", ">", "<=", ">=", "&&", "||", "+", "-", "*", "/", "%"}

#: Nesting deeper than this is refused (far below Python's recursion limit; no real file comes near).
MAX_DEPTH = 120

# -- native syntax ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _parser() -> Any:
    import tree_sitter
    import tree_sitter_hcl

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))


def parse_native(data: bytes, file: int) -> tuple[list[Block], dict[str, Attribute], list[tuple[int, str]]]:
    """Blocks and top-level attributes (``.tfvars`` files are only attributes) and every comment
    with its line. Raises :class:`HclError` at the first syntax error."""
    tree = _parser().parse(data)
    root = tree.root_node
    if root.has_error:
        bad = _first_error(root)
        line = bad.start_point.row + 1 if bad is not None else None
        raise HclError("not valid HCL (Terraform would refuse this file too)", line)
    reader = _Native(data, file)
    body = next((c for c in root.children if c.type == "body"), None)
    blocks, attrs = reader.body(body, 0) if body is not None else ([], {})
    return blocks, attrs, reader.comments(root)


def _first_error(node: Any) -> Any:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "ERROR" or n.is_missing:
            return n
        stack.extend(reversed([c for c in n.children if c.has_error or c.is_missing or c.type == "ERROR"]))
    return None


class _Native:
    def __init__(self, data: bytes, file: int) -> None:
        self.data = data
        self.file = file

    def text(self, node: Any) -> str:
        return self.data[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def comments(self, root: Any) -> list[tuple[int, str]]:
        out = []
        stack = [root]
        while stack:
            n = stack.pop()
            if n.type == "comment":
                out.append((n.start_point.row + 1, self.text(n)))
            stack.extend(n.children)
        return sorted(out)

    def body(self, node: Any, depth: int) -> tuple[list[Block], dict[str, Attribute]]:
        if depth > MAX_DEPTH:
            raise HclError(f"nested more than {MAX_DEPTH} levels deep", node.start_point.row + 1)
        blocks: list[Block] = []
        attrs: dict[str, Attribute] = {}
        for child in node.children:
            if child.type == "attribute":
                name = self.text(child.children[0])
                expr = next(c for c in child.children if c.type == "expression")
                attrs[name] = Attribute(name, self.expr(expr, depth + 1), child.start_point.row + 1)
            elif child.type == "block":
                blocks.append(self.block(child, depth + 1))
        return blocks, attrs

    def block(self, node: Any, depth: int) -> Block:
        kind = self.text(node.children[0])
        labels = []
        body = None
        for c in node.children[1:]:
            if c.type == "string_lit":
                labels.append(self.string_lit(c))
            elif c.type == "identifier":
                labels.append(self.text(c))
            elif c.type == "body":
                body = c
        blk = Block(kind, labels, node.start_point.row + 1, node.end_point.row + 1, self.file)
        if body is not None:
            blk.blocks, blk.attributes = self.body(body, depth)
        return blk

    def string_lit(self, node: Any) -> str:
        inner = [c for c in node.children if c.type == "template_literal"]
        return _unescape(self.text(inner[0])) if inner else ""

    # expressions

    def expr(self, node: Any, depth: int) -> Expr:
        if depth > MAX_DEPTH:
            raise HclError(f"an expression nested more than {MAX_DEPTH} levels deep", node.start_point.row + 1)
        line = node.start_point.row + 1
        t = node.type
        if t == "expression":
            kids = [c for c in node.children if c.is_named and c.type != "comment"]
            if not kids:
                raise HclError("an empty expression", line)
            out = self.expr(kids[0], depth + 1)
            for post in kids[1:]:
                out = self.postfix(out, post, depth + 1)
            return out
        if t == "literal_value":
            return self.literal(node.children[0], depth)
        if t == "string_lit":
            return Lit(line, self.string_lit(node))
        if t == "variable_expr":
            return Var(line, self.text(node.children[0]))
        if t == "template_expr":
            return self.template(node.children[0], depth + 1)
        if t == "collection_value":
            return self.expr(node.children[0], depth + 1)
        if t == "tuple":
            return TupleExpr(line, [self.expr(c, depth + 1) for c in node.children if c.type == "expression"])
        if t == "object":
            items: list[tuple[str | Expr, Expr, int]] = []
            for elem in (c for c in node.children if c.type == "object_elem"):
                exprs = [c for c in elem.children if c.type == "expression"]
                key_node, value_node = exprs[0], exprs[-1]
                key: str | Expr = self.expr(key_node, depth + 1)
                if isinstance(key, Var):
                    key = key.name  # `{ name = 1 }`: a bare identifier is the key itself
                items.append((key, self.expr(value_node, depth + 1), elem.start_point.row + 1))
            return ObjectExpr(line, items)
        if t == "function_call":
            name = self.text(node.children[0])
            args_node = next((c for c in node.children if c.type == "function_arguments"), None)
            args: list[Expr] = []
            expand = False
            if args_node is not None:
                args = [self.expr(c, depth + 1) for c in args_node.children if c.type == "expression"]
                expand = any(c.type == "ellipsis" for c in args_node.children)
            return Call(line, name, args, expand)
        if t == "conditional":
            parts = [c for c in node.children if c.type == "expression"]
            return Cond(line, *(self.expr(p, depth + 1) for p in parts[:3]))
        if t == "operation":
            return self.expr(node.children[0], depth + 1)
        if t == "unary_operation":
            op = self.text(node.children[0])
            return UnOp(line, op, self.sequence(node.children[1:], depth + 1))
        if t == "binary_operation":
            kids = list(node.children)
            level = 0
            for i, c in enumerate(kids):
                if c.type == "(":
                    level += 1
                elif c.type == ")":
                    level -= 1
                elif not c.is_named and level == 0 and c.type in _OPERATORS:
                    return BinOp(line, c.type, self.sequence(kids[:i], depth + 1), self.sequence(kids[i + 1:], depth + 1))
            raise HclError("an operation this reader does not know", line)
        if t == "for_expr":
            return self.for_expr(node.children[0], depth + 1)
        if t in ("numeric_lit", "bool_lit", "null_lit"):
            return self.literal(node, depth)
        raise HclError(f"an expression this reader does not know ({t})", line)

    def sequence(self, nodes: list[Any], depth: int) -> Expr:
        """An operand: a primary (or a parenthesised expression) and the traversals after it."""
        nodes = [n for n in nodes if n.type != "comment"]
        if not nodes:
            raise HclError("an operation without its operand", None)
        if nodes[0].type == "(":
            close = max((i for i, n in enumerate(nodes) if n.type == ")"), default=len(nodes))
            inner = [n for n in nodes[1:close] if n.is_named]
            if not inner:
                raise HclError("empty parentheses", nodes[0].start_point.row + 1)
            out = self.expr(inner[0], depth + 1)
            rest = nodes[close + 1:]
        else:
            out = self.expr(nodes[0], depth + 1)
            rest = nodes[1:]
        for post in rest:
            if post.is_named:
                out = self.postfix(out, post, depth + 1)
        return out

    def literal(self, node: Any, depth: int) -> Expr:
        line = node.start_point.row + 1
        text = self.text(node)
        if node.type == "numeric_lit":
            return Lit(line, _number(text))
        if node.type == "bool_lit":
            return Lit(line, text == "true")
        if node.type == "null_lit":
            return Lit(line, None)
        if node.type == "string_lit":
            return Lit(line, self.string_lit(node))
        return self.expr(node, depth + 1)

    def postfix(self, target: Expr, node: Any, depth: int) -> Expr:
        line = node.start_point.row + 1
        if node.type == "get_attr":
            return GetAttr(line, target, self.text(node.children[-1]))
        if node.type == "index":
            inner = node.children[0]
            if inner.type == "legacy_index":
                digits = self.text(inner).lstrip(".")
                return Index(line, target, Lit(line, _number(digits) if digits.isdigit() else digits))
            key = next(c for c in inner.children if c.type == "expression")
            return Index(line, target, self.expr(key, depth + 1))
        if node.type == "splat":
            inner = node.children[0]
            rest: list[tuple[str, Any]] = []
            for c in inner.children:
                if c.type == "get_attr":
                    rest.append(("attr", self.text(c.children[-1])))
                elif c.type == "index":
                    idx = self.postfix(Lit(line, None), c, depth + 1)
                    if isinstance(idx, Index):
                        rest.append(("index", idx.key))
            return Splat(line, target, rest)
        raise HclError(f"an expression this reader does not know ({node.type})", line)

    def for_expr(self, node: Any, depth: int) -> Expr:
        line = node.start_point.row + 1
        intro = next(c for c in node.children if c.type == "for_intro")
        names = [self.text(c) for c in intro.children if c.type == "identifier"]
        coll = next(c for c in intro.children if c.type == "expression")
        key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        exprs = [c for c in node.children if c.type == "expression"]
        cond_node = next((c for c in node.children if c.type == "for_cond"), None)
        cond = self.expr(next(c for c in cond_node.children if c.type == "expression"), depth + 1) \
            if cond_node is not None else None
        collection = self.expr(coll, depth + 1)
        if node.type == "for_object_expr":
            return ForExpr(line, key_var, value_var, collection, self.expr(exprs[1], depth + 1),
                           key=self.expr(exprs[0], depth + 1), cond=cond,
                           group=any(c.type == "ellipsis" for c in node.children))
        return ForExpr(line, key_var, value_var, collection, self.expr(exprs[0], depth + 1), cond=cond)

    def template(self, node: Any, depth: int) -> Template:
        line = node.start_point.row + 1
        if node.type == "heredoc_template":
            return self.heredoc(node, depth)
        inner = [c for c in node.children if c.type not in ("quoted_template_start", "quoted_template_end")]
        return Template(line, self.parts(inner, depth, quoted=True))

    def parts(self, nodes: list[Any], depth: int, *, quoted: bool) -> list[str | Expr]:
        out: list[str | Expr] = []
        for c in nodes:
            if c.type == "template_literal":
                text = self.text(c)
                out.append(_unescape(text) if quoted else text.replace("$${", "${").replace("%%{", "%{"))
            elif c.type == "template_interpolation":
                e = next((k for k in c.children if k.type == "expression"), None)
                if e is not None:
                    out.append(self.expr(e, depth + 1))
            elif c.type == "template_directive":
                out.append(self.directive(c.children[0], depth + 1, quoted=quoted))
        return out

    def directive(self, node: Any, depth: int, *, quoted: bool) -> Expr:
        line = node.start_point.row + 1
        if node.type == "template_if":
            intro = node.children[0]
            cond = self.expr(next(c for c in intro.children if c.type == "expression"), depth + 1)
            then: list[Any] = []
            other: list[Any] | None = None
            for c in node.children[1:]:
                if c.type == "template_else_intro":
                    other = []
                elif c.type == "template_if_end":
                    break
                else:
                    (then if other is None else other).append(c)
            return TemplateIf(line, cond, Template(line, self.parts(then, depth, quoted=quoted)),
                              Template(line, self.parts(other, depth, quoted=quoted)) if other is not None else None)
        if node.type == "template_for":
            start = node.children[0]
            names = [self.text(c) for c in start.children if c.type == "identifier"]
            coll = next(c for c in start.children if c.type == "expression")
            body = [c for c in node.children[1:] if c.type not in ("template_for_end",)]
            key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
            return TemplateFor(line, key_var, value_var, self.expr(coll, depth + 1),
                               Template(line, self.parts(body, depth, quoted=quoted)))
        raise HclError(f"a template directive this reader does not know ({node.type})", line)

    def heredoc(self, node: Any, depth: int) -> Template:
        """Heredoc text is cut from the file itself, so blank lines and indentation survive."""
        line = node.start_point.row + 1
        kids = node.children
        strip = any(self.text(c) == "<<-" for c in kids[0].children) if kids and kids[0].type == "heredoc_start" \
            else False
        idents = [c for c in kids if c.type == "heredoc_identifier"]
        if len(idents) < 2:
            raise HclError("a heredoc without its closing marker", line)
        start = self.data.index(b"\n", idents[0].end_byte) + 1 if b"\n" in self.data[idents[0].end_byte:] \
            else idents[0].end_byte
        # the closing marker sits on a line of its own: the text ends at that line's start
        close_line_start = self.data.rfind(b"\n", 0, idents[-1].start_byte) + 1
        inner = [c for c in kids if c.type in ("template_interpolation", "template_directive")
                 and start <= c.start_byte < close_line_start]
        parts: list[str | Expr] = []
        pos = start
        for c in inner:
            parts.append(self.data[pos:c.start_byte].decode("utf-8", "replace"))
            parts.extend(self.parts([c], depth, quoted=False))
            pos = c.end_byte
        parts.append(self.data[pos:close_line_start].decode("utf-8", "replace"))
        parts = [p.replace("$${", "${").replace("%%{", "%{") if isinstance(p, str) else p for p in parts]
        if strip:
            parts = _dedent(parts)
        return Template(line, [p for p in parts if p != ""])


def _dedent(parts: list[str | Expr]) -> list[str | Expr]:
    """``<<-``: remove the smallest indentation of the non-blank lines from every line."""
    text = "".join(p if isinstance(p, str) else "\0" for p in parts)
    indents = [len(ln) - len(ln.lstrip(" \t")) for ln in text.split("\n") if ln.strip(" \t")]
    cut = min(indents) if indents else 0
    if not cut:
        return parts
    out: list[str | Expr] = []
    at_line_start = True
    for p in parts:
        if isinstance(p, str):
            lines = p.split("\n")
            fixed = []
            for i, ln in enumerate(lines):
                if i > 0 or at_line_start:
                    ln = ln[min(cut, len(ln) - len(ln.lstrip(" \t"))):]
                fixed.append(ln)
            out.append("\n".join(fixed))
            at_line_start = p.endswith("\n")
        else:
            out.append(p)
            at_line_start = False
    return out


_ESCAPES = re.compile(r"\\(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)|\$\$\{|%%\{", re.S)
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        s = m.group(0)
        if s == "$${":
            return "${"
        if s == "%%{":
            return "%{"
        if s[1] in "uU":
            try:
                return chr(int(s[2:], 16))
            except (ValueError, OverflowError):
                return s
        return _SIMPLE.get(s[1], s)

    return _ESCAPES.sub(one, text)


def _number(text: str) -> int | float | str:
    try:
        if re.fullmatch(r"[0-9]{1,100}", text):
            return int(text)
        value = float(text)
        return value if value == value and abs(value) != float("inf") else text
    except ValueError:
        return text


def json_dumps(value: Any) -> str:
    """Terraform's ``jsonencode``: compact, keys sorted, ``<``, ``>`` and ``&`` escaped."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
