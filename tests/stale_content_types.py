"""After a transactional test, Django flushes every table and recreates content types and
permissions with NEW ids. Processes that outlive the flush (this one, the worker subprocess)
still hold the old ids in ContentType's cache and in Wagtail's permission policies'
`_content_type` cached properties. This forgets them whenever the ids changed."""

import gc

_last_seen: dict[str, int | None] = {"page_content_type": None}


def forget_stale_content_types() -> None:
    from django.contrib.contenttypes.models import ContentType
    from wagtail.permission_policies.base import BasePermissionPolicy

    current = (
        ContentType.objects.filter(app_label="wagtailcore", model="page")
        .values_list("pk", flat=True)
        .first()
    )
    if current == _last_seen["page_content_type"]:
        return
    _last_seen["page_content_type"] = current
    ContentType.objects.clear_cache()
    for obj in gc.get_objects():
        # type(), not isinstance(): isinstance would evaluate lazy objects (e.g. a CSP nonce)
        if issubclass(type(obj), BasePermissionPolicy):
            obj.__dict__.pop("_content_type", None)
