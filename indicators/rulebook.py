"""The rule set rows: the built-in documents are stored on first use; the latest version of a name applies."""

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from indicators.models import RuleSet
from indicators.rules import DEFAULT_RULES, Rules, builtin_documents, rules_parse
from server.errors import ValidationFailed


def ruleset_ensure_builtin() -> None:
    """Store each built-in rule set version that is not stored yet (idempotent)."""
    documents = builtin_documents()
    stored = set(RuleSet.objects.values_list("name", "version"))
    for doc in documents:
        if (doc["name"], doc["version"]) in stored:
            continue
        rules_parse(doc)
        try:
            with transaction.atomic():
                RuleSet.objects.create(
                    name=doc["name"],
                    version=doc["version"],
                    description=doc.get("description", ""),
                    params=doc,
                )
        except IntegrityError:  # stored meanwhile by another process
            pass


def _latest() -> list[RuleSet]:
    latest = RuleSet.objects.values("name").annotate(version=Max("version"))
    wanted = {(row["name"], row["version"]) for row in latest}
    rows = RuleSet.objects.filter(name__in={name for name, _v in wanted})
    return sorted(
        (r for r in rows if (r.name, r.version) in wanted),
        key=lambda r: (r.name != DEFAULT_RULES, r.name),
    )


def rules_active() -> list[Rules]:
    """The latest version of every rule set, the default one first."""
    rows = _latest()
    names = {row.name for row in rows}
    if not {doc["name"] for doc in builtin_documents()} <= names:
        ruleset_ensure_builtin()
        rows = _latest()
    return [rules_parse(row.params, pk=row.pk) for row in rows]


def rules_named(name: str | None) -> Rules:
    """The latest version of a rule set (the default when ``name`` is empty), or a 400 on ``rules``."""
    name = name or DEFAULT_RULES
    for rules in rules_active():
        if rules.name == name:
            return rules
    raise ValidationFailed(errors={"rules": [_("Unknown rule set %(name)s.") % {"name": name}]})
