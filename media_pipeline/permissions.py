"""Who may upload, watch the jobs of, retry and download originals: the staff roles that make
and review the programme's material."""

from config import roles
from config.roles import user_has_role

MEDIA_STAFF_ROLES = (roles.PRESENTERS, roles.TV_STAFF, roles.COACHES, roles.VALIDATORS)


def user_can_manage_media(user) -> bool:
    return user_has_role(user, *MEDIA_STAFF_ROLES)


def user_can_watch_media(user) -> bool:
    """Students and media staff play renditions; the programme's material is not public."""
    return user_has_role(user, roles.STUDENTS, *MEDIA_STAFF_ROLES)
