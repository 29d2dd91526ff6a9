"""The API schema as a generated client reads it (drf-spectacular's postprocessing hook).

`/api/schema/` must pass `openapi-spec-validator` and give clients that a generator such
as openapi-python-client can build (tests/crm/test_api_client.py checks both):

* a field that may be blank or a formatted string (drf-spectacular's `oneOf` of
  `format: email`/`uri` and `maxLength: 0`) is an `anyOf`: "" may satisfy both branches
  (a validator may take "" for a relative URI), which `oneOf` forbids; and a `default`
  inside one branch ("" in the `format: email` one, invalid there) is lifted onto the
  field itself;
* a component name never ends in "RequestRequest" (a serializer named "…Request" under
  `COMPONENT_SPLIT_REQUEST`): one "Request" is dropped, unless that name is taken. Name
  such serializers with `extend_schema_serializer(component_name=…)` in the first place.
"""

from __future__ import annotations

DOUBLED = "RequestRequest"


def postprocess_schema(result, generator, request, public):
    _lift_defaults(result)
    _undouble_names(result)
    return result


BLANK = {"type": "string", "maxLength": 0}


def _lift_defaults(node) -> None:
    if isinstance(node, dict):
        branches = node.get("oneOf")
        if isinstance(branches, list) and BLANK in branches:
            node["anyOf"] = node.pop("oneOf")
            for branch in branches:
                if isinstance(branch, dict) and "default" in branch:
                    node.setdefault("default", branch.pop("default"))
        for value in node.values():
            _lift_defaults(value)
    elif isinstance(node, list):
        for value in node:
            _lift_defaults(value)


def _undouble_names(result) -> None:
    schemas = result.get("components", {}).get("schemas", {})
    renames = {}
    for name in list(schemas):
        if name.endswith(DOUBLED):
            new = name[: -len("Request")]
            if new not in schemas:
                schemas[new] = schemas.pop(name)
                renames[f"#/components/schemas/{name}"] = f"#/components/schemas/{new}"
    if renames:
        _replace_refs(result, renames)


def _replace_refs(node, renames: dict[str, str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref in renames:
            node["$ref"] = renames[ref]
        for value in node.values():
            _replace_refs(value, renames)
    elif isinstance(node, list):
        for value in node:
            _replace_refs(value, renames)
