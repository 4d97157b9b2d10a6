"""Personal data policy: who sees national ID numbers in full (docs/security.md §PII).

- Surveyors and commune officers see full IDs in their scope: they enter and verify them.
- District supervisors and city staff see masked IDs ("********9012") unless given the
  explicit permission ``accounts.view_national_id`` (a user or a group permission;
  superusers have every permission).
- Scope is applied by the callers (areas.access); this module only answers "full or masked".
"""

from areas.access import user_memberships
from areas.models import Role

PERMISSION = "accounts.view_national_id"
MASK_CHAR = "*"
VISIBLE_DIGITS = 4
FULL_ID_ROLES = {Role.SURVEYOR, Role.COMMUNE_OFFICER}


def may_see_national_id(*, user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if any(m.role in FULL_ID_ROLES for m in user_memberships(user=user)):
        return True
    return user.has_perm(PERMISSION)


def mask_national_id(value: str) -> str:
    """All but the last four characters replaced by ``*``; "" stays "" (a short value is fully masked)."""
    value = value or ""
    if not value:
        return ""
    if len(value) <= VISIBLE_DIGITS:
        return MASK_CHAR * len(value)
    return MASK_CHAR * (len(value) - VISIBLE_DIGITS) + value[-VISIBLE_DIGITS:]


def is_masked(value: str) -> bool:
    """A value that came out of mask_national_id (never a real ID: IDs are digits)."""
    return MASK_CHAR in (value or "")


def shown_national_id(value: str, *, user=None, allowed: bool | None = None) -> str:
    if allowed is None:
        allowed = may_see_national_id(user=user)
    return value if allowed else mask_national_id(value)


def _mask_all(value):
    if isinstance(value, str):
        return mask_national_id(value)
    if isinstance(value, dict):
        return {k: _mask_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_all(v) for v in value]
    return value


def mask_national_ids(data):
    """A copy of ``data`` (wire dicts, lists, conflicts, pairs) with every ``national_id`` masked,
    however deep (a conflict's {"base", "mine", "theirs"} included)."""
    if isinstance(data, dict):
        return {
            k: (_mask_all(v) if k == "national_id" else mask_national_ids(v))
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [mask_national_ids(v) for v in data]
    return data


def for_user(data, *, user):
    """``data`` as ``user`` may see it: unchanged, or with national IDs masked."""
    return data if may_see_national_id(user=user) else mask_national_ids(data)


def restore_masked_national_ids(data, *, stored: dict) -> None:
    """In an incoming household body, put back the stored ID where a member's ``national_id`` is
    exactly the mask of the stored one (the client sent back what it was shown: unchanged).
    Any other masked value stays and is refused by validation (an ID has 12 digits).
    ``stored``: {member id (str): stored national_id}."""
    if not isinstance(data, dict) or not isinstance(data.get("members"), list):
        return
    for member in data["members"]:
        if not isinstance(member, dict):
            continue
        value = member.get("national_id")
        if isinstance(value, str) and is_masked(value):
            current = stored.get(str(member.get("id")), "")
            if current and value == mask_national_id(current):
                member["national_id"] = current
