"""Demo data: five TUPA procedures of the Municipalidad Provincial de Cajamarca, their offices, a
"Trámites en línea" page embedding two forms, and submissions in various states."""

from datetime import timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from wagtail.models import Site

from core.pdf import one_page_pdf
from tramites_bridge.models import Office, Procedure, ProcedureField, Status, Submission
from tramites_bridge.services import submission_change_status, submission_create, submission_move

OFFICES = [
    "Centro de Atención al Ciudadano (CAAC) · Mesa de partes",
    "Subgerencia de Licencias y Autorizaciones",
    "Subgerencia de Obras Privadas y Edificaciones",
    "Subgerencia de Registro Civil",
    "Oficina de Asesoría Jurídica",
]
K = ProcedureField.Kind

# code, name, description, requirements, fee, days, office, silence, fields
PROCEDURES = [
    (
        "LF-01",
        "Licencia de funcionamiento (establecimientos de riesgo bajo o medio)",
        "Autoriza el funcionamiento de un negocio en un local determinado del cercado de "
        "Cajamarca, con inspección técnica de seguridad en edificaciones posterior.",
        "Solicitud con carácter de declaración jurada (este formulario)\n"
        "Número de RUC del titular\n"
        "Declaración jurada de cumplimiento de condiciones de seguridad (PDF)\n"
        "Pago del derecho de trámite",
        Decimal("139.40"),
        4,
        1,
        "positivo",
        [
            ("ruc", "RUC del titular", K.RUC, True, "11 dígitos; empieza con 10, 15, 17 o 20.", ""),
            ("razon_social", "Nombre o razón social", K.TEXT, True, "", ""),
            (
                "direccion_local",
                "Dirección del local",
                K.TEXT,
                True,
                "Jr., Av. o Psje., número",
                "",
            ),
            (
                "giro",
                "Giro del negocio",
                K.CHOICE,
                True,
                "",
                "Bodega\nRestaurante\nLibrería y útiles\nCabina de internet\nFarmacia\nOtro",
            ),
            ("area_m2", "Área del local (m²)", K.TEXT, True, "Por ejemplo: 45", ""),
            (
                "declaracion_seguridad",
                "Declaración jurada de condiciones de seguridad",
                K.FILE,
                True,
                "Escaneada o fotografiada: PDF, JPG o PNG.",
                "",
            ),
        ],
    ),
    (
        "LE-02",
        "Licencia de edificación · Modalidad B",
        "Para vivienda unifamiliar o multifamiliar de hasta 5 pisos y cercos de más de 20 m, "
        "con evaluación previa de la municipalidad.",
        "Formulario Único de Edificación (FUE) firmado\n"
        "Copia literal de dominio o partida registral\n"
        "Planos de ubicación, arquitectura, estructuras e instalaciones (PDF)\n"
        "Pago del derecho de trámite",
        Decimal("312.60"),
        15,
        2,
        "positivo",
        [
            ("direccion_predio", "Dirección del predio", K.TEXT, True, "", ""),
            ("partida_registral", "N.° de partida registral", K.TEXT, True, "Dato de SUNARP", ""),
            (
                "tipo_obra",
                "Tipo de obra",
                K.CHOICE,
                True,
                "",
                "Edificación nueva\nAmpliación\nRemodelación\nCerco perimétrico",
            ),
            ("area_techada", "Área techada total (m²)", K.TEXT, True, "", ""),
            ("fecha_inicio", "Fecha prevista de inicio de obra", K.DATE, False, "", ""),
            (
                "planos",
                "Planos del proyecto",
                K.FILE,
                True,
                "Un solo PDF con todos los planos.",
                "",
            ),
        ],
    ),
    (
        "RC-01",
        "Inscripción ordinaria de nacimiento",
        "Inscripción en el Registro Civil de un nacimiento ocurrido en la provincia, dentro de "
        "los 60 días de producido.",
        "DNI de la madre y del padre (si se presenta)\n"
        "Certificado de nacido vivo firmado por el profesional que atendió el parto\n"
        "Presencia del recién nacido en la oficina de Registro Civil para la firma del acta",
        Decimal("0.00"),
        3,
        3,
        "positivo",
        [
            ("nombres_menor", "Nombres del recién nacido", K.TEXT, True, "", ""),
            ("fecha_nacimiento", "Fecha de nacimiento", K.DATE, True, "", ""),
            (
                "lugar_nacimiento",
                "Lugar de nacimiento",
                K.TEXT,
                True,
                "Establecimiento o caserío",
                "",
            ),
            ("dni_madre", "DNI de la madre", K.DNI, True, "", ""),
            ("dni_padre", "DNI del padre", K.DNI, False, "Si el padre también declara.", ""),
            (
                "certificado_nacido_vivo",
                "Certificado de nacido vivo",
                K.FILE,
                True,
                "Foto o escaneo legible.",
                "",
            ),
        ],
    ),
    (
        "OP-05",
        "Certificado de parámetros urbanísticos y edificatorios",
        "Informa qué se puede construir en un predio: usos, alturas, retiros y área libre.",
        "Solicitud (este formulario)\nPlano de ubicación del predio (opcional)\nPago del derecho",
        Decimal("98.30"),
        5,
        2,
        "positivo",
        [
            ("direccion_predio", "Dirección del predio", K.TEXT, True, "", ""),
            (
                "sector",
                "Sector",
                K.CHOICE,
                True,
                "",
                "Centro histórico\nBarrio San Sebastián\nBarrio Mollepampa\nSamanacruz\nOtro",
            ),
            ("plano_ubicacion", "Plano de ubicación", K.FILE, False, "Opcional.", ""),
        ],
    ),
    (
        "RC-07",
        "Celebración de matrimonio civil",
        "Apertura del pliego matrimonial y programación de la ceremonia.",
        "DNI de ambos contrayentes\nCertificados médicos prenupciales\n"
        "Declaración jurada de domicilio\nPago del derecho de trámite",
        Decimal("110.00"),
        8,
        3,
        "negativo",
        [
            ("dni_contrayente", "DNI del otro contrayente", K.DNI, True, "", ""),
            (
                "nombre_contrayente",
                "Nombres y apellidos del otro contrayente",
                K.TEXT,
                True,
                "",
                "",
            ),
            ("fecha_propuesta", "Fecha propuesta para la ceremonia", K.DATE, True, "", ""),
            (
                "local",
                "Lugar de la ceremonia",
                K.CHOICE,
                True,
                "",
                "Salón consistorial del Palacio Municipal\nFuera del local municipal",
            ),
            (
                "telefono_contacto",
                "Teléfono de contacto del otro contrayente",
                K.PHONE,
                False,
                "",
                "",
            ),
        ],
    ),
]

