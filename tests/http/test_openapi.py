"""The OpenAPI document describes every /api/v1 route, with its methods."""

import re


def api_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                yield path, method.lower()


def test_every_api_route_is_documented(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    missing = [
        f"{method.upper()} {path}"
        for path, method in api_routes(app)
        if method not in document["paths"].get(path, {})
    ]
    assert missing == []


def test_documented_paths_exist(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    routes = set(api_routes(app))
    for path, operations in document["paths"].items():
        for method in operations:
            assert (path, method) in routes, f"{method.upper()} {path} is documented but absent"


def test_every_operation_declares_its_security_and_responses(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemes = set(document["components"]["securitySchemes"])
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["responses"], (method, path)
            for requirement in operation["security"]:
                assert set(requirement) <= schemes, (method, path)
