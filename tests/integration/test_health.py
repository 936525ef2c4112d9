"""/healthz reports the database and, when configured, Redis."""

import pytest

from hotline.infra.database import dispose_engines
from tests.conftest import app_with


def make_app(database_url, redis_url, tmp_path):
    return app_with(database_url, tmp_path, redis_url=redis_url)


@pytest.mark.redis
def test_health_includes_redis_when_it_is_configured(database_url, redis_url, tmp_path):
    app = make_app(database_url, redis_url, tmp_path)
    response = app.test_client().get("/healthz")
    dispose_engines(app)
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_an_unreachable_redis_makes_the_service_unhealthy(database_url, tmp_path):
    app = make_app(database_url, "redis://127.0.0.1:1/0", tmp_path)
    response = app.test_client().get("/healthz")
    dispose_engines(app)
    assert response.status_code == 503
    body = response.get_json()
    assert body["database"] == "ok"
    assert body["redis"].startswith("error")


def test_an_unreachable_database_makes_the_service_unhealthy(tmp_path):
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:1/none", None, tmp_path)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"].startswith("error")
