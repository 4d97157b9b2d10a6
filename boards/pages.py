"""Board pages: ``/boards/`` (your own area's board) and ``/boards/<area code>/``."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from boards import selectors
from server.errors import NotFound
from surveys.selectors import round_current


def texts() -> dict:
    """The words the board script shows (translated here, so the script holds no language)."""
    return {
        "commune": _("Commune"),
        "district": _("District"),
        "city": _("City"),
        "province": _("Province"),
        "village": _("Village"),
        "visited": _("Visited"),
        "expected": _("Households"),
        "progress": _("Progress"),
        "conflicts": _("Conflicts"),
        "duplicates": _("Possible duplicates"),
        "signed_off": _("Signed off"),
        "open": _("Open"),
        "surveyor": _("Surveyor"),
        "last_sync": _("Last sync"),
        "never": _("never"),
        "unsynced": _("Not synced lately"),
        "ok": _("OK"),
        "standards": _("Standards"),
        "level": _("level"),
        "not_met": _("not met"),
        "met": _("met"),
        "no_figures": _("No figures computed yet."),
        "live": _("Live"),
        "polling": _("Updating every 10 seconds (live connection unavailable)"),
        "connecting": _("Connecting…"),
        "refused": _("You may not see this board."),
        "sign_off": _("Sign off the commune's data"),
        "reopen": _("Reopen"),
        "reason_prompt": _("Reason for reopening (required):"),
        "note_prompt": _("Note for the sign-off (optional):"),
        "confirm_sign_off": _(
            "Sign off this commune's data for the round? Later edits will need a reason."
        ),
        "is_signed_off": _("Signed off by %(user)s on %(date)s."),
        "not_signed_off": _("Not signed off yet."),
        "communes_signed": _("%(n)d of %(total)d communes signed off."),
        "nothing": _("Nothing yet."),
        "per_day": _("Households visited per day"),
        "ev_progress": _(
            "%(user)s: households of %(commune)s updated (%(visited)d/%(expected)d visited)"
        ),
        "ev_seen": _("%(user)s synced (%(ops)d changes)"),
        "ev_conflict_opened": _("Conflict opened in %(commune)s"),
        "ev_conflict_closed": _("Conflict decided in %(commune)s"),
        "ev_dup_queued": _("%(pairs)d possible duplicates found in %(commune)s"),
        "ev_dup_decided": _("Duplicate pair decided"),
        "ev_signed_off": _("%(commune)s signed off by %(user)s"),
        "ev_reopened": _("%(commune)s reopened by %(user)s: %(reason)s"),
        "ev_correction": _("Correction after sign-off in %(commune)s by %(user)s: %(reason)s"),
        "error": _("The action failed:"),
        "unsynced_phones": _("Phones not synced for %(h)d hours"),
        "devices": _("Phones"),
    }


@login_required
def home(request):
    area = selectors.home_area(user=request.user)
    if area is None:
        raise Http404(_("You have no area with a board."))
    return redirect("board", code=area.code)


@login_required
def board(request, code: str):
    try:
        area = selectors.board_area(user=request.user, code=code)
    except NotFound as error:
        raise Http404 from error
    round_year = round_current()
    snapshot = selectors.snapshot(area=area, user=request.user, round_year=round_year)
    return render(
        request,
        "boards/board.html",
        {
            "area": area,
            "round": round_year,
            "snapshot": snapshot,
            "texts": texts(),
        },
    )


urlpatterns = [
    path("", home, name="boards-home"),
    path("<str:code>/", board, name="board"),
]
