from __future__ import annotations

from django.contrib import admin

from api import services
from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by logging in to the API: here they can only be seen, revoked
    or deleted, which ends them at once (and closes the sockets opened with them)."""

    list_display = ("user", "created_at", "expires_at", "revoked_at", "kind")
    list_filter = ("revoked_at", "expires_at")
    search_fields = ("user__username", "jti")
    list_select_related = ("user",)
    readonly_fields = ("user", "jti", "created_at", "expires_at", "revoked_at")
    exclude = ("digest",)
    show_full_result_count = False
    actions = ["revoke_tokens"]

    @admin.display(description="kind")
    def kind(self, token: ApiToken) -> str:
        return "JWT" if token.jti else "opaque (before JWTs)"

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke_tokens(self, request, queryset) -> None:
        for token in queryset:
            services.token_revoke(token=token)
        self.message_user(request, f"Revoked {len(queryset)} token(s).")

    def delete_model(self, request, obj: ApiToken) -> None:
        services.tokens_delete(token_ids=[obj.pk])

    def delete_queryset(self, request, queryset) -> None:
        services.tokens_delete(token_ids=list(queryset.values_list("pk", flat=True)))
