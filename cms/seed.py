"""The site tree: home, a "Programa" standard page and the search page."""

from wagtail.models import Page, Site

from cms.models import HomePage, SearchPage, StandardPage

PROGRAM_BODY = [
    (
        "paragraph",
        "<p><b>Aprendiendo paso a paso</b> es la capacitación a distancia por TV de la "
        "Municipalidad Provincial de Cajamarca: 530 estudiantes inscritos siguen el curso con "
        "dos conductoras.</p>",
    ),
    ("heading", "Horarios de emisión"),
    (
        "paragraph",
        "<ul><li><b>TV Norte, canal 7</b>: miércoles, jueves y viernes de 21:00 a 22:00; "
        "repetición el sábado de 16:00 a 19:00.</li><li><b>Canal 25</b>: lunes a viernes de "
        "20:00 a 21:00.</li></ul>",
    ),
    ("heading", "Quiénes nos acompañan"),
    (
        "paragraph",
        "<p>La Universidad Nacional de Cajamarca brinda apoyo presencial a los estudiantes; "
        "CONCYTEC da asesoría técnica; la Región de Educación valida los contenidos. Aliados: "
        "TV Norte, CONCYTEC, INDECOPI, el Instituto Nacional de Cultura y la Cámara de "
        "Comercio de Cajamarca.</p>",
    ),
    ("heading", "Material de apoyo"),
    (
        "paragraph",
        "<p>Cada lección tiene material audiovisual de apoyo para descargar en un tamaño pensado "
        "para teléfonos y planes de datos.</p>",
    ),
]


def seed_site_root() -> list[str]:
    """The HomePage and the default Site. seed_demo runs this before every app's seed, so lower
    apps can hang their pages under `Site.objects.get(is_default_site=True).root_page`."""
    created = []
    root = Page.get_first_root_node()
    home = HomePage.objects.first()
    if home is None:
        home = HomePage(
            title="Aprendiendo paso a paso",
            slug="inicio",
            intro=(
                "<p>Capacitación a distancia por TV y trámites municipales en línea de la "
                "Municipalidad Provincial de Cajamarca.</p>"
            ),
        )
        root.add_child(instance=home)
        created.append("HomePage")
        # Wagtail's default "Welcome" page is replaced by ours.
        Site.objects.filter(is_default_site=True).delete()
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name="Paso a Paso",
        )
        Page.objects.filter(depth=2).exclude(pk=home.pk).not_type(HomePage).delete()
    return created


HOME_BODY = [
    ("today_on_tv", {"heading": "Hoy en TV"}),
    ("heading", "Para estudiantes"),
    (
        "paragraph",
        '<p>Vea el curso <a href="/aprendiendo-paso-a-paso/">Aprendiendo paso a paso</a>, '
        'ingrese a <a href="/mis-lecciones/">Mis lecciones</a> con su DNI y consulte la '
        '<a href="/programacion/">programación de la semana</a>.</p>',
    ),
    ("heading", "Trámites municipales"),
    (
        "paragraph",
        '<p>Inicie un trámite en <a href="/tramites-en-linea/">Trámites en línea</a> y siga su '
        'expediente en <a href="/tramites/seguimiento/">Seguimiento de trámites</a>.</p>',
    ),
]


def seed() -> list[str]:
    """The rest of the site tree, after every app's seed."""
    created = seed_site_root()
    home = HomePage.objects.get()
    if not home.body:
        home.body = HOME_BODY
        home.save_revision().publish()
        created.append("Inicio: contenido")
    if not home.get_children().filter(slug="programa").exists():
        home.add_child(
            instance=StandardPage(
                title="Programa",
                slug="programa",
                intro="Qué es el programa, cuándo se emite y quiénes lo hacen posible.",
                body=PROGRAM_BODY,
                show_in_menus=True,
            )
        )
        created.append("Programa")
    if not SearchPage.objects.exists():
        home.add_child(instance=SearchPage(title="Buscar", slug="buscar", show_in_menus=False))
        created.append("Buscar")
    return created
