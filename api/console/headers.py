"""Security headers of every console page, the login page included."""

from fastapi.responses import Response

# DSFR's own styles use small inline SVG (data:) images; nothing else comes from elsewhere.
# DSFR's script sets style attributes on some components (seen on the home page's tiles, now and
# then): style attributes only are allowed, never <style> elements or inline scripts.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src-attr 'unsafe-inline'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def harden(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
