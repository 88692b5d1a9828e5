from __future__ import annotations

from django import forms


class MarkReadForm(forms.Form):
    # Bounded like a database id, so a hostile value is a form error, not an overflow.
    up_to = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
