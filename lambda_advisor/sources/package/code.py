"""Facts from source code, read as text and never run.

* Python goes through :mod:`ast`: boto3 ``invoke``/``invoke_async`` on a Lambda
  client, SDK clients and database connections created inside a function, and
  imports of web frameworks and their Lambda adapters.
* JavaScript/TypeScript, Java/Kotlin, Go and C# go through line-oriented
  regular expressions (comments stripped): the SDK's invoke calls, and for
  JavaScript the clients created inside an exported handler (heuristic: the
  brace-delimited body of ``exports.<name> =`` / ``export const|function <name>``).
* Dependency manifests (``package.json``, ``requirements.txt``, ``pom.xml``,
  ``build.gradle``) name the frameworks a package depends on.

Every fact is a *code site*: ``{"path", "line", "language", "call", "target", "name"}``.
"""

from __future__ import annotations

import ast
import bisect
import re
import time
from typing import Any

Site = dict[str, Any]

LANGUAGES = {
    ".py": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "typescript",
    ".java": "java", ".kt": "kotlin", ".go": "go", ".cs": "csharp",
}
MANIFESTS = {"package.json", "requirements.txt", "pom.xml", "build.gradle", "build.gradle.kts", "pyproject.toml"}

#: Canonical framework names; adapters are what put a web framework behind a Lambda handler.
FRAMEWORKS = {"express", "koa", "fastify", "nestjs", "hapi", "flask", "fastapi", "django", "starlette",
              "spring-boot"}
ADAPTERS = {"serverless-http", "aws-serverless-express", "serverless-express", "mangum", "serverless-wsgi",
            "awsgi", "apig-wsgi", "aws-serverless-java-container", "fastify-aws-lambda"}

_PY_MODULES = {
    "flask": "flask", "fastapi": "fastapi", "django": "django", "starlette": "starlette",
    "mangum": "mangum", "serverless_wsgi": "serverless-wsgi", "awsgi": "awsgi", "aws_wsgi": "awsgi",
    "apig_wsgi": "apig-wsgi",
}
_JS_MODULES = {
    "express": "express", "koa": "koa", "fastify": "fastify", "@nestjs/core": "nestjs",
    "@hapi/hapi": "hapi", "hapi": "hapi", "serverless-http": "serverless-http",
    "aws-serverless-express": "aws-serverless-express", "@vendia/serverless-express": "serverless-express",
    "@codegenie/serverless-express": "serverless-express", "@fastify/aws-lambda": "fastify-aws-lambda",
    "aws-lambda-fastify": "fastify-aws-lambda",
}
_PY_REQUIREMENTS = {"flask": "flask", "fastapi": "fastapi", "django": "django", "mangum": "mangum",
                    "serverless-wsgi": "serverless-wsgi", "aws-wsgi": "awsgi", "apig-wsgi": "apig-wsgi"}

# Python callees that open a client or a connection.
_PY_CONNECTORS = {
    "boto3.client", "boto3.resource", "boto3.Session", "boto3.session.Session", "aioboto3.Session",
    "psycopg2.connect", "psycopg.connect", "pymysql.connect", "mysql.connector.connect", "pg8000.connect",
    "asyncpg.connect", "asyncpg.create_pool", "aiomysql.connect", "cx_Oracle.connect", "oracledb.connect",
    "pyodbc.connect", "sqlite3.connect", "redis.Redis", "redis.StrictRedis", "redis.from_url",
    "pymongo.MongoClient", "MongoClient", "motor.motor_asyncio.AsyncIOMotorClient", "create_engine",
    "sqlalchemy.create_engine", "Elasticsearch", "elasticsearch.Elasticsearch", "OpenSearch",
    "opensearchpy.OpenSearch", "Redis", "StrictRedis",
}


