"""What a Terraform expression evaluates to: a known value, or unknown with what it came from.

Known values are plain Python (``str``, ``int``/``float``, ``bool``, ``None``, ``list``, ``dict``).
Everything else is one of the classes here, so a value is never guessed: a made-up string would
feed LA101's entropy test and LA103's "no source" check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lambda_advisor.sources.terraform import hcl


class EvalError(Exception):
    """Terraform would stop here (a wrong type, a missing key); the value is unknown to us."""


@dataclass(frozen=True)
class Unknown:
    """Known only after ``terraform apply`` (or from input we were not given)."""

    text: str
    #: What it came from: ``("var", name, sensitive)``, ``("attr", address, attribute)``, ``("data", address)``.
    refs: tuple[tuple[Any, ...], ...] = ()


@dataclass(frozen=True)
class Attr(Unknown):
    """An attribute Terraform computes for a resource instance (``aws_sqs_queue.jobs.arn``)."""

    address: str = ""
    attribute: str = ""


@dataclass(frozen=True)
class VarRef(Unknown):
    """An input variable with no value given: like a CloudFormation parameter with no default."""

    name: str = ""
    sensitive: bool = False


class RefText(str):
    """A known string read from another resource's argument (``aws_s3_bucket.b.bucket``): text to
    every function, and a reference to that resource where a value is exactly it."""

    address: str
    attribute: str

    def __new__(cls, text: str, address: str, attribute: str) -> RefText:
        out = super().__new__(cls, text)
        out.address = address
        out.attribute = attribute
        return out


class JsonString(str):
    """``jsonencode`` of a known value: the JSON text, and the value it encodes with the lines it
    was written on (a policy's statements keep their own lines)."""

    value: Any

    def __new__(cls, text: str, value: Any) -> JsonString:
        out = super().__new__(cls, text)
        out.value = value
        return out


@dataclass
class Partial:
    """A string with unknown pieces (``"arn:aws:s3:::${aws_s3_bucket.b.id}/*"``)."""

    parts: list[Any] = field(default_factory=list)  # str or Unknown

    @property
    def refs(self) -> tuple[tuple[Any, ...], ...]:
        return tuple(r for p in self.parts if isinstance(p, Unknown) for r in _own_refs(p))


@dataclass
class JsonText:
    """``jsonencode`` of a structure that holds unknown values: still a document we can read."""

    value: Any


@dataclass
class InstanceRef:
    """A resource, data source or module instance named in an expression; attributes read lazily."""

    kind: str  # "resource", "data" or "module"
    address: str
    owner: Any  # the evaluator of the module that declares it
    block: Any  # hcl.Block of the resource (None for modules)
    bindings: dict[str, Any] = field(default_factory=dict)  # each.key, each.value, count.index
    module: Any = None  # for modules: the child module's evaluator


def _own_refs(u: Unknown) -> tuple[tuple[Any, ...], ...]:
    if isinstance(u, Attr):
        return (("attr", u.address, u.attribute), *u.refs)
    if isinstance(u, VarRef):
        return (("var", u.name, u.sensitive), *u.refs)
    return u.refs


def refs_of(value: Any, depth: int = 0) -> tuple[tuple[Any, ...], ...]:
    """Every reference a value (or the unknown parts inside it) came from."""
    if depth > 50:
        return ()
    if isinstance(value, Unknown):
        return _own_refs(value)
    if isinstance(value, Partial):
        return value.refs
    if isinstance(value, JsonText):
        return refs_of(value.value, depth + 1)
    if isinstance(value, list):
        return tuple(r for v in value for r in refs_of(v, depth + 1))
    if isinstance(value, dict):
        return tuple(r for v in value.values() for r in refs_of(v, depth + 1))
    return ()


def is_known(value: Any, depth: int = 0) -> bool:
    """True when nothing inside the value is unknown."""
    if depth > 50:
        return False
    if isinstance(value, Unknown | Partial | JsonText | InstanceRef):
        return False
    if isinstance(value, list):
        return all(is_known(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(is_known(v, depth + 1) for v in value.values())
    return True


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str | Partial):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "unknown"


# -- conversions Terraform makes ---------------------------------------------------------------


def decode_partial(p: Partial) -> Any:
    """``jsondecode`` (or a heredoc policy) of a string with unknown pieces: each piece becomes a
    token, the JSON is read, and strings holding tokens become :class:`Partial` again."""
    import json

    tokens: dict[str, Any] = {}
    text = []
    for i, part in enumerate(p.parts):
        if isinstance(part, str):
            text.append(part)
        else:
            token = f"\u0001LA{i}\u0002"
            tokens[token] = part
            text.append(token)
    try:
        data = json.loads("".join(text), strict=False)
    except ValueError as exc:
        raise EvalError(f"not valid JSON: {exc}") from None

    def back(v: Any, depth: int = 0) -> Any:
        if depth > 60:
            raise EvalError("nested too deep")
        if isinstance(v, str) and "\u0001LA" in v:
            pieces: list[Any] = []
            rest = v
            while rest:
                start = rest.find("\u0001LA")
                if start < 0:
                    pieces.append(rest)
                    break
                end = rest.find("\u0002", start)
                if start:
                    pieces.append(rest[:start])
                pieces.append(tokens.get(rest[start:end + 1], Unknown("?")))
                rest = rest[end + 1:]
            return pieces[0] if len(pieces) == 1 and not isinstance(pieces[0], str) else Partial(pieces)
        if isinstance(v, list):
            return [back(x, depth + 1) for x in v]
        if isinstance(v, dict):
            return {back(k, depth + 1) if isinstance(k, str) and "\u0001" not in k else k: back(x, depth + 1)
                    for k, x in v.items()}
        return v

    return back(data)


def convert_declared(value: Any, type_attr: hcl.Attribute | None) -> Any:
    """tfvars give strings; a variable's declared type says what Terraform makes of them."""
    if type_attr is None or not isinstance(type_attr.expr, hcl.Var):
        return value
    kind = type_attr.expr.name
    if kind == "number" and isinstance(value, str):
        try:
            return number(value)
        except EvalError:
            return value
    if kind == "bool" and value in ("true", "false"):
        return value == "true"
    if kind == "string" and isinstance(value, bool):
        return "true" if value else "false"
    if kind == "string" and isinstance(value, int | float):
        return num_key(value)
    return value


def pairs(coll: Any) -> list[tuple[Any, Any]]:
    if isinstance(coll, dict):
        return list(coll.items())
    return list(enumerate(coll))


def number(v: Any) -> int | float:
    if isinstance(v, bool):
        raise EvalError("a number is required, not a bool")
    if isinstance(v, int | float):
        return v
    if isinstance(v, str):
        try:
            f = float(v)
        except ValueError:
            raise EvalError(f"{v!r} is not a number") from None
        if f != f or f in (float("inf"), float("-inf")):
            raise EvalError("not a finite number")
        return int(f) if f.is_integer() and abs(f) < 1e15 else f
    raise EvalError("a number is required")


def num_key(v: int | float) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)


def text_of(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return num_key(v)
    return str(v)


def equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b if isinstance(a, bool) and isinstance(b, bool) else False
    return bool(a == b)


def key_text(key: Any) -> str:
    if isinstance(key, int) and not isinstance(key, bool):
        return f"[{key}]"
    if key == "*":
        return "[*]"
    return "[" + quote(str(key)) + "]"


def quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
