"""LA512, LA213, LA513: facts a live audit reads that say a function cannot run, or soon may not.

A function's ``State``, its last update's status, an environment Lambda cannot
decrypt and the region's unreserved concurrency are all in the answers the audit
already gets (GetFunction, ListFunctions, GetAccountSettings); these checks read
them from the document, so snapshots are judged the same way.
"""

from __future__ import annotations

from collections.abc import Iterator

from lambda_advisor.checks import Context, Document, Hit

#: States in which invocations fail (functions-states.html).
_DOWN_STATES = {"Failed": "its resources could not be created, so every invocation fails",
                "Inactive": "Lambda reclaimed its resources after it sat idle; the next invocation fails "
                            "while they are recreated, and it stays inactive if that fails"}


def _because(reason: object) -> str:
    return f" (reason {reason})" if isinstance(reason, str) and reason else ""


def function_not_active(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA512: State Failed or Inactive; LastUpdateStatus Failed (the previous code and configuration still run)."""
    life = doc.get("lifecycle")
    if not isinstance(life, dict):
        return
    state = life.get("state")
    if isinstance(state, str) and state in _DOWN_STATES:
        yield Hit(message=f"{doc['name']} is {state}{_because(life.get('state_reason'))}: {_DOWN_STATES[state]}",
                  pointer="/lifecycle", subject=f"state-{state.lower()}",
                  extra={"state": state, "reason": life.get("state_reason")})
    if life.get("last_update_status") == "Failed":
        yield Hit(message=(f"{doc['name']}'s last update failed{_because(life.get('last_update_reason'))}: "
                           "Lambda kept the previous code and configuration, so what was deployed is not what runs"),
                  pointer="/lifecycle", subject="last-update-failed",
                  extra={"last_update_status": "Failed", "reason": life.get("last_update_reason")})


def environment_cannot_be_decrypted(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA213: Environment.Error: Lambda cannot decrypt the variables, so no invocation starts."""
    error = doc.get("environment_error")
    if not isinstance(error, dict):
        return
    code = error.get("code") or "an error"
    yield Hit(message=(f"{doc['name']} cannot run: Lambda cannot decrypt its environment variables ({code}), so "
                       "every invocation fails before the code starts; fix or replace the KMS key"),
              pointer="/environment_error", subject="environment-error", extra={"code": error.get("code")})


def account_concurrency_low(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA513: the region's unreserved concurrency is at (or near) the 100 executions AWS keeps unreserved.

    One fact per account and region (``group``): reported once, naming the functions that
    share the unreserved pool (those without reserved concurrency of their own).
    """
    pool = doc.get("account_concurrency")
    if not isinstance(pool, dict):
        return
    unreserved, limit = pool.get("unreserved"), pool.get("limit")
    if not isinstance(unreserved, int) or isinstance(unreserved, bool):
        return
    reserved = doc.get("reserved_concurrency")
    if isinstance(reserved, int) and not isinstance(reserved, bool):
        return  # a function with its own reservation does not draw from the unreserved pool
    floor = int(ctx.params.get("unreserved_floor", 100))
    margin = int(ctx.params.get("margin", 50))
    if unreserved >= floor + margin:
        return
    source = doc.get("source") or {}
    where = f"account {source.get('account') or '?'} in {source.get('region') or '?'}"
    if isinstance(limit, int) and limit < floor:
        why = (f"the account's concurrency limit is only {limit} (a new or restricted account): every function "
               f"without reserved concurrency shares {unreserved} executions; request a limit increase")
    else:
        spare = max(unreserved - floor, 0)
        why = (f"only {unreserved} of the account's {limit if isinstance(limit, int) else '?'} concurrent executions "
               f"are unreserved, {spare} above the {floor} AWS always keeps unreserved: every function without "
               "reserved concurrency shares them, and no function can reserve more")
    yield Hit(message=f"{doc['name']} draws on a nearly exhausted concurrency pool in {where}: {why}",
              pointer="/account_concurrency", subject="account-concurrency",
              group=f"account-concurrency:{source.get('account')}:{source.get('region')}",
              extra={"unreserved": unreserved, "limit": limit})
