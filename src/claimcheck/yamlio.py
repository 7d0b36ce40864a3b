"""YAML parsing for lexicons and front matter: libyaml's safe loader when it is installed
(about ten times faster than the pure-Python one, same data), plain data only.

Aliases (`*name`) are refused: neither lexicons nor front matter need them, and a few
hundred bytes of nested aliases (a "billion laughs") expand to gigabytes once anything
walks, validates or prints the data. The document is composed first (libyaml shares an
anchored node between its aliases, so composing is linear) and any node reached twice is
an alias.
"""

from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class AliasError(yaml.MarkedYAMLError):
    """The YAML uses an alias (`*name`), which claimcheck does not accept."""

    def __init__(self, mark: yaml.Mark | None) -> None:
        super().__init__(
            problem="YAML aliases (*name) are not allowed; write the value out",
            problem_mark=mark,
        )


def _refuse_aliases(root: yaml.Node) -> None:
    """Raise AliasError at the first node reached a second time (an alias)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise AliasError(node.start_mark)
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack += (key, value)


def safe_load(text: str) -> Any:
    """Parse YAML text into plain data (never Python objects); raises yaml.YAMLError,
    AliasError (a subclass) when the text uses an alias."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _refuse_aliases(node)
        return loader.construct_document(node)
    except ValueError as exc:  # an integer of more than 4,300 digits, say
        raise yaml.YAMLError(f"cannot build a value: {exc}") from None
    finally:
        loader.dispose()
