from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from server import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/auth/token/", views.TokenApi.as_view(), name="api-token"),
    path("api/me/", views.MeApi.as_view(), name="api-me"),
    path("api/", include("areas.urls")),
    path("api/", include("accounts.api_urls")),
    path("api/", include("surveys.urls")),
    path("api/", include("sync.urls")),
    path("api/", include("indicators.urls")),
    path("api/", include("boards.urls")),
    path("api/", include("dedup.urls")),
    path("dedup/", include("dedup.pages")),
    path("boards/", include("boards.pages")),
    path("api/", include("register.urls")),
    path("register/", include("register.pages")),
    path("api/", include("reports.urls")),
    path("reports/", include("reports.pages")),
    path("api/", include("imports.urls")),
    path("reports/import/", include("imports.pages")),
    path("api/", include("audit.urls")),
    path("audit/", include("audit.pages")),
    path("", include("accounts.urls")),
    path("", include("field.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("pwa.urls")),
]

# JSON errors under /api/, HTML elsewhere (server/handlers.py, docs/security.md).
handler400 = "server.handlers.bad_request"
handler403 = "server.handlers.permission_denied"
handler404 = "server.handlers.page_not_found"
handler500 = "server.handlers.server_error"
