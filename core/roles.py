"""The one table of roles: group name -> permissions ("app_label.codename").

Applied after every `migrate`, so an issue grants a permission by adding a line here. A
permission whose app has not migrated yet is picked up on a later post_migrate call of the same
run (the handler runs once per app and is idempotent)."""

from django.contrib.auth.models import Group, Permission

STUDENTS = "Estudiantes"
PRESENTERS = "Conductoras"
TV_STAFF = "Personal TV"
COACHES = "Coordinación"
VALIDATORS = "Validación"
CABINA_AGENTS = "Agentes de cabina"
BACK_OFFICE = "Mesa de partes"

ADMIN_ACCESS = "wagtailadmin.access_admin"

ROLES: dict[str, list[str]] = {
    STUDENTS: [],
    PRESENTERS: [
        ADMIN_ACCESS,
        # "Mis episodios": plan their own episodes (the views check ownership)
        "broadcast.plan_own_episodes",
    ],
    TV_STAFF: [
        ADMIN_ACCESS,
        # broadcast: channels, rules, airings (calendar: move/cancel), exceptions, episodes
        "broadcast.add_channel",
        "broadcast.change_channel",
        "broadcast.view_channel",
        "broadcast.add_slotrule",
        "broadcast.change_slotrule",
        "broadcast.delete_slotrule",
        "broadcast.view_slotrule",
        "broadcast.change_airing",
        "broadcast.view_airing",
        "broadcast.add_scheduleexception",
        "broadcast.view_scheduleexception",
        "broadcast.add_episode",
        "broadcast.change_episode",
        "broadcast.view_episode",
        "broadcast.add_coursebroadcastsettings",
        "broadcast.change_coursebroadcastsettings",
        "broadcast.view_coursebroadcastsettings",
    ],
    COACHES: [
        ADMIN_ACCESS,
        # students: list, import from CSV, reset passwords and print their cards
        "lms.view_studentprofile",
        "lms.add_studentprofile",
        "lms.change_studentprofile",
        "lms.view_enrollment",
        "lms.add_studentimportjob",
        "lms.view_studentimportjob",
        # "Seguimiento": progress charts, the follow-up list and the CSV export
        "lms.view_lessonprogress",
    ],
    VALIDATORS: [ADMIN_ACCESS],
    CABINA_AGENTS: [],
    BACK_OFFICE: [
        ADMIN_ACCESS,
        # the TUPA catalogue, its offices and the working-days calendar
        "tramites_bridge.add_procedure",
        "tramites_bridge.change_procedure",
        "tramites_bridge.view_procedure",
        "tramites_bridge.add_office",
        "tramites_bridge.change_office",
        "tramites_bridge.view_office",
        "tramites_bridge.add_holiday",
        "tramites_bridge.change_holiday",
        "tramites_bridge.delete_holiday",
        "tramites_bridge.view_holiday",
        # the queue: read files, change their state, move them; the audit log is read-only
        "tramites_bridge.view_submission",
        "tramites_bridge.change_submission",
        "tramites_bridge.view_auditentry",
        # cabinas and their agents, their ledger (read-only) and the bridge's outbox
        "tramites_bridge.add_cabina",
        "tramites_bridge.change_cabina",
        "tramites_bridge.view_cabina",
        "tramites_bridge.view_ledgerentry",
        "tramites_bridge.view_outboxevent",
        "tramites_bridge.change_outboxevent",
    ],
}

# media_pipeline: the staff who make and review the programme's material share one library of
# assets (upload, follow the jobs, retry, rename); nobody deletes an original from the admin.
MEDIA_STAFF_PERMISSIONS = [
    "media_pipeline.add_mediaasset",
    "media_pipeline.change_mediaasset",
    "media_pipeline.view_mediaasset",
]
for _role in (PRESENTERS, TV_STAFF, COACHES, VALIDATORS):
    ROLES[_role] = ROLES[_role] + MEDIA_STAFF_PERMISSIONS


def roles_apply(**kwargs) -> None:
    """Creates each group and grants exactly the permissions of the table that exist so far."""
    wanted = {perm for perms in ROLES.values() for perm in perms}
    found: dict[str, Permission] = {}
    for perm in Permission.objects.select_related("content_type").filter(
        codename__in={p.split(".", 1)[1] for p in wanted}
    ):
        found[f"{perm.content_type.app_label}.{perm.codename}"] = perm
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*[found[p] for p in perms if p in found])


def user_has_role(user, *roles: str) -> bool:
    """True for a superuser or a member of any of the given groups."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return bool(cached.intersection(roles))
