"""Three-way merge of one record, field by field (base / mine / theirs)."""

from dataclasses import dataclass, field


@dataclass
class Merge:
    merged: dict
    conflicts: dict = field(default_factory=dict)  # {field: {"base", "mine", "theirs"}}


def three_way(*, base: dict, mine: dict, theirs: dict, mine_wins: set[str] = frozenset()) -> Merge:
    """Merge the fields the phone changed (``mine``) into the server's record (``theirs``).

    A field the server did not change since ``base`` takes the phone's value; a field
    both changed to the same value is no conflict; a field both changed differently
    is a conflict and keeps the server's value, unless it is in ``mine_wins`` (the
    server's change came from an earlier edit on the same phone). A field missing
    from ``base`` cannot be proven unchanged, so a difference there is a conflict.
    """
    merged = dict(theirs)
    conflicts = {}
    for name, value in mine.items():
        server_value = theirs.get(name)
        if value == server_value:
            continue
        if name in base and base[name] == server_value or name in mine_wins:
            merged[name] = value
        else:
            conflicts[name] = {"base": base.get(name), "mine": value, "theirs": server_value}
    return Merge(merged=merged, conflicts=conflicts)
