"""Help screens that read whole at 80 columns: click-style metavars (INTEGER, PATH, [a|b]), no type on a flag,
and usage lines that read `PATHS...`.

Typer prints every parameter's Python type (`<bool>` on each flag, `<float range>`) and `{paths}...` in the usage
line; the wide type column then squeezes the option names until rich cuts them. The command classes below give
every parameter a short metavar when the command is built, so no command module has to spell one out.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, get_args, get_origin

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

_NAMES: dict[Any, str] = {
    bool: "BOOLEAN",
    int: "INTEGER",
    float: "FLOAT",
    str: "TEXT",
    Path: "PATH",
    datetime: "DATETIME",
}


def metavar(param: TyperArgument | TyperOption) -> str:
    """What the value looks like: the choices of a choice, else the click-style name of its type."""
    described = param.type_descriptor
    if described.is_choice:
        return "[" + "|".join(str(getattr(c, "value", c)) for c in described.choices or ()) + "]"
    annotation = described.annotation
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation)
    if described.is_path:
        return "PATH"
    return _NAMES.get(annotation, getattr(annotation, "__name__", "VALUE").upper())


class _Argument(TyperArgument):
    """An argument shown by its metavar alone: in the usage line `PATHS...` (or `[PATH]...` when optional)."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None  # the metavar in the name column already says it

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        return name if self.required else f"[{name.removesuffix('...')}]" + ("..." if self.nargs != 1 else "")


def readable(param: Any) -> None:
    """Give `param` a short metavar (in place): none on a flag, its value's shape on the others."""
    if isinstance(param, TyperOption):
        if param.is_flag:
            param.metavar = ""
        elif param.metavar is None:
            param.metavar = metavar(param)
    elif isinstance(param, TyperArgument):
        if param.metavar is None:  # an argument is shown by its name, as click does: KEY, PATHS...
            param.metavar = (param.name or "value").upper() + ("..." if param.nargs != 1 else "")
        param.__class__ = _Argument  # typer builds its own argument objects; only the display changes


class _Readable:
    """Commands and groups alike: every parameter, the help option included, shown by `readable`."""

    params: list[Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            readable(param)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            readable(option)
        return option


class Command(_Readable, TyperCommand):
    pass


class Group(_Readable, TyperGroup):
    pass
