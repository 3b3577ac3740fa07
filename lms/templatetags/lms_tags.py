from django import template

from lms.selectors import size_mb_label

register = template.Library()


@register.filter
def mb(size_bytes) -> str:
    """A size in bytes as students read it: "21 MB", "0,3 MB" (rounded up)."""
    try:
        return size_mb_label(int(size_bytes or 0))
    except (TypeError, ValueError):
        return ""
