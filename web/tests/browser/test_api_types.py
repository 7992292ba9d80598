"""web/src/api/types.ts follows docs/openapi.yaml: every interface marked `@schema Name` has
exactly that schema's properties, optional exactly where the schema does not require them."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def interfaces() -> dict[str, dict[str, bool]]:
    """`@schema` name → {property: required} read off the TypeScript source (top-level members only)."""
    text = (ROOT / "web/src/api/types.ts").read_text()
    found: dict[str, dict[str, bool]] = {}
    for match in re.finditer(r"/\*\* @schema (\w+) \*/\s*export interface \w+ \{\n(.*?)\n\}", text, re.S):
        members: dict[str, bool] = {}
        depth = 0
        for line in match.group(2).splitlines():
            if depth == 0:
                member = re.match(r"\s{2}(\w+)(\?)?:", line)
                if member:
                    members[member.group(1)] = member.group(2) is None
            depth += line.count("{") - line.count("}")
        found[match.group(1)] = members
    return found


def schema_properties(schema: dict, schemas: dict) -> tuple[set[str], set[str]]:
    if "$ref" in schema:
        return schema_properties(schemas[schema["$ref"].split("/")[-1]], schemas)
    properties, required = set(schema.get("properties", {})), set(schema.get("required", []))
    for part in schema.get("allOf", []):
        more, needed = schema_properties(part, schemas)
        properties |= more
        required |= needed
    return properties, required


def test_types_follow_the_openapi_description() -> None:
    document = yaml.safe_load((ROOT / "docs/openapi.yaml").read_text())
    schemas = document["components"]["schemas"]
    found = interfaces()
    assert len(found) >= 20, f"only {len(found)} @schema interfaces found"
    problems = []
    for name, members in found.items():
        if name not in schemas:
            problems.append(f"{name}: no such schema in docs/openapi.yaml")
            continue
        properties, required = schema_properties(schemas[name], schemas)
        if set(members) != properties:
            problems.append(f"{name}: TypeScript has {sorted(set(members) - properties)} extra, lacks {sorted(properties - set(members))}")
        for member, is_required in members.items():
            if member in properties and is_required != (member in required):
                problems.append(f"{name}.{member}: {'required' if is_required else 'optional'} in TypeScript, not in the schema")
    assert not problems, "\n".join(problems)


def test_klarod_serves_the_app_for_exactly_the_routers_pages() -> None:
    router = (ROOT / "web/src/router.ts").read_text()
    pages = set(re.findall(r"\['(/[a-z/]*)', '\w+'\]", router)) | {"/"}
    swift = (ROOT / "Sources/KlaroControlPlane/HTTP/WebApp/WebAppRoutes.swift").read_text()
    served = set(re.findall(r'"(/[a-z/]*)"', swift.split("static let appRoutes", 1)[1].split("]", 1)[0]))
    assert pages == served, f"router.ts has {sorted(pages - served)} that klarod does not serve; klarod serves {sorted(served - pages)} unknown to the router"
