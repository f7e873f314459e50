"""PDF rendering for supervision orders and briefings (WeasyPrint).

The CJK face comes from the system (fonts-noto-cjk: Noto Sans CJK SC). Templates must set
<html lang="zh-CN"> and name the family in every font stack, or Noto's Japanese face is
embedded (tech-notes). The url_fetcher serves only local static/media files and data: URIs,
so user text in a PDF can never make the server fetch a URL.
"""
import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

CJK_FONT_STACK = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif'


class BlockedURL(ValueError):
    pass


def _local_path(url):
    parsed = urlparse(url)
    path = unquote(parsed.path)
    if path.startswith(settings.STATIC_URL):
        found = finders.find(path[len(settings.STATIC_URL):])
        return Path(found) if found else None
    if path.startswith(settings.MEDIA_URL):
        candidate = (Path(settings.MEDIA_ROOT) / path[len(settings.MEDIA_URL):]).resolve()
        if Path(settings.MEDIA_ROOT).resolve() in candidate.parents and candidate.is_file():
            return candidate
    return None


def _local_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalURLFetcher(URLFetcher):
        """Serves static/media files from disk and data: URIs; refuses everything else."""

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = _local_path(url)
            if path is None:
                raise BlockedURL(f"PDF rendering does not fetch {url!r}")
            mime = mimetypes.guess_type(str(path))[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    return LocalURLFetcher


def local_url_fetcher():
    return _local_fetcher_class()()


def render_pdf(template_name, context, *, request=None):
    """Render a template to PDF bytes. Raises if WeasyPrint had to draw a missing glyph."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    html = render_to_string(template_name, context, request=request)
    fonts = FontConfiguration()
    base_css = CSS(string=f"html {{ font-family: {CJK_FONT_STACK}; }}", font_config=fonts)
    collector = _NotdefCollector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    try:
        pdf = HTML(string=html, base_url="http://pdf.local/", url_fetcher=local_url_fetcher()).write_pdf(
            stylesheets=[base_css], font_config=fonts
        )
    finally:
        logger.removeHandler(collector)
    if collector.notdef:
        raise MissingGlyphs("; ".join(collector.notdef[:3]))
    return pdf


class MissingGlyphs(RuntimeError):
    """The PDF would show boxes instead of characters: no CJK font is installed."""


class _NotdefCollector(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.notdef = []

    def emit(self, record):
        message = record.getMessage()
        if "notdef" in message.lower():
            self.notdef.append(message)