# The demo attachments: one page, like a scanned form.
DEMO_PDF = one_page_pdf(title="Documento de demostracion", lines=["Adjunto de prueba."])

# key, procedure, dni, first names, last names, email, data, path of (status, note) or office moves
DEMO_SUBMISSIONS = [
    (
        "seed:1",
        "LF-01",
        "41234567",
        "María Elena",
        "Quispe Huamán",
        "",
        {
            "ruc": "10412345679",
            "razon_social": "Bodega Santa Apolonia",
            "direccion_local": "Jr. Amalia Puga 512",
            "giro": "Bodega",
            "area_m2": "38",
        },
        [],
    ),
    (
        "seed:2",
        "LF-01",
        "42345678",
        "Juan Carlos",
        "Chávez Rojas",
        "juan.chavez@demo.invalid",
        {
            "ruc": "20123456786",
            "razon_social": "Restaurante El Cumbe E.I.R.L.",
            "direccion_local": "Av. Atahualpa 1130",
            "giro": "Restaurante",
            "area_m2": "120",
        },
        [
            ("status", Status.IN_REVIEW, ""),
            (
                "status",
                Status.OBSERVED,
                "Adjunte el croquis del local con la ubicación de extintores y salidas. Puede "
                "traerlo a la mesa de partes del CAAC (Jr. Cruz de Piedra 613) en horario de "
                "atención.",
            ),
        ],
    ),
    (
        "seed:3",
        "LE-02",
        "43456789",
        "Rosa",
        "Tantaleán Vásquez",
        "",
        {
            "direccion_predio": "Psje. Los Alisos 145, Barrio Mollepampa",
            "partida_registral": "11045632",
            "tipo_obra": "Ampliación",
            "area_techada": "96",
            "fecha_inicio": "",
        },
        [("move", 5, "Revisión de la partida registral."), ("status", Status.IN_REVIEW, "")],
    ),
    (
        "seed:4",
        "RC-01",
        "44567890",
        "Flor de María",
        "Cueva Llanos",
        "",
        {
            "nombres_menor": "Thiago Alonso",
            "fecha_nacimiento": "",
            "lugar_nacimiento": "Hospital Regional Docente de Cajamarca",
            "dni_madre": "44567890",
            "dni_padre": "",
        },
        [
            ("status", Status.APPROVED, "Acérquese con el recién nacido a firmar el acta."),
            ("status", Status.DELIVERED, ""),
        ],
    ),
    (
        "seed:5",
        "OP-05",
        "45678901",
        "Wilder",
        "Mendoza Aguilar",
        "",
        {"direccion_predio": "Jr. Del Comercio 870", "sector": "Centro histórico"},
        [("status", Status.IN_REVIEW, ""), ("status", Status.APPROVED, "")],
    ),
    (
        "seed:6",
        "RC-07",
        "46789012",
        "Carmen",
        "Sánchez Terán",
        "",
        {
            "dni_contrayente": "47890123",
            "nombre_contrayente": "Luis Alberto Díaz Cabrera",
            "fecha_propuesta": "",
            "local": "Salón consistorial del Palacio Municipal",
            "telefono_contacto": "",
        },
        [("status", Status.REJECTED, "Uno de los contrayentes ya registra matrimonio vigente.")],
    ),
]

