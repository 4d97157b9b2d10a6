"""The texts of the app's JavaScript, from the same gettext catalogues as the pages.

The app's strings are declared in ``field.strings`` (English msgids, Vietnamese in
field/locale/vi/LC_MESSAGES/django.po); ``catalog(lang)`` is what
``/field/i18n/<lang>.json`` serves and the app's ``t()`` looks up.
"""

from django.utils import translation

from field.strings import STRINGS


def catalog(lang: str) -> dict:
    with translation.override(lang):
        return {
            "lang": lang,
            "messages": {str(msgid): str(translation.gettext(msgid)) for msgid in STRINGS},
        }
