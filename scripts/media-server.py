#!/usr/bin/env python3
"""A local HTTPS server of media fixtures and faults for assetform's preflight tests.

    python3 scripts/media-server.py --cert server.pem --key server.key
        [--port 0] [--latency-ms 0] [--dir DIR] [--verbose] [--no-stdin-watch]

Listens on 127.0.0.1 only (port 0: an ephemeral one) and prints exactly one line, "PORT <n>",
to stdout once it is listening. It stops when its stdin reaches end-of-file (so a test that
dies never leaves it running; --no-stdin-watch turns that off for use by hand), or on SIGTERM,
SIGINT or SIGHUP. Standard library only (Python 3.11).

The fixtures are generated at start-up; every route is described in ROUTES below and in the
reply that came with this file. GET /_stats returns {"requests": {path: n}, "body_bytes":
{path: n}} (body_bytes: bytes of body handed to TLS, summed over requests; chunk framing not
counted); POST /_reset clears it. Neither is counted, nor delayed by --latency-ms.
"""

import argparse
import email.utils
import hashlib
import json
import os
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import traceback
import urllib.parse
import zlib
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERBOSE = False
STOP = threading.Event()


def log(msg):
    if VERBOSE:
        sys.stderr.write(f"media-server: {msg}\n")
        sys.stderr.flush()


# --------------------------------------------------------------------------------------------
# Fixture generators
# --------------------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_header(width, height):
    """Signature + IHDR (8-bit greyscale): 33 bytes."""
    return PNG_SIGNATURE + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))


