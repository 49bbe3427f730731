"""LA506: deployments that send all traffic to new code at once.

Event Functions: no alias and no gradual deployment. Web Functions: an endpoint that serves each
new revision with all of its traffic as soon as it is Active (``LatestRevision``, or in a template
a single 100 % weight on the stack's own revision, which every change replaces).
"""

from __future__ import annotations

from collections.abc import Iterator

from lambda_advisor.checks import Context, Document, Hit


def no_gradual_deployment(doc: Document, ctx: Context) -> Iterator[Hit]:
    deployment = doc.get("deployment")
    if isinstance(deployment, dict) and isinstance(deployment.get("aliases"), list) \
            and not deployment["aliases"] and deployment.get("gradual") is False:
        yield Hit(message=(f"{doc['name']} has no alias and no gradual deployment: every deploy sends all of its "
                           "traffic to the new code at once, with no automatic rollback"),
                  pointer="/deployment")
    for index, endpoint in enumerate(doc.get("endpoints") or []):
        if not isinstance(endpoint, dict):
            continue
        weights = endpoint.get("weights")
        mode = endpoint.get("auto_deployment")
        # In a template, one 100 % weight on the stack's own revision moves to each replacement revision.
        pinned_to_stack = (doc["source"].get("kind") == "template" and isinstance(weights, list) and len(weights) == 1
                           and isinstance(weights[0], dict) and weights[0].get("weight") == 100
                           and weights[0].get("revision_index") is not None)
        if mode != "LatestRevision" and not pinned_to_stack:
            continue
        first = weights[0] if isinstance(weights, list) and weights else {}
        how = ("auto-deployment mode LatestRevision" if mode == "LatestRevision"
               else f"a single 100 % weight on revision {first.get('revision')}, which each change replaces")
        yield Hit(message=(f"endpoint {endpoint.get('name')} of {doc['name']} sends each new revision 100 % of its "
                           f"traffic at once ({how}): a bad release fails every request, with no health gate or "
                           "automatic rollback; shift traffic gradually with two RevisionWeights entries (SAM: AutoDeploymentMode: Disabled)"),
                  pointer=f"/endpoints/{index}/weights", subject=f"endpoint:{endpoint.get('name')}:all-at-once")
