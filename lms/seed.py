"""Demo course: "Aprendiendo paso a paso" with 3 units and 12 lessons written by the two
presenters and published through the validation workflow (approved by "validacion"), and its
530 students across the districts of Cajamarca province. Idempotent: names and DNIs come from a
fixed random seed, so a second run finds everything and creates nothing."""

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import Site

from core import roles
from core.pdf import one_page_pdf
from core.seed import DEMO_ACCOUNTS, DEMO_PASSWORD
from lms.models import (
    Certificate,
    CoursePage,
    Enrollment,
    LessonMediaAsset,
    LessonPage,
    LessonProgress,
    LessonStats,
    ProgressEvent,
    QuizAttempt,
    QuizQuestion,
    StudentActivity,
    StudentProfile,
    UnitPage,
)
from lms.services import certificate_code_new, course_workflow_ensure
from media_pipeline.models import MediaAsset

COURSE_SLUG = "aprendiendo-paso-a-paso"
STUDENT_COUNT = 530
DEMO_STUDENT = "40000001"
PRESENTERS = ["conductora.rosa", "conductora.milagros"]
VALIDATOR = "validacion"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no O/0 or I/1 to misread on TV

UNITS: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "Unidad 1: Mi celular, paso a paso",
        "Usar el teléfono con confianza: llamadas, mensajes, fotos y datos.",
        [
            ("Conozco mi celular", "Botones, pantalla, carga de batería y cuidado del equipo."),
            ("Llamadas y mensajes", "Guardar contactos, llamar y enviar mensajes de voz."),
            ("Cuido mis datos móviles", "Cuánto gasta un video, un audio o una foto."),
            ("Fotos y documentos", "Fotografiar un documento para un trámite, legible."),
        ],
    ),
    (
        "Unidad 2: Servicios y trámites en línea",
        "La municipalidad desde el celular o la cabina: trámites, seguimiento y seguridad.",
        [
            ("Mi DNI y mis claves", "Contraseñas seguras y cómo no caer en engaños."),
            ("Trámites municipales", "Qué es el TUPA y cómo iniciar un trámite en una cabina."),
            ("Sigo mi trámite", "El código de seguimiento y los estados de un expediente."),
            ("Pagos y comprobantes", "Pagar tasas y guardar el comprobante."),
        ],
    ),
    (
        "Unidad 3: Emprender en mi comunidad",
        "Ideas para un negocio local: licencias, cuentas claras y ventas.",
        [
            ("Mi idea de negocio", "Del producto de la chacra a la venta en la feria."),
            ("La licencia de funcionamiento", "Requisitos, costo y plazos en Cajamarca."),
            ("Cuentas claras", "Ingresos, gastos y ganancia en un cuaderno."),
            ("Vender más y mejor", "Precios justos, trato al cliente y ventas por celular."),
        ],
    ),
]

