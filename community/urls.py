from __future__ import annotations

from django.urls import path

from community import views

app_name = "community"
urlpatterns = [
    path("", views.post_list, name="list"),
    path("new/", views.post_create, name="create"),
    path("posts/<int:post_id>/", views.post_detail, name="post"),
    path("posts/<int:post_id>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:post_id>/delete/", views.post_delete, name="post_delete"),
    path("posts/<int:post_id>/like/", views.post_like, name="post_like"),
    path("posts/<int:post_id>/comments/", views.comment_create, name="comment_create"),
    path("posts/<int:post_id>/report/", views.post_report, name="post_report"),
    path("posts/<int:post_id>/moderate/", views.post_moderate, name="post_moderate"),
    path("comments/<int:comment_id>/reply/", views.comment_reply, name="comment_reply"),
    path("comments/<int:comment_id>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:comment_id>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<int:comment_id>/like/", views.comment_like, name="comment_like"),
    path("comments/<int:comment_id>/report/", views.comment_report, name="comment_report"),
    path("comments/<int:comment_id>/moderate/", views.comment_moderate, name="comment_moderate"),
    path("users/<str:username>/report/", views.user_report, name="user_report"),
    path("users/<str:username>/block/", views.user_block, name="user_block"),
    path("users/<str:username>/posts/", views.user_posts, name="user_posts"),
]
