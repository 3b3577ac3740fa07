from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageBlock

from broadcast.blocks import TodayOnTvBlock
from media_pipeline.blocks import MediaPlayerBlock
from tramites_bridge.blocks import ProcedureFormBlock


class StandardStreamBlock(blocks.StreamBlock):
    """Content blocks for the site's own pages. Apps add their blocks here (the procedure form,
    "Hoy en TV", the player) as their issues land."""

    heading = blocks.CharBlock(label="Título de sección", form_classname="title")
    paragraph = blocks.RichTextBlock(label="Texto")
    image = ImageBlock(label="Imagen")
    document = DocumentChooserBlock(label="Documento", template="cms/blocks/document.html")
    procedure_form = ProcedureFormBlock()
    media_player = MediaPlayerBlock()
    today_on_tv = TodayOnTvBlock()

    class Meta:
        label = "Contenido"
