"""Terraform's built-in functions, for the values they give on known input.

Each takes evaluated arguments; any unknown argument makes the result unknown (the caller
handles that before calling, except for the few functions below that are lenient by nature:
``try``, ``can``, ``coalesce``, ``merge`` and ``concat`` keep what they can). A function this table
does not know gives an unknown value, never a guess. ``file`` and ``templatefile`` live in the
evaluator, which knows the module's folder and the scanned roots.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from lambda_advisor.sources.terraform.hcl import json_dumps
from lambda_advisor.sources.terraform.values import JsonString, JsonText, is_known, num_key, number


class FunctionError(Exception):
    """The call is wrong for its arguments (Terraform would stop with an error)."""


def _str(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return num_key(v)
    if isinstance(v, str):
        return v
    raise FunctionError(f"a string is required, not {type(v).__name__}")


def _list(v: Any) -> list[Any]:
    if isinstance(v, list):
        return v
    raise FunctionError("a list is required")


def _map(v: Any) -> dict[str, Any]:
    if isinstance(v, dict):
        return v
    raise FunctionError("a map is required")


def _format(fmt: str, *args: Any) -> str:
    """``format``'s common verbs: %s %d %v %q %f %t and %%."""
    out: list[str] = []
    it = iter(args)
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        m = re.match(r"%([-+ #0]*)(\d*)(?:\.(\d+))?([sdvqftbxXoe%])", fmt[i:])
        if not m:
            raise FunctionError("unsupported format verb")
        verb = m.group(4)
        i += m.end()
        if verb == "%":
            out.append("%")
            continue
        try:
            arg = next(it)
        except StopIteration:
            raise FunctionError("too few arguments for format") from None
        if verb == "q":
            out.append(json.dumps(_str(arg)))
        elif verb in "dxXob":
            n = int(number(arg))
            flags, width = m.group(1), min(int(m.group(2) or 0), 64)
            spec = ("-" if "-" in flags else "") + ("0" if "0" in flags and "-" not in flags else "") + \
                (str(width) if width else "")
            out.append(format(n, (spec.replace("-", "<") if "-" in spec else spec) + verb.replace("d", "d")))
        elif verb in "fe":
            prec = int(m.group(3)) if m.group(3) else 6
            out.append(f"{float(number(arg)):.{prec}{verb}}")
        elif verb == "t":
            out.append("true" if arg is True else "false")
        elif verb == "v" and not isinstance(arg, str | int | float | bool):
            out.append(json_dumps(arg))
        else:
            text = _str(arg)
            width = int(m.group(2)) if m.group(2) else 0
            out.append(text.ljust(width) if "-" in m.group(1) else text.rjust(width))
    return "".join(out)


