"""Stage 7 of the benchmark runner: `assetform check` of N source URLs against the local HTTPS
media server (scripts/media-server.py, a certificate from scripts/test-cert) answering each
request after a fixed latency. The reference is what the latency alone imposes at the
concurrency used: N × latency ÷ concurrency.
"""
import json
import os
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOST = "media.assetform.test"
FILES = ["ok.png", "ok.jpg", "big-exif.jpg", "ok.webp", "ok.gif", "ok.mp4", "ok.mov", "ok.wav", "ok.mp3", "huge.png"]


def preflight_stage(binary, n, latency_ms=20, concurrency=16):
    with tempfile.TemporaryDirectory(prefix="assetform-bench-preflight-") as tmp:
        certs = os.path.join(tmp, "certs")
        subprocess.run([os.path.join(ROOT, "scripts/test-cert"), certs], check=True)
        server = subprocess.Popen(
            ["python3", os.path.join(ROOT, "scripts/media-server.py"), "--cert", os.path.join(certs, "server.pem"),
             "--key", os.path.join(certs, "server.key"), "--port", "0", "--latency-ms", str(latency_ms)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            line = server.stdout.readline()
            if not line.startswith("PORT "):
                raise SystemExit(f"preflight: the media server did not start: {line!r}")
            port = int(line.split()[1])
            manifest = os.path.join(tmp, "m.yaml")
            with open(manifest, "w") as f:
                f.write("version: 1\nprovider: {api: seedance}\nchecks:\n  image: {max_bytes: ~}\ngroups:\n  g:\n    assets:\n")
                for i in range(n):
                    f.write(f"      s{i}: https://{HOST}/{FILES[i % len(FILES)]}?i={i}\n")
            reference = reference_client(port, os.path.join(certs, "ca.pem"), n, concurrency)
            env = dict(os.environ, ASSETFORM_RESOLVE=f"{HOST}:443:127.0.0.1:{port}",
                       SSL_CERT_FILE=os.path.join(certs, "ca.pem"))
            began = time.monotonic()
            done = subprocess.run([binary, "check", manifest, "--json", "--concurrency", str(concurrency)],
                                  env=env, capture_output=True, text=True, timeout=600)
            wall = time.monotonic() - began
            if done.returncode != 0:
                raise SystemExit(f"preflight: check exited {done.returncode}: {done.stderr[-2000:]}")
            document = json.loads(done.stdout)
            reads = [s["bytes_read"] for s in document["sources"]]
            ideal = n * latency_ms / 1000 / concurrency
            return {
                "wall": wall, "elapsed": document["elapsed_seconds"], "ideal": ideal,
                "ratio": document["elapsed_seconds"] / ideal, "max_read": max(reads),
                "mean_read": sum(reads) / len(reads), "checked": document["checked"], "reference": reference,
            }
        finally:
            server.stdin.close()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def reference_client(port, ca, n, concurrency):
    """The same requests from a bare Python client, measured in the same run: 16 threads, each
    with a connection kept open (as assetform keeps them per host), asking for the first 8 KiB."""
    code = r'''
import http.client, ssl, sys, threading, time
port, ca, n, c, host = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
files = sys.argv[6].split(",")
ctx = ssl.create_default_context(cafile=ca)
lock = threading.Lock()
todo = list(range(n))
class Conn(http.client.HTTPSConnection):
    """Names the host in TLS and HTTP, connects to the local server."""
    def connect(self):
        import socket
        raw = socket.create_connection(("127.0.0.1", port))
        self.sock = ctx.wrap_socket(raw, server_hostname=host)
def worker():
    conn = None
    while True:
        with lock:
            if not todo:
                break
            i = todo.pop()
        if conn is None:
            conn = Conn(host, 443)
        conn.request("GET", "/" + files[i % len(files)] + "?i=" + str(i), headers={"Range": "bytes=0-8191"})
        r = conn.getresponse()
        r.read()
        if r.getheader("connection", "").lower() == "close":
            conn.close()
            conn = None
began = time.monotonic()
threads = [threading.Thread(target=worker) for _ in range(c)]
for t in threads: t.start()
for t in threads: t.join()
print(time.monotonic() - began)
'''
    done = subprocess.run(["python3", "-c", code, str(port), ca, str(n), str(concurrency), HOST, ",".join(FILES)],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"preflight: the reference client failed: {done.stderr[-2000:]}")
    return float(done.stdout.strip())