#: What a handler that reports partial batch failures writes: the response key (Python, JavaScript, Go
#: and .NET spell it batchItemFailures / BatchItemFailures), the Java event library's response types,
#: or the Powertools batch utility's entry point.
_PARTIAL_BATCH = re.compile(rb"[bB]atchItemFailures|SQSBatchResponse|StreamsEventResponse"
                            rb"|process_partial_response|processPartialResponse")


def language_of(path: str) -> str | None:
    lower = path.lower()
    if lower.endswith((".d.ts", ".min.js")):
        return None
    dot = lower.rfind(".")
    return LANGUAGES.get(lower[dot:]) if dot >= 0 else None


class Findings:
    """What the code scan of one package found."""

    def __init__(self) -> None:
        self.invoke_calls: list[Site] = []
        self.frameworks: list[Site] = []
        #: clients/connections created inside any function; filtered later by the handler name
        self.function_clients: list[Site] = []
        #: code that builds a partial batch response (``batchItemFailures``), one site per file
        self.partial_batch_responses: list[Site] = []
        #: files not scanned, or not to the end, and why (for the package's notices)
        self.notices: list[str] = []


#: The largest source file scanned; a bigger one is named in a notice (a package's budget decides first).
MAX_SOURCE_BYTES = 512 << 10
#: Seconds one file may take. Every pattern is linear, so a real file takes milliseconds; this is the
#: guard that turns a slow case no one foresaw into a notice naming the file instead of a stuck gate.
SOURCE_SECONDS = 5.0


class _OutOfTime(Exception):
    pass


class _Clock:
    """The deadline of one file's scan, checked between phases and inside every loop over matches."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise _OutOfTime


def scan_source(path: str, data: bytes, out: Findings, *, max_bytes: int = MAX_SOURCE_BYTES,
                seconds: float = SOURCE_SECONDS) -> None:
    """Scan one source file's bytes: at most ``max_bytes``, for at most ``seconds``.

    What a file over either budget would have shown is missing, and a notice names the file.
    """
    if len(data) > max_bytes:
        out.notices.append(f"{path}: source file over {max_bytes} bytes, not scanned")
        return
    clock = _Clock(seconds)
    try:
        _scan_source(path, data, out, clock)
    except _OutOfTime:
        out.notices.append(f"{path}: code inspection stopped after {seconds:g} s (the time budget of one file); "
                           "what the rest of the file would have shown is missing")


def _scan_source(path: str, data: bytes, out: Findings, clock: _Clock) -> None:
    base = path.rsplit("/", 1)[-1]
    if base in MANIFESTS:
        _scan_manifest(path, base, data.decode("utf-8", "replace"), out)
        return
    language = language_of(path)
    if language is None:
        return
    marker = _PARTIAL_BATCH.search(data)
    if marker is not None:
        out.partial_batch_responses.append(_site(path, data.count(b"\n", 0, marker.start()) + 1, language,
                                                 marker.group(0).decode(), None, None))
    if language == "python":
        _scan_python(path, data, out, clock)
        return
    text = data.decode("utf-8", "replace")
    if language in ("javascript", "typescript"):
        _scan_js(path, language, text, out, clock)
    else:
        _scan_regex(path, language, text, out, clock)


# --- Python --------------------------------------------------------------------------------------

def _dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    if isinstance(node, ast.Call):
        inner = _dotted(node.func)
        if inner is not None:
            parts.append(inner + "()")
            return ".".join(reversed(parts))
    return None


def _short(node: ast.AST, limit: int = 80) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every parsed node
        return "?"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_lambda_client_call(node: ast.AST) -> bool:
    """``boto3.client("lambda")``, ``session.client(service_name="lambda")`` and the like."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "client"):
        return False
    service: ast.AST | None = node.args[0] if node.args else None
    for kw in node.keywords:
        if kw.arg == "service_name":
            service = kw.value
    return isinstance(service, ast.Constant) and service.value == "lambda"


def _is_connector(node: ast.Call) -> str | None:
    name = _dotted(node.func)
    if name is None:
        return None
    if name in _PY_CONNECTORS:
        return name
    if isinstance(node.func, ast.Attribute) and node.func.attr in ("client", "resource"):
        base = (_dotted(node.func.value) or "").lower()
        if "boto3" in base or "session" in base:
            return name
    return None


