"""JSON Pointers (RFC 6901): the addresses of answers in a document and of places in a definition."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

_MISSING: Any = object()


def split(pointer: str) -> list[str]:
    """The reference tokens of a pointer; `""` is the whole document."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"{pointer!r} is not a JSON Pointer: it must start with '/'")
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def join(tokens: Iterable[str | int]) -> str:
    """The pointer made of these tokens."""
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


def child(pointer: str, *tokens: str | int) -> str:
    return pointer + join(tokens)


def parent(pointer: str) -> str:
    return pointer[: pointer.rfind("/")] if pointer else ""


def is_within(pointer: str, ancestor: str) -> bool:
    """True when `pointer` is `ancestor` or inside it."""
    return pointer == ancestor or pointer.startswith(ancestor + "/") or ancestor == ""


def resolve(document: Any, pointer: str | Sequence[str], default: Any = _MISSING) -> Any:
    """The value at the pointer; `default` (or KeyError) when there is none."""
    tokens = split(pointer) if isinstance(pointer, str) else pointer
    node = document
    for token in tokens:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            if default is _MISSING:
                raise KeyError(pointer)
            return default
    return node


def exists(document: Any, pointer: str) -> bool:
    absent = object()
    return resolve(document, pointer, absent) is not absent


def remove(document: Any, pointer: str) -> None:
    """Removes the value at the pointer, in place, if it is there (array items are removed, not nulled)."""
    tokens = split(pointer)
    if not tokens:
        return
    container = resolve(document, tokens[:-1], None)
    last = tokens[-1]
    if isinstance(container, dict):
        container.pop(last, None)
    elif isinstance(container, list) and last.isdigit() and int(last) < len(container):
        del container[int(last)]


def assign(document: Any, pointer: str, value: Any) -> None:
    """Sets the value at the pointer, in place, making the objects on the way; an array index one
    past the end appends (beyond that, the value is appended where the array ends)."""
    tokens = split(pointer)
    if not tokens:
        raise ValueError("the whole document cannot be assigned through a pointer")
    node = document
    for token, following in zip(tokens, [*tokens[1:], None], strict=True):
        if following is None:
            break
        if isinstance(node, list):
            index = int(token)
            if index >= len(node):
                node.append({} if not following.isdigit() else [])
                index = len(node) - 1
            node = node[index]
        else:
            if not isinstance(node.get(token), dict | list):
                node[token] = [] if following.isdigit() else {}
            node = node[token]
    last = tokens[-1]
    if isinstance(node, list):
        index = int(last)
        if index < len(node):
            node[index] = value
        else:
            node.append(value)
    else:
        node[last] = value