DEMO_PAGE_SLUG = "tramites-en-linea"


def seed() -> list[str]:
    created: list[str] = []
    with transaction.atomic():
        offices = {}
        for index, name in enumerate(OFFICES, start=1):
            office, was_created = Office.objects.get_or_create(name=name)
            offices[index] = office
            if was_created:
                created.append(f"Oficina {name}")
        for code, name, desc, reqs, fee, days, office_ix, silence, fields in PROCEDURES:
            if Procedure.objects.filter(tupa_code=code).exists():
                continue
            procedure = Procedure.objects.create(
                tupa_code=code,
                name=name,
                description=desc,
                requirements=reqs,
                fee=fee,
                deadline_days=days,
                office=offices[office_ix + 1],
                silence_rule=silence,
            )
            for order, (fname, label, kind, required, help_text, choices) in enumerate(fields):
                ProcedureField.objects.create(
                    procedure=procedure,
                    sort_order=order,
                    name=fname,
                    label=label,
                    kind=kind,
                    required=required,
                    help_text=help_text,
                    choices=choices,
                )
            created.append(f"Procedimiento {code}")
    created += _seed_submissions(offices)
    created += _seed_page()
    created += seed_cabinas()
    return created


def _seed_submissions(offices: dict[int, Office]) -> list[str]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    staff = get_user_model().objects.filter(username="mesadepartes").first()
    actor_id = staff.pk if staff else None
    created = []
    for key, code, dni, first, last, email, data, path in DEMO_SUBMISSIONS:
        if Submission.objects.filter(idempotency_key=key).exists():
            continue
        procedure = Procedure.objects.get(tupa_code=code)
        data = {**data}
        for spec in procedure.fields.filter(kind=K.DATE):
            data[spec.name] = (timezone.localdate() - timedelta(days=10)).isoformat()
        uploads = {}
        for spec in procedure.fields.filter(kind=K.FILE, required=True):
            upload = SimpleUploadedFile(f"{spec.name}.pdf", DEMO_PDF, "application/pdf")
            upload.sniffed = ("application/pdf", "pdf")
            uploads[spec.name] = upload
        submission, _ = submission_create(
            procedure=procedure,
            idempotency_key=key,
            dni=dni,
            first_names=first,
            last_names=last,
            email=email,
            data=data,
            uploads=uploads,
            channel="web",
            ip="127.0.0.1",
        )
        for kind, value, note in path:
            if kind == "move":
                submission_move(
                    submission=submission, office=offices[value], note=note, actor_id=actor_id
                )
            else:
                submission_change_status(
                    submission=submission, status=value, note=note, actor_id=actor_id
                )
        created.append(f"Trámite {submission.display_code} ({submission.get_status_display()})")
    return created


