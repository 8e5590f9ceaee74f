"""The Flask application factory: configuration, database, file store, job
queue, CSRF, the web and API blueprints, ``/metrics``, and one error handler
that answers JSON (API, or when JSON is preferred) or an HTML page."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from grader import http_metrics, security_headers
from grader.config import default_instance_path, load_config
from grader.db import Database
from grader.errors import GraderError
from grader.http_common import EXTENSION, Services, error_response
from grader.json_bodies import BoundedJSONProvider
from grader.storage import BlobStore

log = logging.getLogger(__name__)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build an app. Nothing is started here: ``grader serve`` starts the job runner."""
    overrides = dict(overrides or {})
    instance = Path(overrides.pop("INSTANCE_PATH", None) or default_instance_path())
    app = Flask(
        "grader", instance_path=str(instance), instance_relative_config=True, static_folder=None
    )
    app.config.update(load_config(instance, overrides))
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_BYTES"]
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.json = BoundedJSONProvider(app)
    app.json.sort_keys = False  # type: ignore[attr-defined]

    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    from flask_wtf.csrf import CSRFProtect

    app.extensions[EXTENSION] = make_services(app.config)
    csrf = CSRFProtect(app)

    from grader.api import bp as api_bp
    from grader.web import bp as web_bp
    from grader.web import signin

    signin.init_app(app)
    app.register_blueprint(web_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)  # token-authenticated, no cookies
    register_error_handlers(app)
    security_headers.init_app(app)
    http_metrics.init_app(app)
    return app


def make_services(config: dict[str, Any]) -> Services:
    from grader.jobs import make_queue
    from grader.ratelimit import RateLimiter, storage_url

    database = Database(config["DATABASE_URL"])
    store = BlobStore(config["STORAGE_DIR"])
    return Services(
        db=database,
        store=store,
        queue=make_queue(config, database, store),
        limiter=RateLimiter(storage_url(config)),
    )


_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "rate_limited",
    503: "busy",
}


def register_error_handlers(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    @app.errorhandler(GraderError)
    def grader_error(exc: GraderError) -> Any:
        if exc.status_code >= 500:
            log.error("%s: %s", exc.code, exc.message)
        headers = getattr(exc, "headers", None)
        return error_response(
            exc.status_code, exc.code, exc.message, field=exc.field, headers=headers
        )

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        return error_response(
            400,
            "csrf_failed",
            "The form expired or was not sent from this site; reload the page and try again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        message = exc.description or exc.name
        if status == 413:
            limit = app.config["MAX_UPLOAD_BYTES"]
            message = f"The upload is larger than the limit of {limit // 1024} KiB."
        return error_response(status, _CODES.get(status, "http_error"), message)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(
            500, "internal_error", "Something went wrong on our side; it has been logged."
        )
