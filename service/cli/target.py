"""Which stack a command talks to: a local stack on a port, or the stack deployed to AWS."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from service.dal.stack import StackInfo
from service.local.stack import DEFAULT_PORT, StackError, status

PortOption = Annotated[
    int,
    typer.Option("--port", "-p", envvar="SCONES_PORT", help="Port of the local stack."),
]
AwsStackOption = Annotated[
    str | None,
    typer.Option(
        "--aws-stack",
        envvar="SCONES_AWS_STACK",
        help="Use the CloudFormation stack of this name in your AWS account instead of the local stack.",
    ),
]


def resolve(port: int = DEFAULT_PORT, aws_stack: str | None = None) -> StackInfo:
    if aws_stack:
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        return StackInfo.describe(aws_stack, region)
    try:
        return status(port)
    except StackError as error:
        raise typer.BadParameter(str(error), param_hint="--port") from error


def client(info: StackInfo, service: str) -> Any:
    return info.client(service)
