"""Server memory while hostile Word files are uploaded: a zip bomb, two at once, and an honest file.

Starts `briefs serve` as its own process on a fresh SQLite database (the default model, or
`BRIEFS_MODEL_DIR`), logs in as an officer, and sends `POST /api/v1/check/file` uploads.
The server's resident memory (RSS, psutil) is sampled every 10 ms during each round; printed
per round: the answer, the RSS before, the peak during and the RSS after.

    .venv/bin/python bench/upload_memory.py [--bomb-mb 600] [--port 8766]

Nothing is asserted; the figures go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from serve import served  # noqa: E402
from tests.docx_files import docx, document_xml, zip_bomb  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bomb-mb", type=int, default=600, help="what the bomb's document part expands to")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()

    import httpx
    import psutil

    from api.app import build_service
    from api.settings import Settings

    workdir = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    env = {**os.environ, "BRIEFS_DATABASE_URL": f"sqlite:///{workdir / 'briefs.db'}", "BRIEFS_SECRET_KEY": "u" * 48}
    service = build_service(Settings(database_url=env["BRIEFS_DATABASE_URL"], secret_key=env["BRIEFS_SECRET_KEY"]))
    service.add_user("bench", "bench-password", "officer", "清河县农业农村局")
    service.engine.dispose()
    del service

    bomb = zip_bomb(args.bomb_mb)
    honest = docx(document_xml(["关于我县秋冬季秸秆离田利用情况的报告",
                                "今年秋收以来,我县秸秆产生量约41万吨,离田利用率38%。" * 20]))
    big_node = docx(document_xml(["标题", "字" * (12 * 1024 * 1024 // 3)]))
    print(f"bomb: {len(bomb) / 1024:.0f} KB expanding to {args.bomb_mb} MB; honest file {len(honest) / 1024:.0f} KB; "
          f"one 12 MB text node {len(big_node) / 1024:.0f} KB")

    with served(env, args.port, timeout=300) as (base, server, _):
        proc = psutil.Process(server.pid)
        token = httpx.post(f"{base}/api/v1/auth/token",
                           data={"username": "bench", "password": "bench-password"}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        def upload(content: bytes) -> str:
            r = httpx.post(f"{base}/api/v1/check/file", headers=headers, timeout=300,
                           files={"file": ("draft.docx", content,
                                           "application/vnd.openxmlformats-officedocument.wordprocessingml.document")})
            return f"{r.status_code} {r.json().get('code', 'ok')}"

        def round_(label: str, files: list[bytes]) -> None:
            before = proc.memory_info().rss
            peak = before
            stop = threading.Event()

            def sample() -> None:
                nonlocal peak
                while not stop.is_set():
                    peak = max(peak, proc.memory_info().rss)
                    time.sleep(0.01)

            sampler = threading.Thread(target=sample)
            sampler.start()
            t0 = time.perf_counter()
            with ThreadPoolExecutor(len(files)) as pool:
                answers = list(pool.map(upload, files))
            seconds = time.perf_counter() - t0
            stop.set()
            sampler.join()
            time.sleep(0.5)
            after = proc.memory_info().rss
            mib = 1024 * 1024
            print(f"{label:<28} answers {', '.join(answers):<34} RSS before {before / mib:6.0f} MiB, "
                  f"peak {peak / mib:6.0f} (+{(peak - before) / mib:.0f}), after {after / mib:6.0f}; {seconds:.2f} s")

        round_("honest file", [honest])
        round_("zip bomb", [bomb])
        round_("two zip bombs at once", [bomb, bomb])
        round_("12 MB text node", [big_node])
        round_("honest file again", [honest])


if __name__ == "__main__":
    main()
