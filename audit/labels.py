from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "person_list.read": _("Read a list of people"),
    "person.read": _("Read a person"),
    "household.read": _("Read a household"),
    "household_list.read": _("Read a list of households"),
    "search": _("Searched the register"),
    "export.created": _("Started an export"),
    "export.download": _("Downloaded an export"),
    "import.dry_run": _("Checked an import"),
    "import.run": _("Ran an import"),
    "bulk_correction.apply": _("Applied a bulk correction"),
    "bulk_correction.undo": _("Undid a bulk correction"),
    "sync.pull": _("Downloaded households to a phone"),
    "duplicate_list.read": _("Read the duplicate review queue"),
    "duplicate.read": _("Compared a possible duplicate"),
    "indicator_list.read": _("Read an indicator's list of people"),
}
