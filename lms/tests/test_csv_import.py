import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from lms.models import Enrollment, StudentProfile
from lms.services import students_import
from lms.tests.factories import student_create

pytestmark = pytest.mark.django_db

HEADER = "dni,nombres,apellidos,distrito,zona,telefono\n"
VALID = (
    HEADER + "41000001,María Isabel,Chávez Cueva,Cajamarca,urbana,976111222\n"
    "41000002,Segundo,Huamán Tasilla,Encañada,rural,\n"
    "41000003,Flor,Quispe Ocas,los banos del inca,Urbana,+51 976 333 444\n"
)


def _import(course, text: str, **kwargs):
    return students_import(course=course, content=text.encode("utf-8"), **kwargs)


def test_a_valid_file_creates_enrolled_students_with_working_initial_passwords(course):
    result = _import(course, VALID)
    assert result.ok
    assert len(result.created) == 3
    assert StudentProfile.objects.count() == 3
    assert Enrollment.objects.filter(course=course).count() == 3
    flor = StudentProfile.objects.get(dni="41000003")
    assert (flor.district, flor.zone, flor.phone) == ("Los Baños del Inca", "urbana", "976333444")
    assert flor.user.username == "41000003"
    assert flor.user.groups.filter(name="Estudiantes").exists()
    card = next(c for c in result.created if c["dni"] == "41000001")
    assert authenticate(username="41000001", password=card["password"]) is not None
    assert card["password"] not in flor.user.password


def test_reimporting_the_same_file_changes_nothing(course):
    _import(course, VALID)
    snapshot = list(
        StudentProfile.objects.order_by("dni").values_list(
            "dni", "first_names", "last_names", "district", "zone", "phone", "user__password"
        )
    )
    again = _import(course, VALID)
    assert again.ok
    assert (len(again.created), again.updated, again.enrolled, again.unchanged) == (0, 0, 0, 3)
    assert snapshot == list(
        StudentProfile.objects.order_by("dni").values_list(
            "dni", "first_names", "last_names", "district", "zone", "phone", "user__password"
        )
    )
    assert Enrollment.objects.count() == 3


def test_a_student_who_left_and_is_imported_again_is_back_in_the_course(course):
    from django.utils import timezone

    assert _import(course, VALID).ok
    Enrollment.objects.filter(student__dni="41000002").update(left_at=timezone.now())
    result = _import(course, VALID)
    assert result.ok and result.enrolled == 1 and result.unchanged == 2
    enrollment = Enrollment.objects.get(student__dni="41000002", course=course)
    assert enrollment.left_at is None  # the retention period no longer runs
    assert Enrollment.objects.filter(course=course).count() == 3


def test_a_student_imported_back_into_the_course_counts_again_in_its_charts(course, unit):
    import uuid

    from django.utils import timezone

    from lms.retention import enrollment_mark_left
    from lms.selectors import tracking_dashboard
    from lms.services import ProgressEventIn, progress_events_record
    from lms.tests.factories import lesson_create

    lesson = lesson_create(unit=unit, episode=1, code="UNO01")
    assert _import(course, VALID).ok
    segundo = StudentProfile.objects.get(dni="41000002")
    watched = ProgressEventIn(
        id=uuid.uuid4(),
        lesson=lesson.pk,
        type="position",
        at=timezone.now(),
        position_seconds=90.0,
        duration_seconds=100.0,
    )
    progress_events_record(student=segundo, events=[watched])
    enrollment_mark_left(enrollment=Enrollment.objects.get(student=segundo, course=course))
    (row,) = tracking_dashboard(course=course)["lesson_rows"]
    assert (row.started, row.completed) == (0, 0)
    assert _import(course, VALID).ok
    (row,) = tracking_dashboard(course=course)["lesson_rows"]
    assert (row.started, row.completed) == (1, 1)


def test_a_known_student_is_updated_and_enrolled_without_a_new_password(course):
    known = student_create(dni="41000002", first_names="Segundo", last_names="Huamán")
    password_before = known.user.password
    result = _import(course, VALID)
    assert result.ok
    assert len(result.created) == 2
    assert result.updated == 1
    known.refresh_from_db()
    assert known.last_names == "Huamán Tasilla"
    assert known.user.password == password_before
    assert Enrollment.objects.filter(student=known, course=course).exists()


@pytest.mark.parametrize(
    ("row", "column", "message_part"),
    [
        ("4100000,Ana,Ruiz,Cajamarca,urbana,", "dni", "8 dígitos"),
        ("4100000A,Ana,Ruiz,Cajamarca,urbana,", "dni", "8 dígitos"),
        (",Ana,Ruiz,Cajamarca,urbana,", "dni", "Falta el DNI"),
        ("41000001,Ana,Ruiz,Cajamarca,urbana,", "dni", "ya aparece en la fila 2"),
        ("41000009,,Ruiz,Cajamarca,urbana,", "nombres", "Faltan los nombres"),
        ("41000009,Ana,,Cajamarca,urbana,", "apellidos", "Faltan los apellidos"),
        ("41000009,Ana 2,Ruiz,Cajamarca,urbana,", "nombres", "tiene números"),
        ("41000009,Ana,Ruiz,Lima,urbana,", "distrito", "no es un distrito"),
        ("41000009,Ana,Ruiz,,urbana,", "distrito", "Falta el distrito"),
        ("41000009,Ana,Ruiz,Cajamarca,centro,", "zona", "urbana o rural"),
        ("41000009,Ana,Ruiz,Cajamarca,urbana,12", "telefono", "no es un teléfono"),
        ("41000009,Ana,Ruiz,Cajamarca,urbana,,extra", "", "coma de más"),
    ],
)
def test_each_kind_of_bad_row_is_reported_by_row_and_column_and_nothing_is_imported(
    course, row, column, message_part
):
    text = HEADER + "41000001,María,Chávez,Cajamarca,urbana,\n" + row + "\n"
    result = _import(course, text)
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert message_part in result.errors[0].message
    assert StudentProfile.objects.count() == 0
    assert get_user_model().objects.filter(username="41000001").count() == 0


