from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def soles(value) -> str:
    """S/. 1,234.50 — the way fees are written in the TUPA."""
    if value in (None, ""):
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"))
    return f"S/. {amount:,.2f}"


@register.filter
def get_item(mapping, key):
    if not mapping:
        return None
    return mapping.get(key)


@register.simple_tag
def field_widget(field, kept=None):
    """The widget with aria-describedby pointing at its help, kept-file note and error."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}-help")
    if kept:
        ids.append(f"{field.auto_id}-kept")
    attrs = {}
    if field.errors:
        ids.append(f"{field.auto_id}-error")
        attrs["aria-invalid"] = "true"
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    return field.as_widget(attrs=attrs)


STATUS_LABELS = {
    "recibido": "Recibido",
    "en_revision": "En revisión",
    "observado": "Observado",
    "aprobado": "Aprobado",
    "rechazado": "Rechazado",
    "entregado": "Entregado",
}


@register.simple_tag
def audit_details(entry, offices: dict) -> str:
    """A readable Spanish line for an audit entry's details."""
    d = entry.details or {}
    if entry.action == "status_changed":
        text = f"{STATUS_LABELS.get(d.get('from'), d.get('from'))} → "
        text += f"{STATUS_LABELS.get(d.get('to'), d.get('to'))}"
    elif entry.action == "office_changed":
        text = f"{offices.get(d.get('from_office'), '?')} → {offices.get(d.get('to_office'), '?')}"
    elif entry.action == "submitted":
        text = f"Canal: {d.get('channel', '')}; procedimiento {d.get('procedure', '')}"
    elif entry.action == "attachment_viewed":
        text = f"Adjunto «{d.get('field', '')}»"
    else:
        text = ""
    if d.get("note"):
        text += f" · Nota: {d['note']}"
    return text


@register.simple_tag
def bar_chart(rows, title: str = "", unit: str = ""):
    """A horizontal bar chart (core's SVG chart): rows: [(label, value)]; unit is written after
    each value ("d", "%")."""
    from django.utils.formats import localize
    from django.utils.safestring import mark_safe

    from core.charts import Series, svg_bar_chart

    rows = list(rows)
    if not rows:
        return mark_safe('<p class="help">Sin datos.</p>')
    values = [value for _, value in rows]
    series = Series(
        name=title, color="#0b5d4b", values=values, texts=[f"{localize(v)}{unit}" for v in values]
    )
    return svg_bar_chart(
        title=title,
        labels=[str(label)[:40] for label, _ in rows],
        series=[series],
        top=max(values) or 1,
        label_width=260,
    )


@register.simple_tag
def tramites_retention_period() -> str:
    """How long a decided file keeps the citizen's data, in words (RETENTION_TRAMITES_DAYS):
    the privacy notice says what the retention run does."""
    from django.conf import settings

    from core.retention import retention_period_text

    return retention_period_text(settings.RETENTION_TRAMITES_DAYS)
