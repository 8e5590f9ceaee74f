"""Rate limits counted in Redis are shared by every web process; an unreachable
limit store lets submissions through instead of turning students away."""

from __future__ import annotations

import io
import logging

import pytest

from grader.http_common import Services
from grader.ratelimit import RateLimited, RateLimiter
from tests.service_helpers import submit_file


def test_two_web_processes_share_one_limit(redis_url):
    first, second = RateLimiter(redis_url), RateLimiter(redis_url)
    first.hit("ip:10.0.0.1", "2/minute")
    second.hit("ip:10.0.0.1", "2/minute")
    with pytest.raises(RateLimited) as caught:
        first.hit("ip:10.0.0.1", "2/minute")
    assert "at most 2 per minute" in caught.value.message
    assert 1 <= int(caught.value.headers["Retry-After"]) <= 60
    second.hit("ip:10.0.0.2", "2/minute")  # another address has its own count


def test_in_process_limits_are_per_process():
    first, second = RateLimiter(), RateLimiter()
    first.hit("ip:a", "1/hour")
    second.hit("ip:a", "1/hour")
    with pytest.raises(RateLimited, match="at most 1 per hour"):
        first.hit("ip:a", "1/hour")


def test_an_unreachable_store_fails_open(caplog):
    limiter = RateLimiter("redis://127.0.0.1:1/0")
    with caplog.at_level(logging.WARNING, logger="grader.ratelimit"):
        for _ in range(3):
            limiter.hit("ip:a", "1/minute")
    assert "rate limit store unreachable" in caplog.text


@pytest.fixture
def app_config(app_config, redis_url):
    return {**app_config, "BROKER_URL": redis_url, "RATE_LIMIT_TOKEN": "1/minute"}


def test_the_api_counts_in_the_brokers_redis(app, app_config, auth, fixture_file):
    from grader.app import create_app

    other = create_app(app_config)  # a second web process: same database, same Redis
    try:
        data = fixture_file("chain-rule/correct.py")
        submit_file(app.test_client(), auth, "chain-rule", data)
        response = other.test_client().post(
            "/api/v1/assignments/chain-rule/submissions",
            headers=auth,
            data={"file": (io.BytesIO(data), "hw.py")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 429, response.get_json()
        assert response.get_json()["error"]["code"] == "rate_limited"
    finally:
        Services.of(other).db.dispose()


def test_wrong_tokens_are_counted_in_redis_across_web_processes(app, app_config, token):
    """An attacker spreading guesses over the web processes meets one count."""
    from grader.app import create_app

    other = create_app({**app_config, "RATE_LIMIT_AUTH_FAILURES": "2/minute"})
    app.config["RATE_LIMIT_AUTH_FAILURES"] = "2/minute"
    try:
        clients = [app.test_client(), other.test_client(), app.test_client()]
        answers = [
            c.get("/api/v1/assignments", headers={"Authorization": "Bearer guess"}).status_code
            for c in clients
        ]
        assert answers == [401, 401, 429]
        right = {"Authorization": f"Bearer {token}"}
        assert other.test_client().get("/api/v1/assignments", headers=right).status_code == 429
        elsewhere = {"REMOTE_ADDR": "10.9.9.9"}
        response = other.test_client().get(
            "/api/v1/assignments", headers=right, environ_base=elsewhere
        )
        assert response.status_code == 200
    finally:
        Services.of(other).db.dispose()
