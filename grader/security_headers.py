"""Headers every response carries, pages, API and files alike.

The pages load only their own style sheet, plots and one script (the result page
polls its own status), so the policy allows exactly that: no inline style or script (student-supplied text and
file names reach pages only as escaped data, and even a slip could not run), no
framing (clickjacking the upload form), no form posted elsewhere. The referrer
stays on this site: a result page's address is its only key, so it must not leak
to another site, while Flask-WTF still sees the same-origin referrer it checks on
HTTPS.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "script-src 'self'",
        "connect-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def init_app(app: Flask) -> None:
    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
