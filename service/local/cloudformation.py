"""What moto's CloudFormation leaves out when it creates the template's resources.

moto creates a state machine from its name, definition and role only: its `StateMachineType` is dropped, so every
deployed workflow would be STANDARD whatever the template says. The local stack runs the template's own type.
"""

from __future__ import annotations

from typing import Any


def state_machine_with_its_type(original: Any) -> Any:
    """moto's `StateMachine.create_from_cloudformation_json`, then the type the properties give."""

    def create(
        cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> Any:
        machine = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        machine.type = cloudformation_json["Properties"].get("StateMachineType", machine.type)
        return machine

    return classmethod(create)