def make_png(width, height):
    """A complete, decodable PNG: 8-bit greyscale, all black (filter 0 rows of zeros)."""
    comp = zlib.compressobj(9)
    row = bytes(width + 1)
    parts = [comp.compress(row) for _ in range(height)]
    parts.append(comp.flush())
    idat = b"".join(parts)
    return png_header(width, height) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def jpeg_segment(marker, payload):
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def make_jpeg(width, height, app1_total=2000):
    """A decodable baseline JPEG (mid-grey): SOI, APP0 JFIF, APP1 Exif (app1_total bytes
    including its FF E1 marker and length), DQT, SOF0 (3 components, 4:4:4), DHT, SOS, scan, EOI.

    Each Huffman table has a single 1-bit code for symbol 0, so each 8x8 block is two 0 bits
    (DC difference 0, then end-of-block)."""
    out = bytearray(b"\xFF\xD8")
    out += jpeg_segment(0xE0, b"JFIF\x00" + bytes([1, 1, 0]) + struct.pack(">HH", 1, 1) + b"\x00\x00")
    if app1_total:
        tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 0) + struct.pack("<I", 0)
        payload = b"Exif\x00\x00" + tiff
        payload += bytes(app1_total - 4 - len(payload))
        out += jpeg_segment(0xE1, payload)
    out += jpeg_segment(0xDB, b"\x00" + bytes([1]) * 64)
    sof = struct.pack(">BHHB", 8, height, width, 3) + bytes([1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0])
    out += jpeg_segment(0xC0, sof)
    table = bytes([1] + [0] * 15) + b"\x00"
    out += jpeg_segment(0xC4, b"\x00" + table + b"\x10" + table)
    out += jpeg_segment(0xDA, bytes([3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]))
    mcus = ((width + 7) // 8) * ((height + 7) // 8)
    bits = mcus * 3 * 2
    scan = bytearray((bits + 7) // 8)
    pad = len(scan) * 8 - bits
    if pad:
        scan[-1] = (1 << pad) - 1  # pad with 1 bits
    out += scan
    out += b"\xFF\xD9"
    return bytes(out)


class BitWriter:
    """LSB-first bit writer (VP8L, GIF LZW)."""

    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def write(self, value, nbits):
        self.acc |= (value & ((1 << nbits) - 1)) << self.n
        self.n += nbits
        while self.n >= 8:
            self.out.append(self.acc & 0xFF)
            self.acc >>= 8
            self.n -= 8

    def finish(self):
        if self.n:
            self.out.append(self.acc & 0xFF)
            self.acc = 0
            self.n = 0
        return bytes(self.out)


def riff_chunk(fourcc, data):
    pad = b"\x00" if len(data) % 2 else b""
    return fourcc + struct.pack("<I", len(data)) + data + pad


def vp8l_bitstream(width, height):
    """A decodable VP8L image (opaque black): no transforms, no colour cache, and five simple
    one-symbol prefix codes, so the pixels take no bits at all."""
    w = BitWriter()
    w.write(0x2F, 8)
    w.write(width - 1, 14)
    w.write(height - 1, 14)
    w.write(0, 1)  # alpha_is_used
    w.write(0, 3)  # version
    w.write(0, 1)  # no transform
    w.write(0, 1)  # no colour cache
    w.write(0, 1)  # no meta prefix codes
    for symbol in (0, 0, 0, 255, 0):  # green, red, blue, alpha, distance
        w.write(1, 1)  # simple code
        w.write(0, 1)  # one symbol
        if symbol > 1:
            w.write(1, 1)
            w.write(symbol, 8)
        else:
            w.write(0, 1)
            w.write(symbol, 1)
    return w.finish()


def make_webp_vp8l(width, height):
    body = b"WEBP" + riff_chunk(b"VP8L", vp8l_bitstream(width, height))
    return b"RIFF" + struct.pack("<I", len(body)) + body


def make_webp_vp8x(width, height):
    """Extended format: VP8X (flags 0, canvas width x height) then a VP8L image of that size."""
    vp8x = bytes([0, 0, 0, 0]) + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    body = b"WEBP" + riff_chunk(b"VP8X", vp8x) + riff_chunk(b"VP8L", vp8l_bitstream(width, height))
    return b"RIFF" + struct.pack("<I", len(body)) + body


def make_webp_vp8(width, height):
    """Simple lossy format: a key-frame header (frame tag, start code 9D 01 2A, 14-bit
    width/height) followed by zero bytes. The headers parse; the frame is not decodable."""
    first_part_size = 32
    tag = 0 | (0 << 1) | (1 << 4) | (first_part_size << 5)  # key frame, version 0, shown
    frame = tag.to_bytes(3, "little") + b"\x9D\x01\x2A" + struct.pack("<HH", width & 0x3FFF, height & 0x3FFF)
    frame += bytes(first_part_size + 32)
    body = b"WEBP" + riff_chunk(b"VP8 ", frame)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def gif_lzw(pixels, min_code_size):
    """GIF-flavoured LZW (variable code width, LSB-first), as decoders expect."""
    clear = 1 << min_code_size
    eoi = clear + 1
    w = BitWriter()
    table = {}  # (prefix code, next value) -> code
    next_code = eoi + 1

    def width(n):
        return min(12, max(min_code_size + 1, n.bit_length()))

    w.write(clear, min_code_size + 1)
    prefix = None
    for value in pixels:
        if prefix is None:
            prefix = value
            continue
        code = table.get((prefix, value))
        if code is not None:
            prefix = code
            continue
        w.write(prefix, width(next_code - 1))
        table[(prefix, value)] = next_code
        next_code += 1
        if next_code == 4096:
            w.write(clear, 12)
            table, next_code = {}, eoi + 1
        prefix = value
    if prefix is not None:
        w.write(prefix, width(next_code - 1))
        next_code += 1  # the decoder adds an entry on reading that code
    w.write(eoi, width(next_code - 1))
    return w.finish()


def make_gif(width, height):
    """GIF89a, 2-colour global table, one full-frame image of colour 0 (decodable)."""
    out = bytearray(b"GIF89a")
    out += struct.pack("<HHBBB", width, height, 0x80, 0, 0)
    out += b"\x00\x00\x00\xFF\xFF\xFF"
    out += b"\x2C" + struct.pack("<HHHHB", 0, 0, width, height, 0)
    out += b"\x02"
    data = gif_lzw(bytes(width * height), 2)
    for i in range(0, len(data), 255):
        block = data[i : i + 255]
        out += bytes([len(block)]) + block
    out += b"\x00\x3B"
    return bytes(out)


def make_bmp(width, height):
    """BMP, BITMAPINFOHEADER, 1 bit per pixel (2-entry palette), top-down (negative height)."""
    stride = ((width + 31) // 32) * 4
    pixels = bytes(stride * height)
    palette = b"\x00\x00\x00\x00\xFF\xFF\xFF\x00"
    offset = 14 + 40 + len(palette)
    size = offset + len(pixels)
    info = struct.pack("<IiiHHIIiiII", 40, width, -height, 1, 1, 0, len(pixels), 2835, 2835, 2, 0)
    return b"BM" + struct.pack("<IHHI", size, 0, 0, offset) + info + palette + pixels


def box(kind, payload):
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def full_box(kind, version, flags, payload):
    return box(kind, struct.pack(">I", (version << 24) | flags) + payload)


MATRIX = struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)


def make_moov(timescale, duration, width, height, mvhd_version=0, quicktime=False):
    if mvhd_version == 1:
        times = struct.pack(">QQIQ", 0, 0, timescale, duration)
    else:
        times = struct.pack(">IIII", 0, 0, timescale, duration)
    mvhd = full_box(
        b"mvhd", mvhd_version, 0, times + struct.pack(">IH", 0x00010000, 0x0100) + bytes(10) + MATRIX + bytes(24) + struct.pack(">I", 2)
    )
    tkhd = full_box(
        b"tkhd",
        0,
        7,
        struct.pack(">IIIII", 0, 0, 1, 0, duration)
        + bytes(8)
        + struct.pack(">hhhH", 0, 0, 0, 0)
        + MATRIX
        + struct.pack(">II", width << 16, height << 16),
    )
    mdhd = full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, timescale, duration, 0x55C4, 0))
    hdlr = full_box(b"hdlr", 0, 0, (b"mhlr" if quicktime else b"\x00\x00\x00\x00") + b"vide" + bytes(12) + b"VideoHandler\x00")
    vmhd = full_box(b"vmhd", 0, 1, bytes(8))
    dinf = box(b"dinf", full_box(b"dref", 0, 0, struct.pack(">I", 1) + full_box(b"url ", 0, 1, b"")))
    stbl = box(
        b"stbl",
        full_box(b"stsd", 0, 0, struct.pack(">I", 0))
        + full_box(b"stts", 0, 0, struct.pack(">I", 0))
        + full_box(b"stsc", 0, 0, struct.pack(">I", 0))
        + full_box(b"stsz", 0, 0, struct.pack(">II", 0, 0))
        + full_box(b"stco", 0, 0, struct.pack(">I", 0)),
    )
    mdia = box(b"mdia", mdhd + hdlr + box(b"minf", vmhd + dinf + stbl))
    return box(b"moov", mvhd + box(b"trak", tkhd + mdia))


