"""Demo accounts: one per role. Runs first: every app's seed may refer to these people."""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from core import roles

DEMO_PASSWORD = "pasoapaso2026"

# username, first name, last name, role (None: superuser)
DEMO_ACCOUNTS: list[tuple[str, str, str, str | None]] = [
    ("admin", "Administración", "Municipal", None),
    ("40000001", "Rosa Elvira", "Chilón Cueva", roles.STUDENTS),
    ("conductora.rosa", "Rosa", "Tantaleán Vásquez", roles.PRESENTERS),
    ("conductora.milagros", "Milagros", "Cabrera Huamán", roles.PRESENTERS),
    ("tvnorte", "Jorge", "Alcántara Díaz", roles.TV_STAFF),
    ("coordinacion", "Carmen", "Sánchez Terán", roles.COACHES),
    ("validacion", "Luis", "Mendoza Aguilar", roles.VALIDATORS),
    ("cabina.mollepampa", "Wilder", "Chávez Llanos", roles.CABINA_AGENTS),
    ("mesadepartes", "Patricia", "Rojas Marín", roles.BACK_OFFICE),
]


def seed() -> list[str]:
    User = get_user_model()
    shared_hash = make_password(DEMO_PASSWORD)  # hashed once: hashing is slow on purpose
    created = []
    for username, first, last, role in DEMO_ACCOUNTS:
        user, was_created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "password": shared_hash,
                "is_staff": role is None,
                "is_superuser": role is None,
                "email": f"{username}@demo.invalid" if role is None else "",
            },
        )
        if role is not None:
            user.groups.add(Group.objects.get(name=role))
        if was_created:
            created.append(username)
    return created


def demo_accounts_table() -> list[tuple[str, str, str]]:
    return [
        (role or "Superusuario", username, DEMO_PASSWORD) for username, _, _, role in DEMO_ACCOUNTS
    ]
