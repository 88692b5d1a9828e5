from __future__ import annotations

from django import forms

# A page's own token: made up by the page, only ever compared with its owner's others.
PEER_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
# An SDP of a two-track call is 3-6 KB; the socket's frame limit (16 KiB) caps the rest.
SDP_MAX = 14_000


class VideoFrameForm(forms.Form):
    """What the camera strip sends over the room socket: `{"video": <kind>, …}`.

    - hello (with `peer`): join the strip; the answer is the cameras and ICE servers.
    - camera (with `on`): turn this page's camera on or off; alive: it is still on.
    - mic (with `on`): this page's microphone.
    - offer, answer, candidate, bye: WebRTC signalling to one page (`to_user`, `to_peer`);
      `cam` says whose camera the connection carries (the "sender"'s or the "recipient"'s).
    """

    video = forms.ChoiceField(
        choices=[
            (kind, kind)
            for kind in ("hello", "camera", "alive", "mic", "offer", "answer", "candidate", "bye")
        ],
        error_messages={"invalid_choice": "That's not a video message."},
    )
    peer = forms.RegexField(regex=PEER_PATTERN, required=False)
    on = forms.BooleanField(required=False)
    to_user = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    to_peer = forms.RegexField(regex=PEER_PATTERN, required=False)
    cam = forms.ChoiceField(
        choices=[("sender", "sender"), ("recipient", "recipient")], required=False
    )
    sdp = forms.CharField(required=False, max_length=SDP_MAX, strip=False)
    candidate = forms.CharField(required=False, max_length=1000, strip=False)
    mid = forms.CharField(required=False, max_length=64, strip=False)
    mline = forms.IntegerField(required=False, min_value=0, max_value=64)

    SIGNALS = ("offer", "answer", "candidate", "bye")

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("video")
        if kind == "hello" and not data.get("peer"):
            raise forms.ValidationError("That video message isn't valid.")
        if kind in self.SIGNALS:
            if not data.get("to_user") or not data.get("to_peer") or not data.get("cam"):
                raise forms.ValidationError("That video message isn't valid.")
            if kind in ("offer", "answer") and not data.get("sdp"):
                raise forms.ValidationError("That video message isn't valid.")
        return data