def make_ftyp(major, minor, compatible):
    return box(b"ftyp", major + struct.pack(">I", minor) + b"".join(compatible))


def make_mp4(seconds, width=1280, height=720, mdat_payload=4096, moov_last=False):
    ftyp = make_ftyp(b"isom", 0x200, [b"isom", b"iso2", b"mp41"])
    moov = make_moov(1000, seconds * 1000, width, height)
    mdat = box(b"mdat", bytes(mdat_payload))
    return ftyp + (mdat + moov if moov_last else moov + mdat)


def make_mov(seconds, width, height):
    ftyp = make_ftyp(b"qt  ", 0x20050300, [b"qt  "])
    moov = make_moov(600, seconds * 600, width, height, mvhd_version=1, quicktime=True)
    return ftyp + moov + box(b"mdat", bytes(4096))


def make_wav(seconds, rate, bits, channels):
    block = channels * bits // 8
    data_size = seconds * rate * block
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * block, block, bits)
    silence = b"\x80" if bits == 8 else b"\x00"
    body = b"WAVE" + riff_chunk(b"fmt ", fmt) + riff_chunk(b"data", silence * data_size)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def make_mp3(frames=230):
    """ID3v2.3 tag of 100 bytes (header + 90 bytes of padding), then CBR MPEG-1 Layer III
    frames, 128 kbps, 44.1 kHz, joint stereo, zero payloads (silence). Frame k is 417 or 418
    bytes (padding bit) so that n frames total floor(n * 144 * 128000 / 44100) bytes."""
    tag = b"ID3\x03\x00\x00" + bytes([0, 0, 0, 90]) + bytes(90)
    out = bytearray(tag)
    total = 0
    for k in range(frames):
        end = (k + 1) * 144 * 128000 // 44100
        length = end - total
        total = end
        padded = length == 418
        header = bytes([0xFF, 0xFB, 0x90 | (0x02 if padded else 0), 0x64])
        out += header + bytes(length - 4)
    return bytes(out)


