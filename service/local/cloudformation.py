"""What moto's CloudFormation leaves out when it creates the template's resources.

moto creates a state machine from its name, definition and role only: its `StateMachineType` is dropped, so every
deployed workflow would be STANDARD whatever the template says. The local stack runs the template's own type.
An event bus it creates has no physical id, so `Ref` gives the object itself where AWS gives the bus's name.
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


def event_bus_by_name(original: Any) -> Any:
    """moto's `EventBus.create_from_cloudformation_json`, then the name as its physical id (what `Ref` returns)."""

    def create(
        cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> Any:
        bus = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        bus.physical_resource_id = bus.name
        return bus

    return classmethod(create)
