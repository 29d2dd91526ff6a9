"""DRF's HTML view of the API (its browsable API), within the Content-Security-Policy.

Named in settings (`REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"]`); a module of its own so
that DRF can import it while its views module loads.
"""

import base64
import hashlib
import re
from pathlib import Path

import rest_framework
from rest_framework import renderers


def _drf_style_attribute_hashes() -> list[str]:
    """The CSP hash of every fixed `style="…"` DRF's browsable-API templates write (float a
    menu right, a fieldset's border…): the only inline thing those pages need, their
    scripts being files and their data a JSON block. Read from the installed DRF, so an
    upgrade that changes them changes the list; a style written from a variable would
    still be refused (and the browser sweep, tests/e2e/test_csp_browser.py, would say so)."""
    templates = Path(rest_framework.__file__).parent / "templates" / "rest_framework"
    values = {
        match.group(1)
        for template in templates.rglob("*.html")
        for match in re.finditer(r'\sstyle="([^"{}]*)"', template.read_text("utf-8"))
    }
    return sorted(f"'sha256-{_sha256(value)}'" for value in values)


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


BROWSABLE_API_STYLE_ATTRIBUTES = ["'unsafe-hashes'", *_drf_style_attribute_hashes()]


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's HTML view of the API, allowed exactly the style attributes its own templates
    write (by hash, `style-src-attr`): no 'unsafe-inline', no script exception. The rest of
    the site's policy (crm/settings/base.py) applies unchanged.

    Without the style element DRF adds where Pygments is installed (the colours of code
    blocks in a view's Markdown description; ours have none): the policy refuses it."""

    def get_context(self, data, accepted_media_type, renderer_context):
        context = super().get_context(data, accepted_media_type, renderer_context)
        context["code_style"] = None
        return context

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_update = {"style-src-attr": BROWSABLE_API_STYLE_ATTRIBUTES}
        return super().render(data, accepted_media_type, renderer_context)
