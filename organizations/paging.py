"""One way to read a page number: whatever the query string says, a page that exists."""
from django.core.paginator import Paginator


def page_number(raw, total, per_page):
    """1 … last page: garbage, zero and negatives are page 1, anything past the end the last page.
    Never an int beyond the page count reaches SQL (an OFFSET past 2⁶³ is a 500)."""
    pages = max(1, (total + per_page - 1) // per_page)
    text = str(raw or "").strip()
    if not text.isdigit() or len(text) > 12:
        return pages if text.isdigit() else 1
    return min(max(1, int(text)), pages)


def paginate(items, per_page, raw):
    """A Django Page for list pages (Paginator.get_page already clamps)."""
    return Paginator(items, per_page).get_page(raw)