def _seed_page() -> list[str]:
    """The "Trámites en línea" page. tramites_bridge may not import cms, so the page model is
    looked up by name; cms's seed_site_root has already made the home page."""
    StandardPage = apps.get_model("cms", "StandardPage")
    site = Site.objects.filter(is_default_site=True).first()
    if site is None or StandardPage.objects.filter(slug=DEMO_PAGE_SLUG).exists():
        return []
    licence = Procedure.objects.get(tupa_code="LF-01")
    birth = Procedure.objects.get(tupa_code="RC-01")
    page = StandardPage(
        title="Trámites en línea",
        slug=DEMO_PAGE_SLUG,
        intro="Inicie su trámite desde aquí, sin hacer cola. Recibirá un código para seguirlo.",
        show_in_menus=True,
        body=[
            (
                "paragraph",
                "<p>Complete el formulario del trámite que necesita. Al presentarlo recibirá una "
                "constancia con un <b>código de seguimiento</b>; con él y su DNI puede ver en "
                '<a href="/tramites/seguimiento/">Seguimiento de trámites</a> dónde está su '
                "expediente y en qué estado.</p>",
            ),
            (
                "procedure_form",
                {
                    "procedure": licence,
                    "intro": "Para abrir una bodega, restaurante, cabina u otro negocio de riesgo "
                    "bajo o medio.",
                },
            ),
            (
                "procedure_form",
                {
                    "procedure": birth,
                    "intro": "Para inscribir a su bebé dentro de los 60 días de nacido.",
                },
            ),
        ],
    )
    site.root_page.add_child(instance=page)
    page.save_revision().publish()
    return ["Página Trámites en línea"]


# --- issue 8: the nine partner cabinas ------------------------------------------------------------
# name, address, RUC (valid check digits), agent username, first and last names
CABINAS = [
    ("Cabina Mollepampa", "Jr. Los Sauces 210, Mollepampa", "10401234569", "cabina.mollepampa",
     "Wilder", "Chávez Llanos"),
    ("Cabina San Sebastián", "Jr. Dos de Mayo 845", "10412233445", "cabina.sansebastian",
     "Elena", "Díaz Terrones"),
    ("Cabina Samanacruz", "Av. Perú 1520", "10423344551", "cabina.samanacruz",
     "Roberto", "Vargas Cerna"),
    ("Cabina La Colmena", "Jr. Amazonas 310", "10434455662", "cabina.lacolmena",
     "Gladys", "Huamán Ruiz"),
    ("Cabina Cumbe Mayo", "Psje. Cumbe Mayo 77", "10445566773", "cabina.cumbemayo",
     "Óscar", "Llanos Alcalde"),
    ("Cabina Baños del Inca", "Av. Manco Cápac 402, Baños del Inca", "10456677884",
     "cabina.banosdelinca", "Lucía", "Saldaña Marín"),
    ("Cabina Pueblo Libre", "Jr. Pisagua 1180", "10467788995", "cabina.pueblolibre",
     "Segundo", "Quiliche Tello"),
    ("Cabina Lucmacucho", "Av. Independencia 2100", "10478899006", "cabina.lucmacucho",
     "Norma", "Aguilar Bazán"),
    ("Cabina Chontapaccha", "Jr. Chontapaccha 540", "10489900117", "cabina.chontapaccha",
     "Jhony", "Cueva Rojas"),
]  # fmt: skip


def _valid_ruc(ruc: str) -> str:
    from tramites_bridge.validators import ruc_check_digit

    return ruc[:10] + str(ruc_check_digit(ruc[:10]))


def seed_cabinas() -> list[str]:
    """The 9 cabinas, an agent each, their S/. 300.00 guarantees, a month of submissions through
    them (two per cabina per working day) and one failed delivery waiting to be redelivered."""
    from tramites_bridge.models import Cabina

    if Cabina.objects.exists():
        return []
    today = timezone.localdate()
    cabinas = _cabinas_create(today)
    n = _cabinas_month_submit(cabinas, today)
    _outbox_demo_settle()
    return [cabina.name for cabina, _agent in cabinas] + [f"{n} trámites por cabinas"]


