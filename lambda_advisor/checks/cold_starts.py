"""LA505: a Java or .NET function with neither SnapStart nor provisioned concurrency.

Speaks only when the runtime, ``snap_start`` and ``provisioned_concurrency`` are all
known; live audits, which do not read provisioned concurrency, stay silent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lambda_advisor.checks import Context, Document, Hit

_JAVA = re.compile(r"^java(\d+)")
_DOTNET = re.compile(r"^dotnet(?:core)?(\d+)")
#: SnapStart's runtimes: Java 11 and later, .NET 8 and later (managed runtimes, zip packages).
SNAPSTART_MIN = {"Java": 11, ".NET": 8}
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