FIRST_NAMES_F = [
    "María", "Rosa", "Carmen", "Juana", "Luz", "Elena", "Flor", "Marleni", "Yeni", "Nelly",
    "Maribel", "Sonia", "Gladys", "Norma", "Santos", "Delia", "Edith", "Yolanda", "Julia",
    "Marisol", "Lucía", "Roxana", "Elizabeth", "Haydée", "Esperanza", "Consuelo", "Milagros",
    "Teresa", "Doris", "Eva",
]  # fmt: skip
FIRST_NAMES_M = [
    "José", "Juan", "Luis", "Carlos", "Segundo", "Manuel", "Jorge", "Wilder", "Elmer", "Santos",
    "Víctor", "Pedro", "Miguel", "Walter", "Hugo", "Alindor", "Nilton", "Edwin", "Julio",
    "Róger", "Germán", "Marco", "Teodoro", "Eusebio", "Hernán", "Richard", "Franklin", "Jaime",
    "Raúl", "César",
]  # fmt: skip
SECOND_NAMES = ["", "", "", "Antonio", "Isabel", "Esther", "Alberto", "del Rosario", "Elvira"]
SURNAMES = [
    "Chávez", "Cueva", "Huamán", "Tantaleán", "Vásquez", "Quispe", "Mendoza", "Sánchez", "Díaz",
    "Terán", "Llanos", "Alcántara", "Zambrano", "Rojas", "Marín", "Cabrera", "Aguilar", "Chilón",
    "Becerra", "Silva", "Culqui", "Ocas", "Guevara", "Mego", "Tasilla", "Cerdán", "Bazán",
    "Saucedo", "Malca", "Cotrina", "Cacho", "Gálvez", "Infante", "Lingán", "Mantilla", "Ruiz",
    "Villanueva", "Ventura", "Huaccha", "Chuquilín", "Quiliche", "Ayay", "Rodríguez",
    "Cusquisibán", "Rabanal", "Aquino", "Machuca", "Tacilla", "Briones", "Julcamoro", "Correa",
    "Sangay", "Abanto", "Ispilco", "Pajares", "Castrejón", "Vargas", "Estela", "Leiva", "Torres",
]  # fmt: skip
# district -> (how many students, share living in rural areas)
DISTRICTS: list[tuple[str, int, float]] = [
    ("Cajamarca", 190, 0.2),
    ("Los Baños del Inca", 70, 0.45),
    ("Encañada", 45, 0.85),
    ("Jesús", 30, 0.8),
    ("Namora", 28, 0.85),
    ("Magdalena", 27, 0.7),
    ("San Juan", 26, 0.75),
    ("Llacanora", 25, 0.8),
    ("Asunción", 24, 0.85),
    ("Matara", 22, 0.8),
    ("Chetilla", 22, 0.95),
    ("Cospán", 21, 0.95),
]


def lesson_publish_through_workflow(*, lesson: LessonPage, author, validator) -> None:
    """Submits the lesson's latest revision to its workflow as `author` and approves it as
    `validator`; the workflow's end publishes it."""
    lesson.save_revision(user=author)
    workflow = lesson.get_workflow()
    state = workflow.start(lesson, author)
    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state.specific, validator, "approve")


def _course(home) -> tuple[CoursePage, bool]:
    course = CoursePage.objects.filter(slug=COURSE_SLUG).first()
    if course is not None:
        course_workflow_ensure(course=course)
        return course, False
    course = CoursePage(
        title="Aprendiendo paso a paso",
        slug=COURSE_SLUG,
        intro=(
            "<p>Capacitación a distancia por TV de la Municipalidad Provincial de Cajamarca, "
            "con TV Norte (canal 7) y el canal 25. Cada lección tiene su material de apoyo para "
            "descargar en el tamaño que le convenga.</p>"
        ),
        show_in_menus=True,
        # opened before the first of the demo's twelve lessons aired (six weeks of history), so
        # the progress API accepts events dated within that history and refuses older ones
        first_published_at=timezone.now() - timedelta(days=90),
    )
    home.add_child(instance=course)
    course_workflow_ensure(course=course)
    return course, True


def _lessons(course: CoursePage, created: list[str]) -> None:
    User = get_user_model()
    presenters = list(User.objects.filter(username__in=PRESENTERS).order_by("username"))
    validator = User.objects.filter(username=VALIDATOR).first()
    if not presenters or validator is None:
        return
    assets = list(
        MediaAsset.objects.filter(
            status=MediaAsset.Status.READY,
            kind__in=[MediaAsset.Kind.VIDEO, MediaAsset.Kind.AUDIO],
        ).order_by("pk")
    )
    Document = get_document_model()
    rng = random.Random(12)
    used_codes = set(LessonPage.objects.filter(course=course).values_list("on_air_code", flat=True))
    episode = 0
    for unit_number, (unit_title, unit_intro, lessons) in enumerate(UNITS, start=1):
        unit = UnitPage.objects.child_of(course).filter(number=unit_number).first()
        if unit is None:
            unit = UnitPage(title=unit_title, number=unit_number, intro=f"<p>{unit_intro}</p>")
            course.add_child(instance=unit)
            created.append(unit_title)
        for title, summary in lessons:
            episode += 1
            code = "".join(rng.choice(CODE_ALPHABET) for _ in range(5))
            if LessonPage.objects.filter(course=course, episode_number=episode).exists():
                continue
            while code in used_codes:
                code = "".join(rng.choice(CODE_ALPHABET) for _ in range(5))
            used_codes.add(code)
            author = presenters[(episode - 1) % len(presenters)]
            document = Document.objects.create(
                title=f"Ficha de trabajo {episode}",
                file=ContentFile(
                    one_page_pdf(
                        title=f"Lección {episode}: {title}",
                        lines=[summary, "Responda en su cuaderno y lleve esta ficha a la tutoría."],
                    ),
                    name=f"ficha-de-trabajo-{episode}.pdf",
                ),
                uploaded_by_user=author,
            )
            asset = assets[(episode - 1) % len(assets)] if assets else None
            body = [
                ("paragraph", f"<p>{summary}</p>"),
                *([("player", {"asset": asset, "caption": title})] if asset else []),
                ("heading", "Para practicar"),
                (
                    "paragraph",
                    "<p>Descargue la ficha de trabajo, respóndala en su cuaderno y llévela a la "
                    "tutoría presencial de la UNC.</p>",
                ),
                ("document", document),
            ]
            lesson = LessonPage(
                title=title,
                episode_number=episode,
                on_air_code=code,
                summary=summary,
                body=body,
                live=False,
                owner=author,
            )
            if asset is not None:
                lesson.lesson_assets = [LessonMediaAsset(asset=asset)]
            unit.add_child(instance=lesson)
            lesson_publish_through_workflow(lesson=lesson, author=author, validator=validator)
            created.append(f"Lección {episode}")


