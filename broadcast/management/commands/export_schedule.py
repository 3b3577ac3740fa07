import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from broadcast import selectors
from broadcast.feeds import FeedContext, build_csv, build_ics, build_xmltv


class Command(BaseCommand):
    help = "Exporta la programación como iCalendar, XMLTV o CSV (por defecto a la salida estándar)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["ics", "xmltv", "csv"], required=True)
        parser.add_argument("--channel", help="Identificador del canal (canal-7, canal-25).")
        parser.add_argument("--from", dest="date_from", help="AAAA-MM-DD (hora de Lima).")
        parser.add_argument("--to", dest="date_to", help="AAAA-MM-DD, inclusive.")
        parser.add_argument("-o", "--output", help="Archivo de salida.")
        parser.add_argument(
            "--base-url",
            default=settings.WAGTAILADMIN_BASE_URL,
            help="Dirección pública del sitio, para los enlaces a las lecciones.",
        )

    def handle(self, *args, **options):
        try:
            start, end = selectors.parse_window(options["date_from"], options["date_to"])
        except selectors.WindowError as exc:
            raise CommandError(str(exc)) from exc
        channel = None
        if options["channel"]:
            channel = selectors.channel_by_slug(options["channel"])
            if channel is None:
                raise CommandError(f"No existe el canal «{options['channel']}».")
        airings = selectors.airings_in_window(start=start, end=end, channel=channel)
        ctx = FeedContext(
            base_url=options["base_url"].rstrip("/"), root_path=selectors.lesson_root_path()
        )
        fmt = options["format"]
        if fmt == "ics":
            name = channel.name if channel else "TV Norte canales 7 y 25"
            body = build_ics(
                airings, calname=f"{settings.BROADCAST_PROGRAMME_TITLE} — {name}", ctx=ctx
            )
        elif fmt == "xmltv":
            channels = [channel] if channel else selectors.channels_list()
            body = build_xmltv(channels, airings, ctx=ctx)
        else:
            body = build_csv(airings, ctx=ctx)
        if options["output"]:
            with open(options["output"], "wb") as handle:
                handle.write(body)
            self.stderr.write(f"{len(airings)} emisiones → {options['output']}")
        else:
            sys.stdout.buffer.write(body)
