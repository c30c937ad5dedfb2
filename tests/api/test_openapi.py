"""The OpenAPI document says what every operation answers: a named response model for each
success, the service's `{code, message}` for each error."""

from api.app import create_app

FILES = {("get", "/api/v1/admin/reports/{name}/{file}")}  # a report's page or plot, as a file


def test_every_success_response_is_a_declared_model_and_every_error_is_the_error_shape():
    spec = create_app().openapi()
    schemas = spec["components"]["schemas"]
    checked = 0
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            success = {code: r for code, r in op["responses"].items() if code.startswith("2")}
            assert len(success) == 1, (method, path)
            (code, response), = success.items()
            if code == "204" or (method, path) in FILES:
                continue
            schema = response["content"]["application/json"]["schema"]
            ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
            assert ref, (method, path, schema)
            model = schemas[ref.rsplit("/", 1)[1]]
            assert model["properties"] and model.get("additionalProperties") is False, (method, path)
            for status in ("401", "404", "422"):
                assert op["responses"][status]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
            checked += 1
    assert checked >= 40


def test_optional_fields_are_left_out_not_written_as_null(officer_a):
    review = officer_a.post("/api/v1/check", json={"title": "我县召开防汛工作会议",
                                                   "body": "7月2日上午,县防汛抗旱指挥部召开全县防汛工作会议,部署主汛期防汛工作。"}).json()
    assert "fixed" not in review  # only with fix=true
    assert review["flags"] and any("suggestion" not in f for f in review["flags"])
    assert not any(value is None for f in review["flags"] for value in f.values())
