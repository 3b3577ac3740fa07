"""The player block: pages (cms, lms) offer it in their StreamFields."""

from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock

from media_pipeline.selectors import player_context


class MediaPlayerBlock(blocks.StructBlock):
    """An HTML5 <video>/<audio> player of the lightest rendition (240p before 360p, audio for
    audio-only material), the poster, and the list of downloads with their sizes. No script:
    the browser's own controls; preload="none" so a page view spends no data until play."""

    asset = SnippetChooserBlock("media_pipeline.MediaAsset", label="Material audiovisual")
    caption = blocks.CharBlock(
        label="Leyenda", required=False, max_length=255, help_text="Opcional, bajo el reproductor."
    )

    class Meta:
        template = "media_pipeline/blocks/media_player.html"
        icon = "media"
        label = "Reproductor de audio o video"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context.update(player_context(asset=value.get("asset")))
        context["caption"] = value.get("caption")
        return context
