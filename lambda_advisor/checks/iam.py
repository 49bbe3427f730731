"""The execution role: wildcard grants the user wrote (LA104), secrets it cannot read (LA105).

Both read ``role.statements``. LA104 looks only at statements a person wrote
(inline and customer-managed policies, SAM inline ``Statement``s), never at AWS
managed policies or SAM policy templates, whose scope the user does not choose.
LA105 proves a negative, so it speaks only when the role is ``complete`` and no
statement could possibly grant the read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lambda_advisor import iam_actions
from lambda_advisor.checks import Context, Document, Hit
from lambda_advisor.checks.event_sources import value_name
from lambda_advisor.wildcards import wildcard_match

# -- LA104 ------------------------------------------------------------------------------------

#: Origins of statements a person wrote: template inline policies, AWS::IAM::Policy and
#: ManagedPolicy resources, SAM inline statements, live inline policies. Live customer-managed
#: policies carry their ARN (see :func:`_user_written`).
_USER_ORIGINS = ("inline policy ", "inline ", "AWS::IAM::Policy ", "AWS::IAM::ManagedPolicy ",
                 "SAM Policies (inline)")
_AWS_MANAGED_ARN = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/")
_CUSTOMER_MANAGED_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:policy/")
#: Actions AWS's own Lambda execution policies grant on ``"*"`` (AWSLambdaBasicExecutionRole,
#: AWSLambdaVPCAccessExecutionRole, AWSLambdaBasicDurableExecutionRolePolicy,
#: AmazonS3ObjectLambdaExecutionRolePolicy): writing them so is
#: following AWS, not a finding (lower case, wildcards).
_AWS_GRANTS_ON_STAR = ("logs:createloggroup", "logs:createlogstream", "logs:putlogevents",
                       "ec2:createnetworkinterface", "ec2:describenetworkinterfaces", "ec2:deletenetworkinterface",
                       "ec2:assignprivateipaddresses", "ec2:unassignprivateipaddresses",
                       "cloudwatch:putmetricdata", "lambda:checkpointdurableexecution",
                       "lambda:getdurableexecutionstate", "s3-object-lambda:writegetobjectresponse")
#: Access levels of the Service Authorization Reference reported on ``"*"`` by default (the
#: rule's ``access_levels`` parameter); reads and lists on ``"*"`` are AWS's own read-only pattern.
DEFAULT_LEVELS = ("Write", "Permissions management", "Tagging")
#: Actions named in one message before "and N more".
MAX_NAMED = 4


def _user_written(origin: Any) -> bool:
    if not isinstance(origin, str):
        return False
    if _AWS_MANAGED_ARN.match(origin):
        return False
    return origin.startswith(_USER_ORIGINS) or bool(_CUSTOMER_MANAGED_ARN.match(origin))


def _strings(values: Any) -> list[str]:
    return [v for v in values or [] if isinstance(v, str)]


def _wildcard_action(action: str) -> bool:
    """``*``, ``*:*`` or ``<service>:*``: every action of a service (or of all of them)."""
    if action == "*":
        return True
    service, _, name = action.partition(":")
    return name == "*" and bool(service)


def _scopable_at(action: str, levels: frozenset[str]) -> list[iam_actions.Action] | None:
    """Actions ``action`` (a name or pattern) grants at one of ``levels`` that support a resource type.

    From the Service Authorization Reference (``iam_actions``): an action with no resource type
    can only be granted on ``"*"``, so ``"*"`` on it is no finding; ``None`` when the service or
    action is unknown to the dataset (a typo, or newer than it): say nothing rather than guess.
    """
    low = action.lower()
    if any(wildcard_match(low, p) for p in _AWS_GRANTS_ON_STAR):
        return []
    matched = iam_actions.matching(action)
    if matched is None:
        return None
    return [a for a in matched if a.levels & levels and a.resource_types]


def _named(items: list[str]) -> str:
    shown = items if len(items) <= MAX_NAMED else [*items[:MAX_NAMED - 1], f"{len(items) - MAX_NAMED + 1} more"]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def _resource_name(resource: Any) -> str | None:
    """How a message names a resource: an ARN as written (``arn:aws:s3:::bucket/*`` is not "*"),
    a reference by its logical ID."""
    if isinstance(resource, str):
        return resource or None
    return value_name(resource)


#: ARNs no one writes, with a region and account no pattern names by accident: a Deny whose
#: resource matches one of them covers every ARN of the service, whatever the resource type.
_SAMPLE_ARNS = ("arn:aws:{service}:zz-sample-9:000000000000:lambda-advisor-sample/x",
                "arn:aws:{service}:::lambda-advisor-sample/x", "arn:aws:{service}::000000000000:lambda-advisor-sample/x")


def _denied_on_every_arn(action: str, denies: list[dict[str, Any]]) -> bool:
    """Does an unconditional Deny take ``action`` away on every resource that has an ARN?

    Then the Allow on ``"*"`` is left with what has no ARN: AWS's pattern for SMS-only
    publishing (allow ``sns:Publish`` on ``*``, deny it on ``arn:aws:sns:*:*:*``) grants
    texting phone numbers, not publishing to every topic.
    """
    low = action.lower()
    service = low.partition(":")[0]
    samples = [arn.format(service=service) for arn in _SAMPLE_ARNS]
    for deny in denies:
        patterns = [a.lower() for a in _strings(deny.get("actions"))]
        if deny.get("not_actions") or not any(wildcard_match(low, p) or p == "*" for p in patterns):
            continue
        resources = [r.lower() for r in _strings(deny.get("resources"))]
        if any(r == "*" or any(wildcard_match(arn, r) for arn in samples) for r in resources):
            return True
    return False


def _origin_text(statement: dict[str, Any]) -> str:
    sid = f" (Sid {statement['sid']})" if statement.get("sid") else ""
    return f"{statement['origin']}{sid}"


def wildcard_permissions(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA104: one hit per user-written Allow statement with a wildcard action or a write on ``"*"``."""
    role = doc.get("role") or {}
    levels = frozenset(ctx.params.get("access_levels") or DEFAULT_LEVELS)
    denies = [st for st in role.get("statements") or [] if st.get("effect") == "Deny" and not st.get("conditions")]
    for i, st in enumerate(role.get("statements") or []):
        if st.get("effect") != "Allow" or not _user_written(st.get("origin")):
            continue
        actions = _strings(st.get("actions"))
        resources = _strings(st.get("resources"))
        on_star = "*" in resources
        wild = [a for a in actions if _wildcard_action(a)]
        problem: str | None = None
        if wild:
            names = [n for n in (_resource_name(r) for r in st.get("resources") or []) if n]
            where = "on every resource" if on_star else "on " + (_named(names) if names else "its resources")
            services = [a.partition(":")[0] for a in wild]
            what = "every action of every service" if "*" in services \
                else f"every {_named(services)} action"
            problem = f"allows {what} ({_named(wild)}) {where}"
        elif st.get("not_actions") and on_star:
            problem = (f"allows every action except {_named(_strings(st.get('not_actions')))} "
                       f"on every resource (NotAction with Resource \"*\")")
        elif on_star and not st.get("conditions"):
            scopable = {a: _scopable_at(a, levels) for a in actions if a != "*"}
            flagged = [a for a, found in scopable.items() if found and not _denied_on_every_arn(a, denies)]
            if flagged:
                level_names = sorted({lv for a in flagged for found in scopable[a] or [] for lv in found.levels & levels})
                problem = (f"allows {_named(flagged)} ({' and '.join(level_names)} access) on every resource "
                           f"(Resource \"*\")")
        if problem is None:
            continue
        subject = f"wildcard:{st.get('origin')}:{st.get('sid') or ','.join(sorted(actions))}"
        yield Hit(
            message=(f"{doc['name']}'s execution role {problem}, from {_origin_text(st)}; "
                     f"a bug or an injected payload in this function can do the same"),
            pointer=f"/role/statements/{i}",
            subject=subject,
            extra={"origin": st.get("origin"), "actions": actions, "resources": resources},
            group=_shared_statement(role, st, subject),
        )


def _shared_statement(role: dict[str, Any], st: dict[str, Any], subject: str) -> str | None:
    """The identity of a statement several functions may share, to report it once.

    A policy resource or customer-managed policy is one statement whatever role it is attached
    to; any other statement is shared by the functions that share its role.
    """
    origin = str(st.get("origin") or "")
    resources = ",".join(sorted(str(r if isinstance(r, str) else r.get("unresolved"))
                                for r in st.get("resources") or []))
    if origin.startswith(("AWS::IAM::Policy ", "AWS::IAM::ManagedPolicy ")) or _CUSTOMER_MANAGED_ARN.match(origin):
        return f"statement:{subject}:{resources}"
    arn = role.get("arn")
    owner = role.get("logical_id") or (arn if isinstance(arn, str) else None)
    return f"role:{owner}:{subject}:{resources}" if owner else None


# -- LA105 ------------------------------------------------------------------------------------

_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[^:]*:[^:]*:secret:.+")
_SECRET_TYPE = "AWS::SecretsManager::Secret"
_READ_SECRET = "secretsmanager:getsecretvalue"
#: A random suffix Secrets Manager appends to every secret ARN, to test patterns like ``name-??????``.
_SUFFIX = "-AbC123"


def _token(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _secret_target(value: Any) -> tuple[str, str] | None:
    """("arn", ARN) or ("ref", logical ID) when an environment value designates a secret."""
    if isinstance(value, str):
        return ("arn", value) if _SECRET_ARN.match(value) else None
    if isinstance(value, dict):
        refs = value.get("refs") or []
        text = str(value.get("unresolved") or "")
        for ref in refs:
            # !Ref Secret and !GetAtt Secret.Id give the ARN; a !Sub that builds something else does not.
            if ref.get("type") == _SECRET_TYPE and ref.get("attribute") in (None, "Id") and len(refs) == 1 \
                    and (text.startswith("!Ref ") or text.startswith("!GetAtt ")):
                return ("ref", str(ref["logical_id"]))
    return None


def _grants_read(statement: dict[str, Any]) -> bool:
    """Could this Allow statement grant GetSecretValue? Unreadable actions count as yes."""
    if statement.get("effect") != "Allow":
        return False
    not_actions = statement.get("not_actions")
    if not_actions:
        if any(not isinstance(a, str) for a in not_actions):
            return True
        return not any(wildcard_match(_READ_SECRET, a.lower()) for a in not_actions)
    return any(not isinstance(a, str) or wildcard_match(_READ_SECRET, a.lower())
               for a in statement.get("actions") or [])


def _may_cover(resource: Any, target: tuple[str, str]) -> bool:
    """Could ``resource`` be the secret? Only a clear no (another ARN, another resource) is no."""
    kind, what = target
    if resource == "*":
        return True
    if isinstance(resource, str):
        if kind == "arn":
            return wildcard_match(what, resource) or wildcard_match(what + _SUFFIX, resource)
        service = resource.split(":")[2] if resource.count(":") >= 2 else ""
        return service == "secretsmanager" or "*" in service or "?" in service
    if isinstance(resource, dict):
        refs = resource.get("refs") or []
        if kind == "ref" and any(r.get("logical_id") == what for r in refs):
            return True
        text = str(resource.get("unresolved") or "")
        plain = text.startswith("!Ref ") or text.startswith("!GetAtt ") or re.fullmatch(r"\$\{[\w.]+\}", text)
        known = bool(refs) and all(r.get("type") not in (None, "Parameter") for r in refs)
        if plain and known:
            # !GetAtt Table.Arn, or !Ref OtherSecret when the variable names a different one
            return kind == "arn" and any(r.get("type") == _SECRET_TYPE for r in refs)
        return True
    return True


def secret_role_cannot_read(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA105: one hit per variable naming a secret that no statement of a complete role lets it read."""
    role = doc.get("role")
    if not isinstance(role, dict) or role.get("complete") is not True:
        return
    readers = [st for st in role.get("statements") or [] if _grants_read(st)]
    for name, value in (doc.get("environment") or {}).items():
        target = _secret_target(value)
        if target is None:
            continue
        if any(_may_cover(r, target) for st in readers for r in st.get("resources") or []):
            continue
        secret = target[1] if target[0] == "ref" else target[1].split(":secret:", 1)[1]
        yield Hit(
            message=(f"{doc['name']} gets secret {secret} in environment variable {name}, but no statement "
                     f"of its execution role allows secretsmanager:GetSecretValue on it; reading it fails "
                     f"with AccessDeniedException at run time"),
            pointer=f"/environment/{_token(name)}",
            subject=f"secret:{name}",
            extra={"variable": name, "secret": secret},
        )
