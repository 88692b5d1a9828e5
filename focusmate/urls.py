from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from api.api import url_patterns as api_url_patterns
from focusmate import views

# Moderators log in like everyone else, through allauth's login and its rate limits and
# lockout: the admin's own login form would let password guesses through unlimited.
admin.site.login = views.admin_login

urlpatterns = [
    path("", views.home, name="home"),
    path("health", views.health, name="health"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("rooms/", include("rooms.urls")),
    path("stats/", include("stats.urls")),
    path("achievements/", include("achievements.urls")),
    path("", include("messaging.urls")),
    path("community/", include("community.urls")),
    path("schedule/partners/", include("partners.urls")),
    path("schedule/", include("scheduling.urls")),
    path("schedule/", include("scheduling.urls_attendance")),
    path("admin/", admin.site.urls),
    path("api/v1/", api_url_patterns()),
]

# Uploaded files (avatars, re-encoded on upload) are served by the site itself, with
# headers that keep them images; a deployment may put a CDN or nginx in front.
urlpatterns += [
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", views.media, name="media"),
]

handler403 = "focusmate.views.permission_denied"
handler404 = "focusmate.views.page_not_found"
handler500 = "focusmate.views.server_error"
