"""The Redis pub/sub layer decodes a group message once per process (focusmate/lib/layers.py)."""

from __future__ import annotations

from focusmate.lib.layers import SharedMessagePubSubChannelLayer


def test_a_message_from_redis_is_decoded_once_for_all_its_receivers(monkeypatch):
    layer = SharedMessagePubSubChannelLayer(hosts=["redis://127.0.0.1:1/0"])
    decodings = []
    real = layer._serializer.deserialize

    def counted(raw):
        decodings.append(raw)
        return real(raw)

    monkeypatch.setattr(layer._serializer, "deserialize", counted)
    push = layer.serialize({"type": "people.changed", "html": "<li>bob</li>"})
    other = layer.serialize({"type": "timer.changed", "html": "<section>"})

    received = [layer.deserialize(push) for _ in range(1000)]
    interleaved = [layer.deserialize(other), layer.deserialize(push)]

    assert len(decodings) == 2  # the push once, the other message once
    assert all(
        message == {"type": "people.changed", "html": "<li>bob</li>"} for message in received
    )
    assert interleaved[0]["type"] == "timer.changed" and interleaved[1] == received[0]
    received[0]["type"] = "changed by one receiver"  # each receiver has its own dict
    assert received[1]["type"] == "people.changed"


def test_equal_messages_published_twice_are_decoded_twice(monkeypatch):
    """Kept by identity, not by value: two sends are two messages."""
    layer = SharedMessagePubSubChannelLayer(hosts=["redis://127.0.0.1:1/0"])
    first = layer.serialize({"type": "chat.posted", "html": "hi"})
    second = bytes(bytearray(first))

    assert first == second and first is not second
    assert layer.deserialize(first) == layer.deserialize(second)
    assert [raw for raw, _ in layer._decoded] == [first, second]
