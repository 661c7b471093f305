"""Security headers on every response (pages, files, charts, exports, errors, JSON).

One ``after_request`` rather than a library: flask-talisman is effectively unmaintained,
and secure.py (maintained) applies one fixed set to every response — HSTS and
``no-store`` included — while ours depend on the request (HSTS only over HTTPS, static
files keep their caching). What remains is a handful of constant strings.

The policy forbids inline script and style: templates load tracker/static/ only.
"""

from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# Two years, as the HSTS preload list asks; sent only over HTTPS (RFC 6797 §7.2).
STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    response.headers.update(HEADERS)
    if request.is_secure:  # honours PROXY_COUNT through ProxyFix
        response.headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    if request.endpoint != "static":
        # Pages for signed-in users, exports and downloads, and the sign-in form with its
        # CSRF token: nothing of them belongs in a shared or back-button cache. Static
        # files keep Flask's caching (ETag, conditional requests).
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Pragma", None)
        response.headers.pop("Expires", None)
    return response
