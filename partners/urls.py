from __future__ import annotations

from django.urls import path

from partners import views

app_name = "partners"
urlpatterns = [
    path("", views.partner_list, name="list"),
    path("book/", views.partner_book, name="book"),
    path("<int:booking_id>/cancel/", views.partner_cancel, name="cancel"),
    path("<int:booking_id>/room/", views.partner_room, name="room"),
    path("partner/<int:partner_booking_id>/report/", views.partner_report, name="report"),
    path("partner/<int:partner_booking_id>/block/", views.partner_block, name="block"),
]
