"""The "Hoy en TV" block for the site's pages (cms composes it into its StreamBlock)."""

from wagtail import blocks

from broadcast.selectors import airings_today


class TodayOnTvBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label="Título", default="Hoy en TV", max_length=60)

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["airings"] = airings_today()
        return context

    class Meta:
        label = "Hoy en TV"
        icon = "date"
        template = "broadcast/blocks/today_on_tv.html"
