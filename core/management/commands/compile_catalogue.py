from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Compila los catálogos .po del proyecto (LOCALE_PATHS) a .mo sin necesitar gettext "
        "instalado en el sistema."
    )

    def handle(self, *args, **options):
        count = 0
        for base in settings.LOCALE_PATHS:
            for po_path in sorted(Path(base).glob("*/LC_MESSAGES/*.po")):
                catalogue = polib.pofile(str(po_path))
                catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
                count += 1
                self.stdout.write(f"{po_path}: {len(catalogue.translated_entries())} traducciones")
        self.stdout.write(self.style.SUCCESS(f"{count} catálogo(s) compilado(s)."))