PAGE_HTML = (
    b"<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Service unavailable</title></head>\n"
    b"<body><h1>Something went wrong</h1><p>The page you asked for is not available right now. "
    b"Please try again later.</p></body>\n</html>\n"
)
OK_TXT = b"assetform test fixture: plain text.\n"

CONTENT_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".bmp": "image/bmp",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}


def content_type_for(path):
    return CONTENT_TYPES.get(os.path.splitext(path)[1].lower(), "application/octet-stream")


def etag_of(data):
    return '"' + hashlib.sha1(data).hexdigest()[:16] + '"'


def http_date(ts):
    return email.utils.formatdate(ts, usegmt=True)


class Resource:
    """A body with its headers. For virtual bodies (huge.png), `size` and `read(start, end)`
    describe it without holding it in memory."""

    def __init__(self, data=None, ctype="application/octet-stream", last_modified=None, etag=None, size=None, reader=None):
        self.data = data
        self.ctype = ctype
        self.last_modified = last_modified
        self._etag = etag
        self.size = len(data) if data is not None else size
        self.reader = reader
        self._lock = threading.Lock()

    @property
    def etag(self):
        with self._lock:
            if self._etag is None:
                if self.data is not None:
                    self._etag = etag_of(self.data)
                else:
                    h = hashlib.sha1()
                    for piece in self.read(0, self.size, 1 << 20):
                        h.update(piece)
                    self._etag = '"' + h.hexdigest()[:16] + '"'
            return self._etag

    def read(self, start, end, piece):
        """Yields the bytes [start, end) in pieces of at most `piece` bytes."""
        if self.data is not None:
            view = memoryview(self.data)
            for i in range(start, end, piece):
                yield view[i : min(end, i + piece)]
        else:
            yield from self.reader(start, end, piece)


HUGE_SIZE = 40_000_000
HUGE_HEADER = png_header(1000, 1000)
ZEROS = bytes(1 << 20)


def huge_reader(start, end, piece):
    pos = start
    while pos < end:
        stop = min(end, pos + piece)
        if pos < len(HUGE_HEADER):
            chunk = HUGE_HEADER[pos : min(stop, len(HUGE_HEADER))]
            chunk += ZEROS[: stop - pos - len(chunk)]
        else:
            chunk = ZEROS[: stop - pos]
        yield chunk
        pos = stop


def build_fixtures(started):
    lm = http_date(started)
    raw = {
        "/ok.png": make_png(1024, 768),
        "/small.png": make_png(200, 200),
        "/wide.png": make_png(4000, 1000),
        "/ok.jpg": make_jpeg(1280, 720, 2000),
        "/small.jpg": make_jpeg(120, 90, 2000),
        "/big-exif.jpg": make_jpeg(1600, 900, 60000),
        "/ok.webp": make_webp_vp8x(800, 600),
        "/small.webp": make_webp_vp8(64, 64),
        "/lossless.webp": make_webp_vp8l(500, 400),
        "/ok.gif": make_gif(640, 480),
        "/small.gif": make_gif(16, 16),
        "/ok.bmp": make_bmp(800, 600),
        "/ok.mp4": make_mp4(10),
        "/long.mp4": make_mp4(40),
        "/short.mp4": make_mp4(1),
        "/ok.mov": make_mov(8, 1920, 1080),
        "/mdat-first.mp4": make_mp4(10, mdat_payload=100_000 - 8, moov_last=True),
        "/ok.wav": make_wav(5, 44100, 16, 2),
        "/long.wav": make_wav(40, 8000, 8, 1),
        "/ok.mp3": make_mp3(230),
        "/page.html": PAGE_HTML,
        "/ok.txt": OK_TXT,
    }
    fixtures = {path: Resource(data, content_type_for(path), lm) for path, data in raw.items()}
    fixtures["/html-as-image.png"] = Resource(PAGE_HTML, "text/html; charset=utf-8", lm)
    fixtures["/mislabelled.png"] = Resource(PAGE_HTML, "image/png", lm)
    fixtures["/ignore-range.png"] = Resource(raw["/ok.png"], "image/png", lm)
    fixtures["/huge.png"] = Resource(None, "image/png", lm, size=HUGE_SIZE, reader=huge_reader)
    return fixtures