_PY_FRAMEWORK_BYTES = re.compile(rb"\b(?:" + "|".join(_PY_MODULES).encode() + rb")\b")
_PY_CONNECT_BYTES = re.compile(rb"client|resource|connect|Session|MongoClient|create_engine|Redis|"
                               rb"Elasticsearch|OpenSearch|create_pool|AsyncIOMotorClient")


def _scan_python(path: str, data: bytes, out: Findings, clock: _Clock) -> None:
    """One parse; each analysis walks only when the bytes say it could find something."""
    want_invoke = b"invoke" in data
    want_imports = _PY_FRAMEWORK_BYTES.search(data) is not None
    first_def = data.find(b"def ")  # a client made before any function is a module-level one
    want_clients = first_def >= 0 and _PY_CONNECT_BYTES.search(data, first_def) is not None
    if not (want_invoke or want_imports or want_clients):
        return
    try:
        tree = ast.parse(data, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    clock.check()
    if want_invoke or want_imports:
        _python_module_facts(path, tree, out, want_invoke=want_invoke, want_imports=want_imports)
    if want_clients:
        lines = data.split(b"\n")
        for top in tree.body:
            if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef)):
                clock.check()
                body = b"\n".join(lines[top.lineno - 1:top.end_lineno or len(lines)])
                if _PY_CONNECT_BYTES.search(body):
                    _python_function_clients(path, top, out)


