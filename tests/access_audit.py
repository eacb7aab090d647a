"""The calls each principal made on a local stack (its access log), checked against its role's policies as the
template deployed them: action AND resource must be allowed."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from service.iam import policy as iam_policy


def calls(access_log: Path) -> list[dict[str, Any]]:
    if not access_log.exists():
        return []
    return [json.loads(line) for line in access_log.read_text(encoding="utf-8").splitlines() if line]


def deployed_roles(roles_file: Path) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = json.loads(roles_file.read_text(encoding="utf-8"))
    return found


def violations(recorded: list[dict[str, Any]], roles: dict[str, dict[str, Any]]) -> list[str]:
    """One line per call the template's policy for its principal would not allow (principal, action, resource)."""
    by_name = {role["role_name"]: (logical, role) for logical, role in roles.items()}
    statements = {name: iam_policy.statements(role["policies"]) for name, (_, role) in by_name.items()}
    found = []
    for call in recorded:
        logical, _ = by_name.get(call["role"], (call["role"], None))
        # With the service's condition keys the call carried (cloudwatch:namespace...), as the stack judged it.
        context = call.get("context", {})
        verdict = iam_policy.evaluate(statements.get(call["role"], []), call["action"], call["resource"], context)
        if not verdict.allowed:
            found.append(f"{logical} may not {call['action']} on {call['resource']} ({verdict.reason})")
    return sorted(set(found))


def unexercised(recorded: list[dict[str, Any]], roles: dict[str, dict[str, Any]]) -> list[str]:
    """Each (principal, action, resource) a template statement grants that no recorded call used."""
    used: dict[str, list[tuple[str, str]]] = {}
    for call in recorded:
        used.setdefault(call["role"], []).append((call["action"], call["resource"]))
    unused = []
    for logical, role in roles.items():
        for statement in iam_policy.statements(role["policies"]):
            if statement.effect != "Allow":
                continue
            actions = statement.body.get("Action", [])
            resources = statement.body.get("Resource", [])
            for action in actions if isinstance(actions, list) else [actions]:
                for resource in resources if isinstance(resources, list) else [resources]:
                    hit = any(
                        iam_policy.matches(action, made, case_sensitive=False) and iam_policy.matches(resource, on)
                        for made, on in used.get(role["role_name"], [])
                    )
                    if not hit:
                        unused.append(f"{logical}: {action} on {resource}")
    return unused


def generic(line: str) -> str:
    """A permission with the stack's generated name suffixes taken out (the same on every stack)."""
    return re.sub(r"-[A-Z0-9]{8,}|(?<=intakebucket)-[a-z0-9]+", "", line)
