"""MkDocs hooks: content generated at build time, never pasted into the pages.

- `<!-- cli-reference -->` becomes the reference of every `scones` command, walked from the typer app.
- `<!-- template-parameters -->` becomes the table of infra/template.yaml's parameters, from the template itself.
- `<!-- cost-comparison -->` becomes what `scones cost --markdown` prints, from the price list and the template.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _cli_reference() -> str:
    from service.cli.reference import markdown

    return markdown()


def _template_parameters() -> str:
    from service.ops.template_file import load_template

    rows = ["| parameter | default | what it does |", "|---|---|---|"]
    for name, spec in load_template()["Parameters"].items():
        default = spec.get("Default", "")
        shown = f"`{default}`" if str(default) != "" else "(empty)"
        description = " ".join(str(spec.get("Description", "")).split()).replace("|", "\\|")
        rows.append(f"| `{name}` | {shown} | {description} |")
    return "\n".join(rows)


def _cost_comparison() -> str:
    from service.ops.cost import comparison_markdown

    return comparison_markdown()


GENERATED: dict[str, Callable[[], str]] = {
    "<!-- cli-reference -->": _cli_reference,
    "<!-- template-parameters -->": _template_parameters,
    "<!-- cost-comparison -->": _cost_comparison,
}


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    # This checkout's code, whatever the environment has installed.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    for marker, generate in GENERATED.items():
        if marker in markdown:
            markdown = markdown.replace(marker, generate())
    return markdown
