"""Every field a refusal can name has a label: the pages show ``field.<name>`` from the string
catalogue (geo.errors.field_label, ui/feedback.py), never the raw name.  The field names are
read from the source (``errors["x"] = …`` or ``problems["x"] = …``, ``Invalid({"x": …})``, ``Refused(key, {"x": …})``,
a check returning ``{"x": …}``, and the loops that fill ``errors[field]``), so a new field
without a label fails here rather than showing ``meeting_point`` to a person."""

from __future__ import annotations

import ast
from pathlib import Path

from geo import i18n
from geo.errors import Refused, field_label

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("geo", "ui", "pages")
REFUSALS = ("Invalid", "Refused")  # the refusals that take field errors


def _str_keys(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Dict):
        return {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return set()


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_errors(node: ast.AST) -> bool:
    """A dict of field problems: ``errors``, ``problems`` (and the like)."""
    return any(word in _name(node).lower() for word in ("error", "problem"))


def _fields_in(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        # errors["x"] = …
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (isinstance(target, ast.Subscript) and _is_errors(target.value)
                        and isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, str)):
                    found.add(target.slice.value)
        # Invalid({"x": …}), Refused("key", {"x": …}), Refused("key", errors={"x": …})
        elif isinstance(node, ast.Call) and _name(node.func).endswith(REFUSALS):
            for arg in [*node.args, *(k.value for k in node.keywords if k.arg is not None)]:  # not **values
                found |= _str_keys(arg)
        # a check that returns its problems: def …(…) -> dict[str, str]: … return {"x": "…"}
        elif isinstance(node, ast.FunctionDef) and node.returns is not None \
                and ast.unparse(node.returns).replace(" ", "") == "dict[str,str]":
            for inner in ast.walk(node):
                if isinstance(inner, ast.Return) and inner.value is not None:
                    found |= _str_keys(inner.value)
        # for field, value, limit in (("description", …), …): … errors[field] = …
        elif isinstance(node, ast.For) and isinstance(node.target, ast.Tuple) \
                and isinstance(node.iter, (ast.Tuple, ast.List)):
            first = node.target.elts[0]
            fills = any(isinstance(n, ast.Subscript) and _is_errors(n.value) and isinstance(n.slice, ast.Name)
                        and isinstance(first, ast.Name) and n.slice.id == first.id
                        for n in ast.walk(node) if isinstance(n, ast.Subscript))
            if fills:
                for row in node.iter.elts:
                    if isinstance(row, ast.Tuple) and isinstance(row.elts[0], ast.Constant):
                        found.add(row.elts[0].value)
    return found


def refused_fields() -> dict[str, set[str]]:
    """field name → the files that name it in a refusal."""
    where: dict[str, set[str]] = {}
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            for field in _fields_in(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                where.setdefault(field, set()).add(str(path.relative_to(ROOT)))
    return where


def test_the_source_is_read_for_field_names():
    """The reader finds the fields of every kind of refusal (else the next test proves nothing)."""
    fields = refused_fields()
    assert {"username", "email", "code", "name", "district", "meeting_point", "leader", "groups",
            "comment", "status", "observation_ids", "priority", "cost_sek", "responsible_name",
            "place", "feeling", "description", "password", "photo", "reported_by"} <= set(fields)


def test_every_refused_field_has_a_label_in_both_languages():
    strings = i18n.strings()
    missing = {f: sorted(files) for f, files in refused_fields().items()
               if not all(strings.get(f"field.{f}", {}).get(lang) for lang in i18n.LANGUAGES)}
    assert missing == {}, f"add these to [field] in data/strings.toml: {missing}"


def test_a_refusal_names_its_field_by_label_in_the_asked_language():
    e = Refused("store.invalid", {"username": "validation.required", "meeting_point": "validation.too_long"})
    assert e.reasons("sv") == ["Användarnamn: måste fyllas i", "Samlingsplats: är för lång"]
    assert e.reasons("en") == ["User name: is required", "Meeting point: is too long"]
    assert field_label("no_such_field") is None