def _python_module_facts(path: str, tree: ast.Module, out: Findings, *, want_invoke: bool,
                         want_imports: bool) -> None:
    lambda_names: set[str] = set()
    candidates: list[ast.Call] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if want_invoke and isinstance(node.func, ast.Attribute) and node.func.attr in ("invoke", "invoke_async"):
                candidates.append(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            if want_invoke and node.value is not None and _is_lambda_client_call(node.value):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        lambda_names.add(t.id)
                    elif isinstance(t, ast.Attribute):
                        lambda_names.add(t.attr)
        elif isinstance(node, ast.withitem):
            if want_invoke and _is_lambda_client_call(node.context_expr) and isinstance(node.optional_vars, ast.Name):
                lambda_names.add(node.optional_vars.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and want_imports:
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for module in modules:
                canonical = _PY_MODULES.get(module.split(".")[0])
                if canonical:
                    call = f"import {module}" if isinstance(node, ast.Import) else f"from {module} import …"
                    out.frameworks.append(_site(path, node.lineno, "python", call, None, canonical))
    for node in candidates:
        assert isinstance(node.func, ast.Attribute)
        receiver = node.func.value
        rname = receiver.id if isinstance(receiver, ast.Name) else (
            receiver.attr if isinstance(receiver, ast.Attribute) else None)
        if not (_is_lambda_client_call(receiver) or rname in lambda_names
                or (rname is not None and "lambda" in rname.lower())):
            continue
        target = None
        for kw in node.keywords:
            if kw.arg == "FunctionName":
                target = kw.value.value if isinstance(kw.value, ast.Constant) else _short(kw.value)
        out.invoke_calls.append(_site(path, node.lineno, "python", f"{_short(node.func)}()",
                                      None if target is None else str(target), None))


def _python_function_clients(path: str, func: ast.FunctionDef | ast.AsyncFunctionDef, out: Findings) -> None:
    globals_: set[str] = set()
    assigns: list[ast.Assign] = []
    calls: list[tuple[ast.Call, str]] = []
    for node in ast.walk(func):
        if isinstance(node, ast.Call):
            name = _is_connector(node)
            if name is not None:
                calls.append((node, name))
        elif isinstance(node, ast.Assign):
            assigns.append(node)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            globals_.update(node.names)
    if not calls:
        return
    lazy: set[int] = set()  # calls assigned to a global: created once, reused (lazy init)
    for node in assigns:
        if any(isinstance(t, ast.Name) and t.id in globals_ for t in node.targets):
            lazy.update(id(n) for n in ast.walk(node.value) if isinstance(n, ast.Call))
    for call, _ in calls:
        if id(call) not in lazy and not _per_call_credentials(call):
            out.function_clients.append(_site(path, call.lineno, "python", _short(call), None, func.name))


#: Keyword arguments that hand a client credentials of its own (an assumed role's, which expire).
_CREDENTIAL_ARGS = {"aws_access_key_id", "aws_secret_access_key", "aws_session_token"}


def _per_call_credentials(call: ast.Call) -> bool:
    """A client made with credentials obtained in the handler (``sts.assume_role``): it belongs there."""
    return any(k.arg in _CREDENTIAL_ARGS for k in call.keywords)


# --- JavaScript / TypeScript ---------------------------------------------------------------------
#
# Every pattern here runs over code from the package under review, so each is linear in the text's
# size: no unbounded quantifier nested in another or beside one over the same characters, and the
# patterns that look ahead of a match (a call's target, a handler's body) read a bounded window.
# tests/test_hostile_code.py feeds each of them a megabyte of text built to make it backtrack.

_LINE_COMMENT = re.compile(r"(?m)(?<![:\\])//.*$")
_JS_INVOKE = re.compile(
    r"new\s+(?:InvokeCommand|InvokeAsyncCommand|InvokeWithResponseStreamCommand)\s*\("
    r"|\b(?P<recv>\w+)\s*\.\s*invoke(?:Async)?\s*\(", re.I)
_JS_IMPORT = re.compile(
    r"""(?:require\s*\(\s*|\bfrom\s+|\bimport\s+|import\s*\(\s*)['"]([@\w./-]+)['"]""")
_JS_HANDLER = re.compile(
    r"(?m)^[ \t]*(?:export\s+(?:const|let|var|async\s+function\*?|function\*?)\s+(\w+)"
    r"|(?:module\.)?exports\.(\w+)\s*=)")
_JS_CLIENT = re.compile(
    r"new\s+(?:AWS\.[\w.]+|[\w.]*Client|Pool|Sequelize|Redis|Knex)\s*\("
    r"|\b(?:\w+\.)?(?:createConnection|createPool|createClient)\s*\("
    r"|\bMongoClient\.connect\s*\(|\bmongoose\.connect\s*\(")
_TARGET = re.compile(
    r"""FunctionName\s*[:=]\s*(?:aws\.String\(\s*)?(?:(['"`])([^'"`\n]{1,200})\1|([\w.$\[\]'"]{1,120}))"""
    r"""|[Ff]unctionName\(\s*"([^"\n]{1,200})"\s*\)""")
#: How far past a match the patterns that look ahead read (a call's target, a handler's parameters).
_WINDOW = 600
#: Client sites one file may report: enough for any real handler, a bound for a file of nested ones.
_MAX_SITES = 200


def _strip_comments(text: str) -> str:
    """Block comments become their line breaks and line comments go, in one pass over the text."""
    parts: list[str] = []
    pos = 0
    while True:
        start = text.find("/*", pos)
        if start < 0:
            break
        end = text.find("*/", start + 2)
        stop = len(text) if end < 0 else end + 2
        parts += [text[pos:start], "\n" * text.count("\n", start, stop)]
        pos = stop
    parts.append(text[pos:])
    return _LINE_COMMENT.sub("", "".join(parts))


class _Lines:
    """Line numbers of positions in one text: its line breaks are found once, then each look-up bisects."""

    def __init__(self, text: str) -> None:
        self._breaks = [m.start() for m in _NEWLINE.finditer(text)]

    def at(self, pos: int) -> int:
        return bisect.bisect_left(self._breaks, pos) + 1


_NEWLINE = re.compile("\n")


def _target(text: str, pos: int) -> str | None:
    m = _TARGET.search(text, pos, pos + _WINDOW)
    if m is None:
        return None
    return m.group(2) or m.group(3) or m.group(4)


def _calls_lambda(m: re.Match[str], ignore_case: bool) -> bool:
    """A ``<receiver>.invoke(`` match counts when the receiver's name says it is a Lambda client."""
    receiver = m.groupdict().get("recv")
    if receiver is None:
        return True
    return "lambda" in receiver.lower() if ignore_case else ("lambda" in receiver or "Lambda" in receiver)


def _scan_js(path: str, language: str, raw: str, out: Findings, clock: _Clock) -> None:
    text = _strip_comments(raw)
    lines = _Lines(text)
    clock.check()
    _regex_invokes(path, language, text, lines, _JS_INVOKE, out, clock)
    found = 0
    for m in _JS_IMPORT.finditer(text):
        clock.check()
        canonical = _JS_MODULES.get(m.group(1))
        if canonical and found < _MAX_SITES:
            found += 1
            call = m.group(0) + (")" if m.group(0).startswith(("require", "import(")) else "")
            out.frameworks.append(_site(path, lines.at(m.start()), language, call, None, canonical))
    clock.check()
    handlers = list(_JS_HANDLER.finditer(text))
    if not handlers:
        return
    clock.check()
    clients = list(_JS_CLIENT.finditer(text))
    if not clients:
        return
    starts = [c.start() for c in clients]
    clock.check()
    closes = _brackets(text)
    sites = 0
    for m in handlers:
        clock.check()
        body = _brace_body(text, m.end(), closes)
        if body is None:
            continue
        name = m.group(1) or m.group(2)
        for c in clients[bisect.bisect_left(starts, body[0]):bisect.bisect_left(starts, body[1])]:
            if sites >= _MAX_SITES:
                return
            sites += 1
            out.function_clients.append(_site(path, lines.at(c.start()), language,
                                              c.group(0).rstrip("( "), None, name))


def _brace_body(text: str, pos: int, closes: dict[int, int]) -> tuple[int, int] | None:
    """The body of the function defined at ``pos``: after its parameter list, ``=>`` and ``{``.

    Heuristic: strings are skipped when matching braces; a handler that is not a
    function literal (``exports.handler = serverless(app)``) has no body.
    """
    paren = text.find("(", pos, pos + 300)
    if paren < 0 or ";" in text[pos:paren] or "\n\n" in text[pos:paren]:
        return None
    close = closes.get(paren)
    if close is None:
        return None
    window = text[close + 1:close + 1 + _WINDOW]
    brace = window.find("{")
    if brace < 0 or not _leads_to_body(window[:brace]):
        return None
    open_at = close + 1 + brace
    return open_at, closes.get(open_at, len(text))


def _leads_to_body(between: str) -> bool:
    """What may stand between a parameter list and its body: ``: ReturnType`` (120 characters), ``=>``."""
    between = between.strip()
    if between.endswith("=>"):
        between = between[:-2].rstrip()
    return not between or (between.startswith(":") and len(between) <= 121
                           and not any(c in between for c in "={;"))


_BRACKET = re.compile(r"""\\.|['"`(){}\n]""", re.S)


def _brackets(text: str) -> dict[int, int]:
    """Where each ``(`` and ``{`` outside a string closes, found in one pass (each kind counted apart).

    Quotes ``'`` and ``"`` end at a line break, as JavaScript strings do; template literals may span lines.
    """
    closes: dict[int, int] = {}
    stacks: dict[str, list[int]] = {"(": [], "{": []}
    pairs = {")": "(", "}": "{"}
    quote = ""
    for m in _BRACKET.finditer(text):
        ch = m.group(0)
        if len(ch) == 2:  # an escaped character: never a quote or a bracket
            continue
        if quote:
            if ch == quote or (ch == "\n" and quote != "`"):
                quote = ""
        elif ch in "'\"`":
            quote = ch
        elif ch in stacks:
            stacks[ch].append(m.start())
        elif ch in pairs and stacks[pairs[ch]]:
            closes[stacks[pairs[ch]].pop()] = m.start()
    return closes


# --- Java, Kotlin, Go, C# ------------------------------------------------------------------------

_INVOKES = {
    "java": re.compile(r"\bInvokeRequest\s*\.\s*builder\s*\(|new\s+InvokeRequest\s*\("
                       r"|\b(?P<recv>\w+)\s*\.\s*invoke(?:Async)?\s*\("),
    "go": re.compile(r"\b\w+\.InvokeInput\s*\{|\b(?P<recv>\w+)\s*\.\s*Invoke(?:WithContext|Async)?\s*\("),
    "csharp": re.compile(r"new\s+InvokeRequest\b|\b(?P<recv>\w+)\s*\.\s*Invoke(?:Async)?\s*\("),
}
_INVOKES["kotlin"] = _INVOKES["java"]
_SPRING = re.compile(r"\bimport\s+org\.springframework\.boot\b|@SpringBootApplication\b"
                     r"|\bSpringBootLambdaContainerHandler\b|\bSpringBootRequestHandler\b")


def _scan_regex(path: str, language: str, raw: str, out: Findings, clock: _Clock) -> None:
    text = _strip_comments(raw)
    lines = _Lines(text)
    pattern = _INVOKES.get(language)
    if pattern is not None:
        _regex_invokes(path, language, text, lines, pattern, out, clock)
    clock.check()
    if language in ("java", "kotlin"):
        m = _SPRING.search(text)
        if m:
            out.frameworks.append(_site(path, lines.at(m.start()), language, m.group(0), None, "spring-boot"))
            if "ContainerHandler" in text:
                out.frameworks.append(_site(path, lines.at(m.start()), language,
                                            "SpringBootLambdaContainerHandler", None,
                                            "aws-serverless-java-container"))


def _regex_invokes(path: str, language: str, text: str, lines: _Lines, pattern: re.Pattern[str],
                   out: Findings, clock: _Clock) -> None:
    last_line = -100
    found = 0
    ignore_case = bool(pattern.flags & re.I)
    for m in pattern.finditer(text):
        clock.check()
        if not _calls_lambda(m, ignore_case):
            continue
        line = lines.at(m.start())
        if line - last_line <= 8:  # building the request and sending it is one call
            continue
        last_line = line
        found += 1
        if found > _MAX_SITES:
            return
        out.invoke_calls.append(_site(path, line, language, m.group(0).rstrip("({ ").strip(),
                                      _target(text, m.start()), None))


# --- manifests -----------------------------------------------------------------------------------

_REQ_LINE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _scan_manifest(path: str, base: str, text: str, out: Findings) -> None:
    lines = text.splitlines()
    if base == "package.json":
        for i, line in enumerate(lines, 1):
            m = re.match(r'\s*"([@\w./-]+)"\s*:\s*"', line)
            if m and m.group(1) in _JS_MODULES:
                out.frameworks.append(_site(path, i, "json", line.strip().rstrip(","), None, _JS_MODULES[m.group(1)]))
    elif base in ("requirements.txt", "pyproject.toml"):
        for i, line in enumerate(lines, 1):
            m = _REQ_LINE.match(line.replace('"', " ").replace("'", " "))
            name = m.group(1).lower().replace("_", "-") if m else ""
            if name in _PY_REQUIREMENTS and (base == "requirements.txt" or "=" not in line.split(name)[0]):
                out.frameworks.append(_site(path, i, "text", line.strip(), None, _PY_REQUIREMENTS[name]))
    else:  # pom.xml, build.gradle
        for i, line in enumerate(lines, 1):
            if "spring-boot" in line and "plugin" not in line:
                out.frameworks.append(_site(path, i, "text", line.strip(), None, "spring-boot"))
                break


def _site(path: str, line: int, language: str | None, call: str | None, target: str | None,
          name: str | None) -> Site:
    return {"path": path, "line": line, "language": language, "call": call, "target": target, "name": name}