def _student_rows() -> list[dict]:
    """530 students (the demo account 40000001 first), deterministic."""
    rng = random.Random(530)
    rows = [
        {
            "dni": DEMO_STUDENT,
            "first_names": "Rosa Elvira",
            "last_names": "Chilón Cueva",
            "district": "Cajamarca",
            "zone": StudentProfile.Zone.URBAN,
            "phone": "976543210",
        }
    ]
    dnis = {DEMO_STUDENT}
    slots = [(district, rural) for district, count, rural in DISTRICTS for _ in range(count)]
    for district, rural_share in slots[: STUDENT_COUNT - 1]:
        dni = f"{rng.randint(40_000_002, 48_999_999)}"
        while dni in dnis:
            dni = f"{rng.randint(40_000_002, 48_999_999)}"
        dnis.add(dni)
        female = rng.random() < 0.62  # most students of the course are women
        first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
        second = rng.choice(SECOND_NAMES)
        if second and second not in first:
            first = f"{first} {second}"
        last = f"{rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
        rural = rng.random() < rural_share
        phone = f"9{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.8 else ""
        rows.append(
            {
                "dni": dni,
                "first_names": first,
                "last_names": last,
                "district": district,
                "zone": StudentProfile.Zone.RURAL if rural else StudentProfile.Zone.URBAN,
                "phone": phone,
            }
        )
    return rows


def _students(course: CoursePage, created: list[str]) -> None:
    User = get_user_model()
    rows = _student_rows()
    existing_users = dict(
        User.objects.filter(username__in=[r["dni"] for r in rows]).values_list("username", "pk")
    )
    # One hash for every demo student (hashing 530 passwords one by one takes minutes).
    shared_hash = make_password(DEMO_PASSWORD)
    new_users = [
        User(
            username=r["dni"],
            first_name=r["first_names"],
            last_name=r["last_names"],
            password=shared_hash,
        )
        for r in rows
        if r["dni"] not in existing_users
    ]
    User.objects.bulk_create(new_users)
    users = dict(
        User.objects.filter(username__in=[r["dni"] for r in rows]).values_list("username", "pk")
    )
    students_group = Group.objects.get(name=roles.STUDENTS)
    in_group = set(
        User.groups.through.objects.filter(
            group=students_group, user_id__in=users.values()
        ).values_list("user_id", flat=True)
    )
    User.groups.through.objects.bulk_create(
        [
            User.groups.through(user_id=pk, group_id=students_group.pk)
            for pk in users.values()
            if pk not in in_group
        ]
    )
    have_profile = set(
        StudentProfile.objects.filter(dni__in=users.keys()).values_list("dni", flat=True)
    )
    StudentProfile.objects.bulk_create(
        [StudentProfile(user_id=users[r["dni"]], **r) for r in rows if r["dni"] not in have_profile]
    )
    profiles = dict(StudentProfile.objects.filter(dni__in=users.keys()).values_list("dni", "pk"))
    enrolled = set(Enrollment.objects.filter(course=course).values_list("student_id", flat=True))
    new_enrollments = [
        Enrollment(student_id=pk, course=course) for pk in profiles.values() if pk not in enrolled
    ]
    Enrollment.objects.bulk_create(new_enrollments)
    if len(rows) - len(have_profile):
        created.append(f"{len(rows) - len(have_profile)} estudiantes")
    if new_enrollments:
        created.append(f"{len(new_enrollments)} matrículas")


