from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageBlock


class LessonStreamBlock(blocks.StreamBlock):
    """A lesson's body. The media pipeline's player block joins it with the media issue."""

    heading = blocks.CharBlock(label="Título de sección", form_classname="title")
    paragraph = blocks.RichTextBlock(label="Texto")
    image = ImageBlock(label="Imagen")
    document = DocumentChooserBlock(label="Documento descargable")

    class Meta:
        label = "Contenido de la lección"
