"""Role policies as IAM keeps them: JSON. moto's CloudFormation hands a role's inline `Policies` to the role as
Python dicts, which its GetRolePolicy then answers as `str(dict)` (single quotes: not JSON), so no IAM client
could read the policies the template deployed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def policy_as_json(original: Callable[[Any, str, Any], None]) -> Callable[[Any, str, Any], None]:
    def put_policy(self: Any, policy_name: str, policy_json: Any) -> None:
        original(self, policy_name, policy_json if isinstance(policy_json, str) else json.dumps(policy_json))

    return put_policy