def _coaches(course: CoursePage, created: list[str]) -> None:
    """The demo Coordinación accounts follow the course (they see only its students)."""
    usernames = [username for username, _, _, role in DEMO_ACCOUNTS if role == roles.COACHES]
    through = CoursePage.coaches.through
    have = set(through.objects.filter(coursepage=course).values_list("user_id", flat=True))
    new = [
        through(coursepage=course, user=user)
        for user in get_user_model().objects.filter(username__in=usernames)
        if user.pk not in have
    ]
    through.objects.bulk_create(new)
    if new:
        created.append(f"{len(new)} coordinador(es) del curso")


def seed() -> list[str]:
    created: list[str] = []
    home = Site.objects.get(is_default_site=True).root_page
    course, was_created = _course(home)
    if was_created:
        created.append("Curso «Aprendiendo paso a paso»")
    _coaches(course, created)
    _lessons(course, created)
    _students(course, created)
    _quizzes(course, created)
    _progress(course, created)
    return created


# --- part 2: quizzes and the students' progress --------------------------------------------------
DEMO_QUIZZES: dict[int, list[tuple[str, list[str], int, str]]] = {
    1: [
        ("¿Qué botón enciende el celular?", ["El de volumen", "El de encendido", "Ninguno"], 2,
         "El botón de encendido suele estar al costado derecho."),
        ("¿Para qué sirve la contraseña?", ["Para que nadie más entre", "Para llamar"], 1,
         "La contraseña protege sus datos."),
    ],
    2: [
        ("¿Dónde se guardan los contactos?", ["En la agenda", "En la cámara", "En la radio"], 1,
         "La agenda guarda nombres y números."),
    ],
    3: [
        ("Antes de abrir un enlace desconocido, usted…", ["Lo abre de inmediato",
         "Pregunta a quien lo envió", "Lo reenvía"], 2,
         "Si no sabe de dónde viene, pregunte antes de abrirlo."),
    ],
}  # fmt: skip

PROGRESS_EVENT_NAMESPACE = uuid.UUID("0f4b8a47-6b1e-4d52-8a0e-5d7a3e0c9b11")


def _quizzes(course: CoursePage, created: list[str]) -> None:
    lessons = {
        lesson.episode_number: lesson
        for lesson in LessonPage.objects.filter(course=course, episode_number__in=DEMO_QUIZZES)
    }
    if QuizQuestion.objects.filter(lesson__in=lessons.values()).exists():
        return
    rows = []
    for episode, questions in DEMO_QUIZZES.items():
        if episode not in lessons:
            continue
        for i, (text, choices, correct, feedback) in enumerate(questions):
            rows.append(
                QuizQuestion(
                    lesson=lessons[episode],
                    sort_order=i,
                    text=text,
                    choices="\n".join(choices),
                    correct_choice=correct,
                    feedback=feedback,
                )
            )
    QuizQuestion.objects.bulk_create(rows)
    created.append(f"{len(rows)} preguntas de cuestionario")


@dataclass
class _ProgressPlan:
    """What every student's demo progress is drawn from, and the rows it becomes."""

    course: CoursePage
    lessons: list[LessonPage]
    quiz_lessons: set[int]
    renditions: dict[int, int]
    aired_at: dict[int, datetime]
    now: datetime
    rng: random.Random
    summaries: list = field(default_factory=list)
    events: list = field(default_factory=list)
    attempts: list = field(default_factory=list)
    activities: list = field(default_factory=list)
    certificates: list = field(default_factory=list)
    stats: dict[tuple[int, str], dict[str, int]] = field(default_factory=dict)

    def count(self, lesson_id: int, district: str, flags: dict[str, bool]) -> None:
        for key in ((lesson_id, ""), (lesson_id, district)):
            row = self.stats.setdefault(
                key, dict.fromkeys(("started", "web", "downloaded", "tv", "completed"), 0)
            )
            for name, on in flags.items():
                row[name] += int(on)

    def event(self, student_id: int, lesson_id: int, suffix: str, **fields) -> None:
        self.events.append(ProgressEvent(
            event_id=uuid.uuid5(PROGRESS_EVENT_NAMESPACE, f"{student_id}:{lesson_id}:{suffix}"),
            student_id=student_id, lesson_id=lesson_id, **fields,
        ))  # fmt: skip


