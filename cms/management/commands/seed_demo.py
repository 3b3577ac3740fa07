import importlib
import importlib.util

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

# Floor order of ARCHITECTURE.md, bottom first: each app's seed may use what lower ones made.
SEED_MODULES = [
    "core.seed",
    "media_pipeline.seed",
    "tramites_bridge.seed",
    "lms.seed",
    "broadcast.seed",
    "cms.seed",
]


class Command(BaseCommand):
    help = "Carga los datos de demostración (idempotente: una segunda ejecución no crea nada)."

    def handle(self, *args, **options):
        from cms.seed import seed_site_root

        with transaction.atomic():
            seed_site_root()  # every app's pages hang under the home page
        for module_name in SEED_MODULES:
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            with transaction.atomic():
                created = module.seed() or []
            summary = ", ".join(map(str, created[:8])) + ("…" if len(created) > 8 else "")
            self.stdout.write(
                f"{module_name}: {len(created)} nuevos{(': ' + summary) if created else ''}"
            )
        if settings.DEBUG:
            from core.seed import demo_accounts_table

            self.stdout.write(
                self.style.SUCCESS("\nCuentas de demostración (usuario / contraseña):")
            )
            for role, username, password in demo_accounts_table():
                self.stdout.write(f"  {role:<20} {username:<22} {password}")
