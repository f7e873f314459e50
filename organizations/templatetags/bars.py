"""Progress bars without style attributes: the Content-Security-Policy allows no inline style,
so a width is a class (.w-0 … .w-100 in app.css)."""
from django import template

register = template.Library()


@register.filter
def bar_width(percent):
    try:
        value = round(float(percent))
    except (TypeError, ValueError):
        value = 0
    return f"w-{min(100, max(0, value))}"
