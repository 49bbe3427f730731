"""Cold starts: Java/.NET without SnapStart or provisioned concurrency (LA505), SnapStart that
cannot take effect (LA510).

LA505 speaks only when the runtime, ``snap_start`` and ``provisioned_concurrency`` are all
known; live audits, which do not read provisioned concurrency, stay silent. A function fed only
by queues, streams or asynchronous events has no caller waiting on its cold start: silent too. Functions on
Lambda Managed Instances have no on-demand cold starts to mitigate: neither rule speaks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lambda_advisor.checks import Context, Document, Hit

_JAVA = re.compile(r"^java(\d+)")
_DOTNET = re.compile(r"^dotnet(?:core)?(\d+)")
#: SnapStart's runtimes: Java 11 and later, Python 3.12 and later, .NET 8 and later (managed runtimes,
#: zip packages).
SNAPSTART_MIN = {"Java": 11, ".NET": 8}
_PYTHON = re.compile(r"^python3\.(\d+)$")
SNAPSTART_MIN_PYTHON = 12
#: SnapStart does not work with ephemeral storage above this.
SNAPSTART_MAX_STORAGE_MB = 512


def _language(runtime: str) -> tuple[str, int] | None:
    for pattern, language in ((_JAVA, "Java"), (_DOTNET, ".NET")):
        m = pattern.match(runtime)
        if m:
            return language, int(m.group(1))
    return None


def cold_starts_unmitigated(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA505: one hit for a Java/.NET function whose SnapStart and provisioned concurrency are known to be off."""
    runtime = doc.get("runtime")
    found = _language(runtime) if isinstance(runtime, str) else None
    if found is None or doc.get("snap_start") is not False or doc.get("provisioned_concurrency") is not False:
        return
    if isinstance(doc.get("capacity_provider"), dict):
        return  # Managed Instances: execution environments are kept running, no on-demand cold start
    if _nobody_waits(doc):
        return  # fed only by queues, streams or asynchronous events: a cold start delays no caller
    language, version = found
    storage = doc.get("ephemeral_storage_mb")
    if version < SNAPSTART_MIN[language]:
        remedy = (f"SnapStart needs {language} {SNAPSTART_MIN[language]} or later, so move off {runtime} "
                  f"to use it, or configure provisioned concurrency")
    elif doc.get("package_type") == "Image":
        remedy = "SnapStart does not support container images; configure provisioned concurrency"
    elif isinstance(storage, int) and storage > SNAPSTART_MAX_STORAGE_MB:
        remedy = (f"SnapStart does not support ephemeral storage over {SNAPSTART_MAX_STORAGE_MB} MB "
                  f"(this function has {storage} MB); configure provisioned concurrency or reduce it")
    else:
        remedy = "turn on SnapStart (ApplyOn: PublishedVersions, invoked through a version or alias)"
    yield Hit(
        message=(f"{doc['name']} runs on {runtime} with neither SnapStart nor provisioned concurrency: "
                 f"{language} cold starts often take seconds; {remedy}"),
        pointer="/runtime",
        subject="cold-starts",
        extra={"runtime": runtime, "language": language},
    )


def _nobody_waits(doc: Document) -> bool:
    """Every known caller is a poller or an asynchronous source, and there is no function URL.

    A function with no known event source may be called synchronously by anything (an SDK call,
    another account): it is not exempt.
    """
    sources = doc.get("event_sources") or []
    if not sources or isinstance(doc.get("url"), dict):
        return False
    return all(s.get("invocation") in ("async", "poll") for s in sources)


def _snapstart_runtime(runtime: str) -> bool | None:
    """Whether SnapStart supports a managed runtime; None for a runtime this table cannot judge."""
    found = _language(runtime)
    if found is not None:
        return found[1] >= SNAPSTART_MIN[found[0]]
    m = _PYTHON.match(runtime)
    if m:
        return int(m.group(1)) >= SNAPSTART_MIN_PYTHON
    return False if re.match(r"^(nodejs|ruby|provided|go)", runtime) else None


def snapstart_ineffective(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA510: SnapStart is on, but something the function also sets keeps it from working."""
    if doc.get("snap_start") is not True:
        return
    problems: list[tuple[str, str]] = []  # (pointer, why)
    runtime = doc.get("runtime")
    if doc.get("package_type") == "Image":
        problems.append(("/package_type", "container images are not supported"))
    elif isinstance(runtime, str) and _snapstart_runtime(runtime) is False:
        problems.append(("/runtime", f"runtime {runtime} is not supported (Java 11+, Python 3.12+ and .NET 8+ are)"))
    if doc.get("file_systems"):
        problems.append(("/file_systems", "it mounts an EFS file system, which SnapStart does not support"))
    storage = doc.get("ephemeral_storage_mb")
    if isinstance(storage, int) and storage > SNAPSTART_MAX_STORAGE_MB:
        problems.append(("/ephemeral_storage_mb", f"its ephemeral storage is {storage} MB, over the "
                                                   f"{SNAPSTART_MAX_STORAGE_MB} MB SnapStart supports"))
    concurrency = doc.get("provisioned_concurrency")
    if isinstance(concurrency, int) and not isinstance(concurrency, bool) and concurrency > 0:
        problems.append(("/provisioned_concurrency", "it also has provisioned concurrency, which SnapStart "
                                                     "cannot be combined with"))
    deployment = doc.get("deployment") or {}
    if deployment.get("versions_published") is False and deployment.get("aliases") == []:
        problems.append(("/snap_start", "no version is published and no alias points at one, so every "
                                        "invocation runs $LATEST, where SnapStart never applies"))
    if not problems:
        return
    yield Hit(
        message=(f"{doc['name']} turns SnapStart on, but it cannot take effect: "
                 + "; ".join(why for _, why in problems)),
        pointer=problems[0][0],
        subject="snapstart",
        extra={"problems": [why for _, why in problems]},
    )
