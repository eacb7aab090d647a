"""infra/template.yaml as data: a YAML reader that understands CloudFormation's short-form intrinsics.

The tools that reason about the deployment (the cost model, the local stack) read the template through this one
loader. It needs PyYAML, a CLI extra: the Lambda runtime never reads the template.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from service.domain.paths import TEMPLATE_PATH


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that understands CloudFormation's short-form intrinsic functions (!Ref, !GetAtt...)."""


def _construct_intrinsic(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise yaml.constructor.ConstructorError(None, None, f"unexpected YAML node for !{suffix}", node.start_mark)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_intrinsic)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_CfnLoader)  # a SafeLoader subclass


def parse_template(text: str) -> dict[str, Any]:
    """A template body as CloudFormation returns it (JSON, or YAML with short-form intrinsics)."""
    return dict(yaml.load(text, Loader=_CfnLoader))  # JSON is YAML; a SafeLoader subclass
