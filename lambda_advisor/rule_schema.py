"""A user rule's ``match:`` schema, with ``$ref`` resolved only inside the rule and the bundled schemas.

jsonschema retrieves a ``$ref`` it does not hold (``http://``, ``file://``) on first use,
with no timeout: a rule folder from a pull request could make the runner call any
address, probe local files or hang. Here every reference is resolved once, when the
rule is loaded, against a registry that retrieves nothing; one that points elsewhere
is an error naming it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any


class SchemaRefError(ValueError):
    """A ``$ref`` that does not resolve inside the rule or the bundled schemas."""


def _refuse(uri: str) -> Any:
    from referencing.exceptions import NoSuchResource

    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


@lru_cache(maxsize=1)
def bundled_registry() -> Any:
    """The JSON Schema meta-schemas and lambda-advisor's own schemas, with retrieval refused."""
    import jsonschema_specifications
    from referencing import Registry, Resource

    from lambda_advisor.engine import builtin_rules_dir

    here = Path(__file__).resolve().parent
    resources = []
    for path in [*sorted((here / "schema").glob("*.schema.json")), builtin_rules_dir() / "rule.schema.json"]:
        with path.open(encoding="utf-8") as fh:
            contents = json.load(fh)
        resources.append((contents["$id"], Resource.from_contents(contents)))
    registry: Registry[Any] = Registry(retrieve=_refuse)  # type: ignore[call-arg]
    return registry.with_resources(jsonschema_specifications.REGISTRY.items()).with_resources(resources)


def match_validator(schema: Any) -> Any:
    """A Draft 2020-12 validator for ``schema`` whose every ``$ref`` resolves locally.

    Raises :class:`SchemaRefError` naming the first reference that does not.
    """
    import jsonschema
    from referencing import Resource
    from referencing.jsonschema import DRAFT202012

    registry = bundled_registry()
    if isinstance(schema, dict):
        root = Resource.from_contents(schema, default_specification=DRAFT202012)
        _check_refs(registry.resolver_with_root(root), root)
    return jsonschema.Draft202012Validator(schema, registry=registry)


def _check_refs(resolver: Any, resource: Any) -> None:
    from referencing.exceptions import Unresolvable

    contents = resource.contents
    if isinstance(contents, dict):
        for keyword in ("$ref", "$dynamicRef"):
            ref = contents.get(keyword)
            if ref is None:
                continue
            if not isinstance(ref, str):
                raise SchemaRefError(f"{keyword} {ref!r} is not a string")
            try:
                resolver.lookup(ref)
            except Unresolvable as exc:
                raise SchemaRefError(f"{keyword} '{ref}' does not resolve inside the rule file or the bundled "
                                     "schemas (references are never fetched from the network or the file system)"
                                     ) from exc
    for sub in resource.subresources():
        _check_refs(resolver.in_subresource(sub), sub)
