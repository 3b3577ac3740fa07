from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageBlock

from media_pipeline.blocks import MediaPlayerBlock


class LessonStreamBlock(blocks.StreamBlock):
    """A lesson's body. Documents placed here are offered among the lesson's downloads (through
    lms's recorded download URLs); the player plays the lightest rendition in the page, and the
    lesson page lists the files to download, so the lesson's player shows no download list."""

    heading = blocks.CharBlock(label="Título de sección", form_classname="title")
    paragraph = blocks.RichTextBlock(label="Texto")
    image = ImageBlock(label="Imagen")
    player = MediaPlayerBlock(template="lms/blocks/lesson_player.html")
    document = DocumentChooserBlock(label="Documento descargable")

    class Meta:
        label = "Contenido de la lección"
