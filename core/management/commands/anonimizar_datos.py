from django.conf import settings
from django.core.management.base import BaseCommand

from core.anonymise import personal_data_anonymise
from core.retention import retention_period_text


class Command(BaseCommand):
    help = (
        "Anonimiza los datos personales vencidos (Ley 29733): los de trámites resueltos hace más "
        "de RETENTION_TRAMITES_DAYS días y los de estudiantes retirados hace más de "
        "RETENTION_STUDENTS_DAYS días."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Solo cuenta lo que se anonimizaría, sin cambiar nada.",
        )

    def handle(self, *args, dry_run: bool = False, **options):
        result = personal_data_anonymise(dry_run=dry_run)
        verb = "Se anonimizarían" if dry_run else "Anonimizados"
        self.stdout.write(
            f"Plazos: trámites {retention_period_text(settings.RETENTION_TRAMITES_DAYS)} "
            f"desde su resolución; estudiantes "
            f"{retention_period_text(settings.RETENTION_STUDENTS_DAYS)} desde su retiro."
        )
        self.stdout.write(f"{verb}: {result.submissions} trámites")
        self.stdout.write(f"Adjuntos {'a borrar' if dry_run else 'borrados'}: {result.attachments}")
        self.stdout.write(f"{verb}: {result.students} estudiantes")
        self.stdout.write(
            f"Importaciones de estudiantes {'a vaciar' if dry_run else 'vaciadas'}: "
            f"{result.import_jobs}"
        )
        if dry_run:
            self.stdout.write("Solo conteo: no se cambió nada.")
