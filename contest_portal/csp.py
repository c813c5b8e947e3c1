"""The Content-Security-Policy of every response (settings.CONTENT_SECURITY_POLICY says what a page may load).

A response that is not a page (a clip, a picture, a PDF, an export) gets FILE_POLICY instead: nothing in it
may run or load anything, and the browser's own viewer, which styles the picture it shows inline, still may."""

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware

FILE_POLICY = {
    "default-src": [NONE],
    "img-src": [SELF],
    "media-src": [SELF],
    "style-src": [UNSAFE_INLINE],
    "sandbox": [],
}


def _is_page(response):
    return response.get("Content-Type", "").startswith(("text/html", "application/xhtml+xml"))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None and not _is_page(response):
            parts.config = FILE_POLICY
        return parts