def _progress(course: CoursePage, created: list[str]) -> None:
    """Varied, true-to-life progress: rural students mostly watch on TV and enter the code of
    the day, urban ones more often on the web or by downloading; some stalled weeks ago, a few
    never started, and a few finished the course and got their certificate. Deterministic and
    written in bulk (530 students × 12 lessons)."""
    if LessonProgress.objects.filter(lesson__course=course).exists():
        return
    lessons = list(LessonPage.objects.live().filter(course=course).order_by("episode_number"))
    if not lessons:
        return
    students = list(
        StudentProfile.objects.filter(enrollments__course=course)
        .order_by("dni")
        .only("id", "dni", "district", "zone")
    )
    plan = _progress_plan(course, lessons)
    for student in students:
        _student_progress(plan, student)
    _progress_store(plan)
    created.append(
        f"avance de {len(plan.activities)} estudiantes ({len(plan.events)} eventos, "
        f"{len(plan.certificates)} certificados)"
    )


def _progress_plan(course: CoursePage, lessons: list[LessonPage]) -> _ProgressPlan:
    now = timezone.now()
    n = len(lessons)
    return _ProgressPlan(
        course=course,
        lessons=lessons,
        quiz_lessons=set(
            QuizQuestion.objects.filter(lesson__in=lessons).values_list("lesson_id", flat=True)
        ),
        renditions=dict(
            LessonMediaAsset.objects.filter(lesson__in=lessons)
            .values_list("lesson_id", "asset__renditions__pk")
            .exclude(asset__renditions__pk=None)
        ),
        # lesson k aired (3.5 * (n - k)) days ago: the latest one aired yesterday
        aired_at={
            lesson.pk: now - timedelta(days=1 + 3.5 * (n - 1 - i))
            for i, lesson in enumerate(lessons)
        },
        now=now,
        rng=random.Random(2026),  # noqa: S311 - demo data, not security
    )