def test_every_bad_row_is_listed_at_once(course):
    text = HEADER + "123,Ana,Ruiz,Cajamarca,urbana,\n41000002,Luis,Díaz,Cusco,norte,\n"
    result = _import(course, text)
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "dni"),
        (3, "distrito"),
        (3, "zona"),
    ]


def test_a_dni_that_belongs_to_a_staff_account_is_rejected(course, make_user):
    make_user("coach", username="41000002")
    result = _import(course, VALID)
    assert [(e.row, e.column) for e in result.errors] == [(3, "dni")]
    assert StudentProfile.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message_part"),
    [
        (b"dni,nombres,apellidos\n41000001,Ana,Ruiz\n", "Faltan las columnas"),
        (b"dni,nombres,apellidos,distrito,zona,correo\n", "Columnas desconocidas"),
        (b"", "vac"),
        (HEADER.encode(), "no tiene estudiantes"),
        (
            "dni,nombres,apellidos,distrito,zona\n41000001,José,Ruiz,Jesús,rural\n".encode(
                "latin-1"
            ),
            "UTF-8",
        ),
    ],
)
def test_a_broken_file_is_explained(course, content, message_part):
    result = students_import(course=course, content=content)
    assert not result.ok
    assert any(message_part in e.message for e in result.errors)
    assert StudentProfile.objects.count() == 0


def test_a_spreadsheet_export_with_semicolons_and_a_bom_is_read(course):
    text = "\ufeff" + VALID.replace(",", ";")
    result = _import(course, text)
    assert result.ok, [str(e) for e in result.errors]
    assert StudentProfile.objects.count() == 3


def test_a_dry_run_checks_without_importing(course):
    result = _import(course, VALID, dry_run=True)
    assert result.ok
    assert len(result.created) == 3
    assert "password" not in result.created[0]
    assert StudentProfile.objects.count() == 0


def test_the_command_imports_and_prints_the_initial_passwords_once(course, tmp_path, capsys):
    path = tmp_path / "estudiantes.csv"
    path.write_text(VALID, encoding="utf-8")
    call_command("import_students", str(path), "--course", course.slug)
    out = capsys.readouterr().out
    assert "nuevos: 3" in out
    line = next(line for line in out.splitlines() if line.startswith("41000001,"))
    password = line.split(",")[-1]
    assert authenticate(username="41000001", password=password) is not None
    call_command("import_students", str(path), "--course", course.slug)
    assert "nuevos: 0" in capsys.readouterr().out


def test_the_command_exits_non_zero_and_imports_nothing_when_a_row_is_rejected(
    course, tmp_path, capsys
):
    path = tmp_path / "estudiantes.csv"
    path.write_text(VALID + "999,Ana,Ruiz,Cajamarca,urbana,\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_students", str(path), "--course", course.slug)
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "Fila 5, columna «dni»" in err
    assert StudentProfile.objects.count() == 0


def test_the_command_dry_run_imports_nothing(course, tmp_path, capsys):
    path = tmp_path / "estudiantes.csv"
    path.write_text(VALID, encoding="utf-8")
    call_command("import_students", str(path), "--course", course.slug, "--dry-run")
    assert "no se importó nada" in capsys.readouterr().out
    assert StudentProfile.objects.count() == 0


def test_the_command_names_an_unknown_course(course, tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "estudiantes.csv"
    path.write_text(VALID, encoding="utf-8")
    with pytest.raises(CommandError, match="No hay un curso"):
        call_command("import_students", str(path), "--course", "no-existe")


def test_an_import_run_taken_over_by_another_writes_nothing_and_the_new_run_finishes(
    course, users, monkeypatch
):
    from django.contrib.auth.hashers import make_password

    from lms.models import StudentImportJob
    from lms.services import student_import_job_run

    job = StudentImportJob.objects.create(
        course=course, created_by=users["coach"], content=VALID.encode(), original_filename="a.csv"
    )

    def hash_while_the_sweeper_takes_over(raw):
        # the sweeper re-queued the job and another run took it while this one was hashing
        StudentImportJob.objects.filter(pk=job.pk).update(run_token="otra-ejecucion")
        return make_password(raw)

    monkeypatch.setattr("lms.services.students.make_password", hash_while_the_sweeper_takes_over)
    student_import_job_run(job_id=job.pk)
    assert StudentProfile.objects.count() == 0
    job.refresh_from_db()
    assert not job.finished

    monkeypatch.setattr("lms.services.students.make_password", make_password)
    student_import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == StudentImportJob.Status.DONE
    assert len(job.roster) == 3
    assert StudentProfile.objects.count() == 3
    student_import_job_run(job_id=job.pk)  # a late duplicate delivery changes nothing
    job.refresh_from_db()
    assert len(job.roster) == 3
