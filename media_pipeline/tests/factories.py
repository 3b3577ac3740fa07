import hashlib

import factory
from django.core.files.base import ContentFile

from media_pipeline.models import MediaAsset, Rendition


class MediaAssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MediaAsset

    title = factory.Sequence(lambda n: f"Material {n}")
    original_filename = "clase.mp4"
    original = factory.LazyAttribute(
        lambda o: ContentFile(f"contenido {o.title}".encode(), name=o.original_filename)
    )
    original_size = 20
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.title.encode()).hexdigest())
    kind = MediaAsset.Kind.VIDEO


class RenditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rendition

    asset = factory.SubFactory(MediaAssetFactory)
    profile = "video_240p"
    file = factory.LazyAttribute(lambda o: ContentFile(b"x" * 1000, name=f"{o.profile}.mp4"))
    size_bytes = 1000
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.profile.encode()).hexdigest())
    mime_type = "video/mp4"