def _merge(*maps: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in maps:
        if m is None:
            continue
        out.update(_map(m))
    return out


def _flatten(v: Any, depth: int = 0) -> list[Any]:
    if depth > 50:
        raise FunctionError("nested too deep")
    out: list[Any] = []
    for x in _list(v):
        out.extend(_flatten(x, depth + 1) if isinstance(x, list) else [x])
    return out


def _lookup(m: Any, key: Any, *default: Any) -> Any:
    m = _map(m)
    k = _str(key)
    if k in m:
        return m[k]
    if default:
        return default[0]
    raise FunctionError(f"no key {k!r} in the map and no default")


def _element(lst: Any, idx: Any) -> Any:
    lst = _list(lst)
    if not lst:
        raise FunctionError("element of an empty list")
    return lst[int(number(idx)) % len(lst)]


def _distinct(lst: Any) -> list[Any]:
    out: list[Any] = []
    for x in _list(lst):
        if x not in out:
            out.append(x)
    return out


def _slice(lst: Any, a: Any, b: Any) -> list[Any]:
    return _list(lst)[int(number(a)):int(number(b))]


def _jsondecode(text: Any) -> Any:
    try:
        return json.loads(_str(text))
    except ValueError as exc:
        raise FunctionError(f"not valid JSON: {exc}") from None


def _jsonencode(value: Any) -> Any:
    if not is_known(value):
        return JsonText(value)
    return JsonString(json_dumps(value), value)


def _one(lst: Any) -> Any:
    lst = _list(lst)
    if len(lst) > 1:
        raise FunctionError("one() of more than one element")
    return lst[0] if lst else None


def _range(*args: Any) -> list[Any]:
    nums = [number(a) for a in args]
    start, stop, step = (0, nums[0], 1) if len(nums) == 1 else (nums[0], nums[1], nums[2] if len(nums) > 2 else 1)
    if step == 0 or abs((stop - start) / step) > 1024:
        raise FunctionError("range too large")
    out: list[Any] = []
    x = start
    while (step > 0 and x < stop) or (step < 0 and x > stop):
        out.append(x)
        x += step
    return out


def _replace(s: Any, old: Any, new: Any) -> str:
    s, old, new = _str(s), _str(old), _str(new)
    if len(old) > 2 and old.startswith("/") and old.endswith("/"):
        raise FunctionError("regular-expression replace is not evaluated")
    return s.replace(old, new)


def _tostring(v: Any) -> Any:
    if v is None:
        return None
    return _str(v)


def _tobool(v: Any) -> Any:
    if v is None or isinstance(v, bool):
        return v
    if v in ("true", "false"):
        return v == "true"
    raise FunctionError("not a bool")


def _zipmap(keys: Any, values: Any) -> dict[str, Any]:
    return {_str(k): v for k, v in zip(_list(keys), _list(values), strict=False)}


def _coalescelist(*lists: Any) -> list[Any]:
    for lst in lists:
        if _list(lst):
            return list(lst)
    return []


def _setop(kind: str) -> Callable[..., list[Any]]:
    def run(*lists: Any) -> list[Any]:
        sets = [_list(x) for x in lists]
        if not sets:
            return []
        out = list(sets[0])
        for other in sets[1:]:
            if kind == "union":
                out += [x for x in other if x not in out]
            elif kind == "intersection":
                out = [x for x in out if x in other]
            else:
                out = [x for x in out if x not in other]
        return _distinct(out)
    return run


#: name -> (function, minimum arguments, maximum arguments or None)
FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int | None]] = {
    "abs": (lambda x: abs(number(x)), 1, 1),
    "ceil": (lambda x: math.ceil(number(x)), 1, 1),
    "floor": (lambda x: math.floor(number(x)), 1, 1),
    "max": (lambda *a: max(number(x) for x in a), 1, None),
    "min": (lambda *a: min(number(x) for x in a), 1, None),
    "parseint": (lambda s, b: int(_str(s), int(number(b))), 2, 2),
    "chomp": (lambda s: _str(s).rstrip("\r\n"), 1, 1),
    "format": (lambda f, *a: _format(_str(f), *a), 1, None),
    "formatlist": (lambda f, *a: [_format(_str(f), *row) for row in zip(*(_list(x) for x in a), strict=False)],
                   1, None),
    "join": (lambda sep, *lists: _str(sep).join(_str(x) for lst in lists for x in _list(lst) if x is not None),
             2, None),
    "lower": (lambda s: _str(s).lower(), 1, 1),
    "upper": (lambda s: _str(s).upper(), 1, 1),
    "title": (lambda s: _str(s).title(), 1, 1),
    "replace": (_replace, 3, 3),
    "split": (lambda sep, s: _str(s).split(_str(sep)) if _str(sep) else list(_str(s)), 2, 2),
    "substr": (lambda s, o, n: _str(s)[int(number(o)):] if int(number(n)) < 0
               else _str(s)[int(number(o)):int(number(o)) + int(number(n))], 3, 3),
    "trim": (lambda s, c: _str(s).strip(_str(c)), 2, 2),
    "trimspace": (lambda s: _str(s).strip(), 1, 1),
    "trimprefix": (lambda s, p: _str(s).removeprefix(_str(p)), 2, 2),
    "trimsuffix": (lambda s, p: _str(s).removesuffix(_str(p)), 2, 2),
    "startswith": (lambda s, p: _str(s).startswith(_str(p)), 2, 2),
    "endswith": (lambda s, p: _str(s).endswith(_str(p)), 2, 2),
    "strcontains": (lambda s, p: _str(p) in _str(s), 2, 2),
    "alltrue": (lambda lst: all(x is True or x == "true" for x in _list(lst)), 1, 1),
    "anytrue": (lambda lst: any(x is True or x == "true" for x in _list(lst)), 1, 1),
    "compact": (lambda lst: [x for x in _list(lst) if x not in (None, "")], 1, 1),
    "concat": (lambda *lists: [x for lst in lists for x in _list(lst)], 1, None),
    "contains": (lambda lst, v: v in _list(lst), 2, 2),
    "distinct": (_distinct, 1, 1),
    "element": (_element, 2, 2),
    "flatten": (_flatten, 1, 1),
    "index": (lambda lst, v: _list(lst).index(v), 2, 2),
    "keys": (lambda m: sorted(_map(m)), 1, 1),
    "values": (lambda m: [_map(m)[k] for k in sorted(_map(m))], 1, 1),
    "length": (lambda v: len(v) if isinstance(v, list | dict | str) else _fail("length of a " + type(v).__name__),
               1, 1),
    "lookup": (_lookup, 2, 3),
    "merge": (_merge, 0, None),
    "one": (_one, 1, 1),
    "range": (_range, 1, 3),
    "reverse": (lambda lst: list(reversed(_list(lst))), 1, 1),
    "slice": (_slice, 3, 3),
    "sort": (lambda lst: sorted(_str(x) for x in _list(lst)), 1, 1),
    "zipmap": (_zipmap, 2, 2),
    "coalescelist": (_coalescelist, 1, None),
    "setunion": (_setop("union"), 1, None),
    "setintersection": (_setop("intersection"), 1, None),
    "setsubtract": (_setop("subtract"), 2, 2),
    "tolist": (lambda v: list(_list(v)), 1, 1),
    "toset": (lambda v: _distinct(v), 1, 1),
    "tomap": (lambda v: dict(_map(v)), 1, 1),
    "tostring": (_tostring, 1, 1),
    "tonumber": (lambda v: None if v is None else number(v), 1, 1),
    "tobool": (_tobool, 1, 1),
    "jsonencode": (_jsonencode, 1, 1),
    "jsondecode": (_jsondecode, 1, 1),
    "basename": (lambda p: _str(p).rstrip("/").rsplit("/", 1)[-1], 1, 1),
    "dirname": (lambda p: _str(p).rstrip("/").rsplit("/", 1)[0] if "/" in _str(p) else ".", 1, 1),
}


def _fail(message: str) -> Any:
    raise FunctionError(message)
