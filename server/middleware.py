"""Vietnamese first: pages speak Vietnamese unless the user chose English.

Django's LocaleMiddleware follows the browser's Accept-Language, which on many
Vietnamese teachers' phones says English. Pages therefore use the language the
user picked (the language cookie), else Vietnamese. API clients may still ask
for English error messages with Accept-Language.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen and translation.check_for_language(chosen):
            language = chosen
        elif request.path_info.startswith("/api/"):
            language = translation.get_language_from_request(request)
        else:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
