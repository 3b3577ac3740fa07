"""Who may upload, watch the jobs of, retry and download originals: the staff roles that make
and review the programme's material. Who may play an asset: those staff, and the people a higher
app (lms: the students enrolled in a course whose lesson uses it) says may; this app never
imports lms, so lms registers its rule here at start-up."""

from collections.abc import Callable

from core import roles
from core.roles import user_has_role

MEDIA_STAFF_ROLES = (roles.PRESENTERS, roles.TV_STAFF, roles.COACHES, roles.VALIDATORS)

# rule(user, asset_id) -> True (may watch), False (may not) or None (the rule has no say: the
# asset is not one of its own)
WatchRule = Callable[..., bool | None]
_watch_rules: list[WatchRule] = []


def register_watch_rule(rule: WatchRule) -> None:
    if rule not in _watch_rules:
        _watch_rules.append(rule)


def user_can_manage_media(user) -> bool:
    return user_has_role(user, *MEDIA_STAFF_ROLES)


def user_can_watch_asset(user, *, asset_id: int) -> bool:
    """Media staff play everything. Anyone else plays an asset only when a registered rule allows
    it (one allowing is enough); when every rule refuses, they may not; when no rule has a say
    (material not used by any lesson, e.g. a video on a site page), signed-in students may."""
    if user_can_manage_media(user):
        return True
    said_no = False
    for rule in _watch_rules:
        verdict = rule(user=user, asset_id=asset_id)
        if verdict:
            return True
        said_no = said_no or verdict is False
    return not said_no and user_has_role(user, roles.STUDENTS)
