"""The frames of Feishu's long connection (长连接): protobuf ``pbbp2.Frame`` messages, read and
written here by hand (a few varints and byte strings) rather than through ``protobuf``.

The schema, from the official SDK (``lark_oapi/ws/pb/pbbp2.proto``)::

    message Header { required string key = 1; required string value = 2; }
    message Frame {
      required uint64 SeqID = 1; required uint64 LogID = 2;
      required int32 service = 3; required int32 method = 4;   // 0 control, 1 data
      repeated Header headers = 5;
      optional string payload_encoding = 6; optional string payload_type = 7;
      optional bytes payload = 8; optional string LogIDNew = 9;
    }

Headers carry ``type`` (``ping``/``pong`` on control frames, ``event``/``card`` on data
frames), ``message_id``, ``sum`` and ``seq`` (a payload split over several frames) and
``trace_id``. A data frame is acknowledged by sending it back with the payload
``{"code": 200}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CONTROL, DATA = 0, 1


@dataclass
class Frame:
    seq_id: int = 0
    log_id: int = 0
    service: int = 0
    method: int = CONTROL
    headers: list[tuple[str, str]] = field(default_factory=list)
    payload: bytes = b""
    payload_encoding: str = ""
    payload_type: str = ""
    log_id_new: str = ""

    def header(self, key: str, default: str = "") -> str:
        for name, value in self.headers:
            if name == key:
                return value
        return default


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int32 values go as ten-byte two's complement
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, data: bytes | int) -> bytes:
    if isinstance(data, int):
        return _varint(number << 3) + _varint(data)
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def encode(frame: Frame) -> bytes:
    out = [
        _field(1, frame.seq_id),
        _field(2, frame.log_id),
        _field(3, frame.service),
        _field(4, frame.method),
    ]
    for key, value in frame.headers:
        out.append(_field(5, _field(1, key.encode()) + _field(2, value.encode())))
    if frame.payload_encoding:
        out.append(_field(6, frame.payload_encoding.encode()))
    if frame.payload_type:
        out.append(_field(7, frame.payload_type.encode()))
    if frame.payload:
        out.append(_field(8, frame.payload))
    if frame.log_id_new:
        out.append(_field(9, frame.log_id_new.encode()))
    return b"".join(out)


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    out: list[tuple[int, int | bytes]] = []
    at = 0
    while at < len(data):
        key, at = _read_varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _read_varint(data, at)
            out.append((number, value))
        elif wire == 2:
            size, at = _read_varint(data, at)
            if at + size > len(data):
                raise ValueError("truncated field")
            out.append((number, data[at : at + size]))
            at += size
        else:
            raise ValueError(f"unexpected wire type {wire}")
    return out


def decode(data: bytes) -> Frame:
    """A frame from its bytes; ValueError when they are not one."""
    frame = Frame()
    for number, value in _fields(data):
        if isinstance(value, int):
            signed = value - (1 << 64) if value >= 1 << 63 else value
            if number == 1:
                frame.seq_id = value
            elif number == 2:
                frame.log_id = value
            elif number == 3:
                frame.service = signed
            elif number == 4:
                frame.method = signed
        elif number == 5:
            parts = dict(_fields(value))
            key, text = parts.get(1, b""), parts.get(2, b"")
            if isinstance(key, bytes) and isinstance(text, bytes):
                frame.headers.append((key.decode(), text.decode()))
        elif number == 6:
            frame.payload_encoding = value.decode()
        elif number == 7:
            frame.payload_type = value.decode()
        elif number == 8:
            frame.payload = value
        elif number == 9:
            frame.log_id_new = value.decode()
    return frame
