import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lms.models import CoursePage
from lms.services import students_import


class Command(BaseCommand):
    help = (
        "Importa estudiantes desde un CSV (UTF-8, encabezado dni,nombres,apellidos,distrito,zona,"
        "telefono) y los inscribe en el curso. Todo o nada: si una fila tiene errores no se "
        "importa ninguna y el comando termina con estado 1. Muestra una sola vez las contraseñas "
        "iniciales de los estudiantes nuevos."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="ruta del archivo CSV")
        parser.add_argument("--course", required=True, help="slug del curso")
        parser.add_argument(
            "--dry-run", action="store_true", help="solo revisar el archivo, sin importar nada"
        )

    def handle(self, *args, file: str, course: str, dry_run: bool, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No existe el archivo {file}.")
        course_page = CoursePage.objects.filter(slug=course).first()
        if course_page is None:
            slugs = ", ".join(CoursePage.objects.values_list("slug", flat=True)) or "ninguno"
            raise CommandError(f"No hay un curso con el slug «{course}». Cursos: {slugs}.")
        last = {"percent": -10}

        def progress(percent: int, phase: str) -> None:
            if percent - last["percent"] >= 10 or percent == 100:
                last["percent"] = percent
                self.stderr.write(f"{percent:3d} % {phase}")

        result = students_import(
            course=course_page, content=path.read_bytes(), dry_run=dry_run, progress=progress
        )
        if result.errors:
            self.stderr.write(
                self.style.ERROR(f"No se importó nada: {len(result.errors)} error(es).")
            )
            for error in result.errors:
                self.stderr.write(str(error))
            sys.exit(1)
        summary = (
            f"nuevos: {len(result.created)}, actualizados: {result.updated}, "
            f"inscritos: {result.enrolled}, sin cambios: {result.unchanged}"
        )
        if dry_run:
            self.stdout.write(
                self.style.SUCCESS(f"Archivo correcto (no se importó nada): {summary}.")
            )
            return
        self.stdout.write(self.style.SUCCESS(f"Importación terminada: {summary}."))
        if result.created:
            self.stdout.write(
                "\nContraseñas iniciales (se muestran una sola vez; entréguelas en tarjetas):"
            )
            self.stdout.write("dni,nombres,apellidos,contraseña")
            for card in result.created:
                self.stdout.write(
                    f"{card['dni']},{card['first_names']},{card['last_names']},{card['password']}"
                )