# --------------------------------------------------------------------------------------------
# Accounting
# --------------------------------------------------------------------------------------------


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = {}
        self.body_bytes = {}

    def request(self, path):
        with self.lock:
            self.requests[path] = self.requests.get(path, 0) + 1
            self.body_bytes.setdefault(path, 0)

    def wrote(self, path, n):
        with self.lock:
            self.body_bytes[path] = self.body_bytes.get(path, 0) + n

    def snapshot(self):
        with self.lock:
            return {"requests": dict(sorted(self.requests.items())), "body_bytes": dict(sorted(self.body_bytes.items()))}

    def reset(self):
        with self.lock:
            self.requests.clear()
            self.body_bytes.clear()


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------


def parse_range(header, size):
    """Returns None (serve the whole body: no Range, a malformed one, or several ranges),
    "unsatisfiable", or (start, end) with end exclusive."""
    if header is None:
        return None
    header = header.strip()
    if not header.lower().startswith("bytes="):
        return None
    spec = header[6:].strip()
    if "," in spec or "-" not in spec:
        return None
    first, _, last = spec.partition("-")
    first, last = first.strip(), last.strip()
    try:
        if first == "":
            if not last.isdigit():
                return None
            n = int(last)
            if n == 0 or size == 0:
                return "unsatisfiable"
            return (max(0, size - n), size)
        if not first.isdigit() or (last and not last.isdigit()):
            return None
        start = int(first)
        end = int(last) + 1 if last else size
        if last and int(last) < start:
            return None
        if start >= size:
            return "unsatisfiable"
        return (start, min(end, size))
    except ValueError:
        return None