def _cabinas_create(today) -> list[tuple]:
    """Each cabina with its agent (one shared demo password) and its guarantee: (cabina, user)."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from core.roles import CABINA_AGENTS
    from tramites_bridge.models import Cabina, CabinaAgent
    from tramites_bridge.services import cabina_guarantee_record

    User = get_user_model()
    group = Group.objects.get(name=CABINA_AGENTS)
    password = make_password("pasoapaso2026")
    cabinas = []
    for name, address, ruc, username, first, last in CABINAS:
        cabina = Cabina.objects.create(
            name=name,
            address=address,
            ruc=_valid_ruc(ruc),
            guarantee_amount=Decimal("300.00"),
            guarantee_date=today - timedelta(days=90),
        )
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "password": password},
        )
        user.groups.add(group)
        CabinaAgent.objects.create(cabina=cabina, user=user)
        cabina_guarantee_record(cabina=cabina)
        cabinas.append((cabina, user))
    return cabinas


def _cabinas_month_submit(cabinas: list[tuple], today) -> int:
    """Two submissions per cabina on each working day of the past month; returns how many."""
    from tramites_bridge.workdays import is_working_day

    procedures = list(Procedure.objects.filter(active=True).order_by("tupa_code"))
    simple = [p for p in procedures if not p.fields.filter(kind=K.FILE, required=True).exists()]
    staff = get_user_model().objects.filter(username="mesadepartes").first()
    n = 0
    for days_ago in range(30, -1, -1):
        day = today - timedelta(days=days_ago)
        if not is_working_day(day, set()):
            continue
        for cabina, agent in cabinas:
            for slot in range(2):
                n += 1
                procedure = (simple or procedures)[n % len(simple or procedures)]
                moment = timezone.make_aware(
                    timezone.datetime.combine(day, timezone.datetime.min.time())
                ) + timedelta(hours=9 + slot * 3)
                _cabina_submission(n, procedure, cabina, agent, moment=moment, staff=staff)
    return n


def _cabina_submission(n: int, procedure, cabina, agent, *, moment, staff) -> None:
    """Demo submission number n through a cabina, dated `moment`; every 15th is annulled."""
    from django.db.models import QuerySet

    from tramites_bridge.models import AuditEntry, LedgerEntry, SubmissionEvent

    data = {f.name: _demo_value(f, n) for f in procedure.fields.exclude(kind=K.FILE)}
    submission, _ = submission_create(
        procedure=procedure,
        idempotency_key=f"seed:cabina:{n}",
        dni=f"7{n:07d}",
        first_names="Ciudadano",
        last_names=f"De Demostración {n}",
        data=data,
        channel="cabina",
        ip="127.0.0.1",
        actor_id=agent.pk,
        cabina=cabina,
    )
    # Demo back-fill only: the append-only guards are bypassed on purpose to date these rows
    # within the past month.
    Submission.objects.filter(pk=submission.pk).update(created_at=moment)
    SubmissionEvent.objects.filter(submission=submission).update(created_at=moment)
    QuerySet(LedgerEntry).filter(submission=submission).update(created_at=moment)
    QuerySet(AuditEntry).filter(submission=submission).update(created_at=moment)
    if staff and n % 15 == 0:
        submission_change_status(
            submission=submission,
            status=Status.ANNULLED,
            note="Trámite improcedente: el solicitante no está domiciliado en la provincia.",
            actor_id=staff.pk,
        )


def _outbox_demo_settle() -> None:
    """The demo has no municipal endpoint: events count as delivered, except one that failed."""
    from tramites_bridge.models import OutboxEvent

    OutboxEvent.objects.filter(state=OutboxEvent.State.PENDING).update(
        state=OutboxEvent.State.DELIVERED, delivered_at=timezone.now()
    )
    failed = OutboxEvent.objects.order_by("-pk").first()
    if failed:
        OutboxEvent.objects.filter(pk=failed.pk).update(
            state=OutboxEvent.State.FAILED,
            attempts=8,
            last_error="URLError: [Errno 111] Connection refused",
            delivered_at=None,
        )


def _demo_value(field, n: int) -> str:
    if field.kind == K.CHOICE:
        options = field.choice_list
        return options[n % len(options)]
    if field.kind == K.DATE:
        return (timezone.localdate() + timedelta(days=30)).isoformat()
    if field.kind == K.DNI:
        return f"7{(n + 1):07d}"
    if field.kind == K.RUC:
        return _valid_ruc("2012345678")
    if field.kind == K.PHONE:
        return "976543210"
    if field.kind == K.EMAIL:
        return ""
    return "Dato de demostración"