def _student_progress(plan: _ProgressPlan, student: StudentProfile) -> None:
    """One student's lessons: a finisher, a student who stalled, a regular one, or none."""
    n = len(plan.lessons)
    roll = plan.rng.random()
    if roll < 0.04:
        profile, reach = "finisher", n
    elif roll < 0.09:
        return  # never started: the coaches call them first
    elif roll < 0.27:
        profile, reach = "stalled", plan.rng.randint(1, max(1, n // 2))
    else:
        profile, reach = "regular", plan.rng.randint(max(1, n - 4), n)
    last_activity = None
    done = 0
    for lesson in plan.lessons[:reach]:
        progress = _lesson_progress(plan, student, lesson, profile)
        done += progress.state == LessonProgress.State.COMPLETED
        when = progress.last_activity_at
        last_activity = max(last_activity or when, when)
    if last_activity:
        plan.activities.append(
            StudentActivity(student_id=student.pk, last_activity_at=last_activity)
        )
    if done == n:
        plan.certificates.append(Certificate(
            student_id=student.pk, course=plan.course, code=certificate_code_new(),
            issued_at=last_activity,
        ))  # fmt: skip


def _lesson_progress(
    plan: _ProgressPlan, student: StudentProfile, lesson: LessonPage, profile: str
) -> LessonProgress:
    """The student's summary of one lesson, its events and the counters it adds to."""
    rng, course = plan.rng, plan.course
    when = plan.aired_at[lesson.pk] + timedelta(hours=rng.randint(1, 60))
    if profile == "stalled":
        when = min(when, plan.now - timedelta(days=rng.randint(8, 30)))
    when = min(when, plan.now - timedelta(minutes=30))
    progress = LessonProgress(
        student_id=student.pk, lesson_id=lesson.pk, state=LessonProgress.State.IN_PROGRESS,
        last_activity_at=when,
    )  # fmt: skip
    web, downloaded, tv = _progress_channels(plan, progress, lesson, profile, student=student)
    if lesson.pk in plan.quiz_lessons and (profile == "finisher" or rng.random() < 0.7):
        _progress_quiz(plan, progress, lesson, profile)
    complete = (progress.percent_watched >= course.completion_min_percent) or (
        course.completion_tv_counts and progress.tv_checkin_at is not None
    )
    if lesson.pk in plan.quiz_lessons and course.completion_quiz_required:
        complete = complete and progress.quiz_passed
    if complete:
        progress.state = LessonProgress.State.COMPLETED
        progress.completed_at = when
    plan.summaries.append(progress)
    plan.count(lesson.pk, student.district, {
        "started": True, "web": web, "downloaded": downloaded, "tv": tv, "completed": complete,
    })  # fmt: skip
    return progress


def _progress_channels(
    plan: _ProgressPlan, progress: LessonProgress, lesson: LessonPage, profile: str, *, student
) -> tuple[bool, bool, bool]:
    """How the student followed the lesson (web, download, TV), written on the summary with an
    event each; rural students watch on TV more often."""
    rng, when = plan.rng, progress.last_activity_at
    rural = student.zone == StudentProfile.Zone.RURAL
    tv_share = 0.65 if rural else 0.3
    channel = rng.random()
    tv = channel < tv_share
    web = not tv and channel < tv_share + (0.15 if rural else 0.45)
    downloaded = not tv and not web or rng.random() < 0.1
    percent = 100 if profile == "finisher" else rng.choice([35, 60, 85, 95, 100])
    duration = 1500.0
    if web or profile == "finisher" and not tv:
        web = True
        progress.position_seconds = duration * percent / 100
        progress.duration_seconds = duration
        progress.percent_watched = percent
        progress.seconds_watched = progress.position_seconds
        progress.web_at = when
        plan.event(student.pk, lesson.pk, "position", type="position", at=when, data={
            "position_seconds": progress.position_seconds, "duration_seconds": duration,
            "watched_seconds": progress.seconds_watched,
        })  # fmt: skip
    if downloaded:
        progress.downloaded_at = when
        plan.event(student.pk, lesson.pk, "download", type="download", at=when,
                   data={"rendition": plan.renditions.get(lesson.pk)})  # fmt: skip
    if tv:
        progress.tv_checkin_at = when
        progress.tv_code = lesson.on_air_code
        plan.event(student.pk, lesson.pk, "tv", type="tv_checkin", at=when,
                   data={"code": lesson.on_air_code, "accepted": True})  # fmt: skip
    return web, downloaded, tv


def _progress_quiz(
    plan: _ProgressPlan, progress: LessonProgress, lesson: LessonPage, profile: str
) -> None:
    score = 100 if profile == "finisher" else plan.rng.choice([50, 100, 100])
    passed = score >= lesson.quiz_pass_percent
    progress.quiz_best_score, progress.quiz_passed = score, passed
    plan.attempts.append(QuizAttempt(
        student_id=progress.student_id, lesson_id=lesson.pk, answers=[], score=score,
        passed=passed,
    ))  # fmt: skip
    plan.event(progress.student_id, lesson.pk, "quiz", type="quiz",
               at=progress.last_activity_at,
               data={"answers": [], "score": score, "passed": passed})  # fmt: skip


def _progress_store(plan: _ProgressPlan) -> None:
    with transaction.atomic():
        LessonProgress.objects.bulk_create(plan.summaries, batch_size=2000)
        ProgressEvent.objects.bulk_create(plan.events, batch_size=2000)
        QuizAttempt.objects.bulk_create(plan.attempts, batch_size=2000)
        StudentActivity.objects.bulk_create(plan.activities, batch_size=2000)
        LessonStats.objects.bulk_create(
            [LessonStats(lesson_id=lesson_id, district=district, **counts)
             for (lesson_id, district), counts in plan.stats.items()],
            batch_size=2000,
        )  # fmt: skip
        Certificate.objects.bulk_create(plan.certificates)