def status_page(code, text=None):
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = "Status"
    text = text or phrase
    return (
        f"<!DOCTYPE html>\n<html><head><title>{code} {phrase}</title></head>"
        f"<body><h1>{code} {phrase}</h1><p>{text}</p></body></html>\n"
    ).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "assetform-media-server/1"
    sys_version = ""

    def version_string(self):
        return self.server_version
    timeout = 60  # idle keep-alive connections and stalled writes

    # ---- plumbing ----

    def log_message(self, format, *args):
        if VERBOSE:
            sys.stderr.write("media-server: %s %s\n" % (self.address_string(), format % args))

    def _write(self, data):
        self.wfile.write(data)
        if self.stat_path is not None:
            self.server.stats.wrote(self.stat_path, len(data))

    def _headers(self, code, headers, length=None):
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()

    def _simple(self, code, body=None, ctype="text/html; charset=utf-8", extra=()):
        if body is None:
            body = b"" if code in (204, 304) or code < 200 else status_page(code)
        headers = list(extra)
        if code not in (204, 304) and code >= 200:
            headers.insert(0, ("Content-Type", ctype))
            self._headers(code, headers, len(body))
        else:
            self._headers(code, headers)
        if self.command != "HEAD" and body:
            self._write(body)

    def _drain_body(self):
        length = self.headers.get("Content-Length")
        if length:
            try:
                n = int(length)
            except ValueError:
                self.close_connection = True
                return
            while n > 0:
                chunk = self.rfile.read(min(n, 65536))
                if not chunk:
                    break
                n -= len(chunk)
        elif "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True

    def _not_modified(self, res):
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = [t.strip() for t in inm.split(",")]
            return "*" in tags or res.etag in tags or ("W/" + res.etag) in tags
        ims = self.headers.get("If-Modified-Since")
        if ims and res.last_modified:
            try:
                return email.utils.parsedate_to_datetime(ims) >= email.utils.parsedate_to_datetime(res.last_modified)
            except (TypeError, ValueError):
                return False
        return False

    # ---- responses ----

    def _serve_resource(self, res, honour_range=True, piece=16384):
        base = [("Content-Type", res.ctype), ("ETag", res.etag)]
        if res.last_modified:
            base.append(("Last-Modified", res.last_modified))
        if self._not_modified(res):
            self._headers(304, base[1:])
            return
        rng = parse_range(self.headers.get("Range"), res.size) if honour_range and self.command == "GET" else None
        if rng == "unsatisfiable":
            body = status_page(416, "Range Not Satisfiable")
            self._headers(416, [("Content-Type", "text/html; charset=utf-8"), ("Content-Range", f"bytes */{res.size}")], len(body))
            self._write(body)
            return
        if rng is None:
            code, start, end, extra = 200, 0, res.size, []
        else:
            start, end = rng
            code, extra = 206, [("Content-Range", f"bytes {start}-{end - 1}/{res.size}")]
        self._headers(code, base + extra, end - start)
        if self.command == "HEAD":
            return
        try:
            for chunk in res.read(start, end, piece):
                if STOP.is_set():
                    break
                self._write(chunk)
        except OSError:
            self.close_connection = True
            raise

    def _serve_endless(self):
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if self.command == "HEAD":
            return
        self.close_connection = True
        chunk = bytes(4096)
        first = png_header(800, 800)
        try:
            self.wfile.write(b"%x\r\n" % len(first) + first + b"\r\n")
            self.server.stats.wrote(self.stat_path, len(first))
            frame = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
            while not STOP.is_set():
                self.wfile.write(frame)
                self.server.stats.wrote(self.stat_path, len(chunk))
        except (OSError, ValueError):
            pass

    def _serve_hang(self):
        self.close_connection = True
        conn = self.connection
        try:
            conn.settimeout(0.5)
            while not STOP.is_set():
                try:
                    if not conn.recv(4096):
                        break  # the client closed
                except (TimeoutError, socket.timeout):
                    continue
        except (OSError, ValueError):
            pass

    def _serve_file(self, rel):
        root = self.server.files_dir
        if root is None:
            return self._simple(404)
        parts = [p for p in rel.split("/") if p not in ("", ".")]
        if not parts or any(p == ".." or "\x00" in p or "\\" in p for p in parts):
            return self._simple(404)
        target = os.path.realpath(os.path.join(root, *parts))
        if os.path.commonpath([root, target]) != root or not os.path.isfile(target):
            return self._simple(404)
        try:
            with open(target, "rb") as f:
                st = os.fstat(f.fileno())
                data = f.read()
        except OSError:
            return self._simple(404)
        self._serve_resource(Resource(data, content_type_for(target), http_date(st.st_mtime)))

    def _redirect(self, location):
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in location):
            return self._simple(400)
        self._simple(302, status_page(302, "Found"), extra=[("Location", location)])

    def _dispatch(self):
        split = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(split.path) or "/"
        query = split.query
        server = self.server

        if path == "/_stats" and self.command in ("GET", "HEAD"):
            body = (json.dumps(server.stats.snapshot(), sort_keys=True) + "\n").encode()
            return self._simple(200, body, "application/json")
        if path == "/_reset":
            if self.command != "POST":
                return self._simple(405, extra=[("Allow", "POST")])
            server.stats.reset()
            return self._simple(204)

        self.stat_path = path
        server.stats.request(path)
        if server.latency:
            time.sleep(server.latency)

        if self.command == "POST":
            return self._simple(405, extra=[("Allow", "GET, HEAD")])

        res = server.fixtures.get(path)
        if path == "/ignore-range.png":
            return self._serve_resource(res, honour_range=False)
        if path == "/huge.png":
            return self._serve_resource(res, piece=4096)
        if res is not None:
            return self._serve_resource(res)
        if path == "/endless.png":
            return self._serve_endless()
        if path == "/hang.png":
            return self._serve_hang()
        if path.startswith("/files/"):
            return self._serve_file(path[len("/files/") :])
        if path.startswith("/status/"):
            code = path.split("/")[2]
            if code.isdigit() and 200 <= int(code) <= 599:
                return self._simple(int(code))
            return self._simple(400)
        if path.startswith("/redirect/"):
            n, _, rest = path[len("/redirect/") :].partition("/")
            if not n.isdigit():
                return self._simple(404)
            host = self.headers.get("Host") or f"127.0.0.1:{server.server_address[1]}"
            target = f"/redirect/{int(n) - 1}/{rest}" if int(n) > 0 else f"/{rest}"
            target = urllib.parse.quote(target, safe="/%:@!$&'()*+,;=-._~")
            if query:
                target += "?" + query
            return self._redirect(f"https://{host}{target}")
        if path == "/redirect-to":
            urls = urllib.parse.parse_qs(query).get("url")
            if not urls:
                return self._simple(400)
            return self._redirect(urls[0])
        return self._simple(404)

    def _handle(self):
        self.stat_path = None
        try:
            self._drain_body()
            self._dispatch()
        except (OSError, ValueError, ssl.SSLError):
            self.close_connection = True
        except Exception:
            self.close_connection = True
            sys.stderr.write("media-server: error handling %r\n%s" % (self.requestline, traceback.format_exc()))

    do_GET = do_HEAD = do_POST = _handle


class MediaServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address, context, fixtures, latency, files_dir):
        self.context = context
        self.fixtures = fixtures
        self.latency = latency
        self.files_dir = files_dir
        self.stats = Stats()
        super().__init__(address, Handler)

    def process_request_thread(self, request, client_address):
        # The TLS handshake happens here, in the connection's own thread, so a slow or
        # broken client never holds up accept().
        conn = request
        try:
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            # A small send buffer so body_bytes stays close to what a client really read.
            request.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
            request.settimeout(10)
            conn = self.context.wrap_socket(request, server_side=True)
            self.finish_request(conn, client_address)
        except Exception:
            self.handle_error(conn, client_address)
        finally:
            self.shutdown_request(conn)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (OSError, ssl.SSLError, ValueError, EOFError)):
            log(f"{client_address[0]}:{client_address[1]}: {type(exc).__name__}: {exc}")
            return
        sys.stderr.write(f"media-server: unexpected error from {client_address}\n{traceback.format_exc()}")

    def shutdown_request(self, request):
        try:
            request.close()
        except OSError:
            pass


def watch_stdin():
    try:
        while os.read(0, 65536):
            pass
    except OSError:
        pass
    log("stdin closed; stopping")
    STOP.set()


def main(argv=None):
    global VERBOSE
    parser = argparse.ArgumentParser(prog="media-server.py", description="HTTPS media fixtures for assetform's tests (127.0.0.1 only).")
    parser.add_argument("--cert", required=True, help="PEM certificate chain for the server")
    parser.add_argument("--key", required=True, help="PEM private key")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: ephemeral; default)")
    parser.add_argument("--latency-ms", type=float, default=0, help="sleep this long before answering each request")
    parser.add_argument("--dir", help="serve DIR's files under /files/")
    parser.add_argument("--verbose", action="store_true", help="log requests and connection errors to stderr")
    parser.add_argument("--no-stdin-watch", action="store_true", help="do not stop when stdin reaches EOF")
    args = parser.parse_args(argv)
    VERBOSE = args.verbose

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(args.cert, args.key)
    except (OSError, ssl.SSLError) as e:
        sys.stderr.write(f"media-server: cannot load --cert {args.cert} / --key {args.key}: {e}\n")
        return 1
    context.set_alpn_protocols(["http/1.1"])

    files_dir = None
    if args.dir:
        files_dir = os.path.realpath(args.dir)
        if not os.path.isdir(files_dir):
            sys.stderr.write(f"media-server: --dir {args.dir} is not a directory\n")
            return 1

    fixtures = build_fixtures(time.time())
    try:
        server = MediaServer(("127.0.0.1", args.port), context, fixtures, max(0.0, args.latency_ms) / 1000.0, files_dir)
    except OSError as e:
        sys.stderr.write(f"media-server: cannot listen on 127.0.0.1:{args.port}: {e}\n")
        return 1

    def on_signal(signum, frame):
        STOP.set()

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)

    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    try:
        sys.stdout.write(f"PORT {server.server_address[1]}\n")
        sys.stdout.flush()
    except OSError:
        STOP.set()
    if not args.no_stdin_watch:
        threading.Thread(target=watch_stdin, daemon=True).start()

    while not STOP.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    log("stopped")
    sys.stderr.flush()
    # Handler threads are daemons; leave without waiting for them (a hung client cannot
    # hold the process).
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
