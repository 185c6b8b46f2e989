"""Uploads cannot tie up the server (issue 14, item 16): a 10 MB .xlsx of one million rows is refused in under 5 s
with under 200 MB peak memory, on the web and in the CLI.

Usage: .venv/bin/python bench/upload_limits.py [--rows 1000000] [--runs 3] [--national 20000] [--limit N]
Smoke test at a tiny size: .venv/bin/python bench/upload_limits.py --rows 2000 --limit 1000 --runs 1 --national 50

Builds, per kind of import, a workbook of ``--rows`` data rows below a correct header (one cell a row, written as raw
sheet XML the way a script would: no <dimension>, about 10 MB for a million rows, inside MAX_UPLOAD_MB and the
zip-bomb checks), and for the registry one whose cells are a million distinct texts kept as Excel keeps them (in the
shared-strings table, read whole before any row), then measures, ``--runs`` times each, in fresh processes on a
fresh SQLite database:
  web  — the registry upload (/admin/registry/upload, national administrator) and the roster upload
         (/director/<campaign>/roster/upload): a one-thread Werkzeug server in a child process, signed in through
         the sign-in page; the time of the POST as the client sees it, and the server process's peak RSS (VmHWM,
         start-up included) and its growth over the RSS before the upload;
  CLI  — `flask --app wsgi survey import-orgs FILE` and `… import-responses --campaign BENCH FILE`: the command's
         wall time (interpreter and app start-up included) and its peak RSS (ru_maxrss from wait4).
Each figure comes with the CPU time it took (the server's during the POST; the command's whole), steadier than wall
time on a shared machine.
Every answer must be the refusal at the row limit (for the distinct texts: of the texts' table as implausible, which
comes first). Medians are printed, with each run, and the CLI's start-up alone (`flask --app wsgi survey --help`),
which is part of each CLI time. ``--national N`` then imports a valid registry of N organizations through the CLI
(the limit must let a national registry through); 0 skips it.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import io
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-2026"
SECRETS = {"SECRET_KEY": "bench-upload-limits", "IIN_HASH_KEY": "bench-upload-limits"}
HEADERS = {
    "registry": ["bin", "id_kind", "name_ru", "name_kk", "level", "org_type", "ownership", "region", "district",
                 "kato", "languages", "address"],
    "roster": ["iin", "last_name", "first_name", "middle_name", "post"],
    "responses": None,  # the paper import's columns, read from survey.questionnaire.paper
}
ROW_LIMIT = "MAX_UPLOAD_ROWS_"  # the setting the row-limit message names
# a shared-strings table longer than the rows allowed could use (at a tiny --rows and --limit, the row limit first)
TOO_MANY_TEXTS = ("implausible size", ROW_LIMIT)

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>')
SHARED_STRINGS_TYPE = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                       'officedocument.spreadsheetml.sharedStrings+xml"/>')
SHARED_STRINGS_REL = ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                      'relationships/sharedStrings" Target="sharedStrings.xml"/>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def million_rows(header: list[str], rows: int, texts: bool = False) -> bytes:
    """A workbook with ``header`` and ``rows`` data rows of one 12-digit number each (an ID that is not valid), or
    with ``texts`` one distinct text each, kept as Excel keeps texts: in the shared-strings table."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.replace("</Types>", SHARED_STRINGS_TYPE + "</Types>")
                         if texts else CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.replace(
            "</Relationships>", SHARED_STRINGS_REL + "</Relationships>") if texts else WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                        b'spreadsheetml/2006/main"><sheetData><row r="1">')
            sheet.write("".join(f'<c r="{_column(n)}1" t="inlineStr"><is><t>{name}</t></is></c>'
                                for n, name in enumerate(header)).encode())
            sheet.write(b"</row>")
            cell = '<c r="A{n}" t="s"><v>{i}</v></c>' if texts else '<c r="A{n}"><v>{v}</v></c>'
            for start in range(2, rows + 2, 10_000):
                sheet.write("".join(f'<row r="{n}">' + cell.format(n=n, i=n - 2, v=100000000000 + n * 7919) + "</row>"
                                    for n in range(start, min(start + 10_000, rows + 2))).encode())
            sheet.write(b"</sheetData></worksheet>")
        if texts:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as table:
                table.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
                            f'spreadsheetml/2006/main" count="{rows}" uniqueCount="{rows}">'.encode())
                for start in range(0, rows, 10_000):
                    table.write("".join(f"<si><t>{n}</t></si>" for n in range(start, min(start + 10_000, rows)))
                                .encode())
                table.write(b"</sst>")
    return buffer.getvalue()


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def prepare(database_url: str) -> None:
    """Child process: migrate the database and add the people and campaign the uploads need."""
    import datetime as dt

    from flask_migrate import upgrade

    from survey import create_app
    from survey.extensions import db
    from survey.models import Campaign, District, Organization, Region, User
    from survey.passwords import hash_password

    app = create_app({**SECRETS, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
        district = District(region=Region(name="Алматы"), name="Медеуский")
        org = Organization(bin="940140000385", name_ru="Школа", level="school", ownership="state", district=district)
        db.session.add_all([
            org, Campaign(code="BENCH", title_kk="Сауалнама", title_ru="Анкетирование",
                          census_date=dt.date(2026, 11, 1), status="open"),
            User(email="admin@bench.kz", role="national_admin", password_hash=hash_password(PASSWORD)),
            User(email="director@bench.kz", role="director", organization=org, password_hash=hash_password(PASSWORD)),
        ])
        db.session.commit()


def limits() -> dict[str, str]:
    """The row limits given with --limit (passed to the server and the commands as their settings), else none."""
    from survey.tabular import ROW_LIMITS

    rows = os.environ.get("BENCH_ROW_LIMIT")
    return {setting: rows for setting, _default in ROW_LIMITS.values()} if rows else {}


def serve(database_url: str, port: int) -> None:
    """Child process: the app on a one-thread Werkzeug server (one request at a time, as the measurement wants)."""
    from werkzeug.serving import make_server

    from survey import create_app

    app = create_app({**SECRETS, "SQLALCHEMY_DATABASE_URI": database_url, "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
                      **{setting: int(rows) for setting, rows in limits().items()}})
    make_server("127.0.0.1", port, app, threaded=False).serve_forever()


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.opener.addheaders = [("Accept-Language", "en")]

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=120) as answer:
            return answer.read().decode()

    def post(self, path: str, body: bytes, content_type: str) -> tuple[int, str]:
        request = urllib.request.Request(self.base + path, data=body, headers={"Content-Type": content_type})
        try:
            with self.opener.open(request, timeout=120) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def csrf(self, path: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(path)).group(1)

    def sign_in(self, email: str) -> None:
        form = urllib.parse.urlencode({"csrf_token": self.csrf("/auth/sign-in"), "email": email,
                                       "password": PASSWORD}).encode()
        status, page = self.post("/auth/sign-in", form, "application/x-www-form-urlencoded")
        assert status == 200 and "sign-out" in page, (status, page[:500])


def multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n".encode()
                 + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (on a shared machine a steadier figure than wall time)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory(pid: int, field: str) -> float:
    """VmHWM (peak) or VmRSS of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for {pid}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def web_run(database_url: str, path: Path, email: str, page: str, upload: str,
            refusal: tuple[str, ...] = (ROW_LIMIT,)) -> dict:
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", database_url, str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        for _ in range(200):
            try:
                browser.get("/healthz")
                break
            except OSError:
                time.sleep(0.05)
        browser.sign_in(email)
        body, content_type = multipart({"csrf_token": browser.csrf(page)}, path.name, path.read_bytes())
        before, cpu = memory(server.pid, "VmRSS"), cpu_seconds(server.pid)
        started = time.perf_counter()
        status, answer = browser.post(upload, body, content_type)
        seconds = time.perf_counter() - started
        peak, cpu = memory(server.pid, "VmHWM"), cpu_seconds(server.pid) - cpu
    finally:
        server.terminate()
        server.wait()
    assert status == 422 and any(words in answer for words in refusal), (status, answer[:2000])
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak, "growth_mb": peak - before, "page_kb": len(answer) / 1024}


def cli_run(database_url: str, args: list[str]) -> dict:
    """A `flask survey …` command: its wall time, exit status, output, and peak RSS (its own, from wait4)."""
    env = {**os.environ, **SECRETS, "DATABASE_URL": database_url, **limits()}
    started = time.perf_counter()
    command = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "survey", *args], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = command.stdout.read().decode()
    command.stdout.close()
    _pid, status, usage = os.wait4(command.pid, 0)
    command.returncode = os.waitstatus_to_exitcode(status)
    return {"seconds": time.perf_counter() - started, "cpu": usage.ru_utime + usage.ru_stime,
            "status": command.returncode, "output": output, "peak_mb": usage.ru_maxrss / 1024,
            "lines": len(output.strip().splitlines())}


def refused_by_cli(database_url: str, args: list[str], refusal: tuple[str, ...] = (ROW_LIMIT,)) -> dict:
    result = cli_run(database_url, args)
    output = result["output"]
    assert result["status"] == 1 and any(words in output for words in refusal), output[:2000]
    assert "Traceback" not in output, output[:2000]
    return result


def report(name: str, results: list[dict]) -> None:
    for number, result in enumerate(results, start=1):
        extra = (f", growth {result['growth_mb']:.0f} MB, page {result['page_kb']:.0f} kB" if "growth_mb" in result
                 else f", {result['lines']} line(s) of output")
        print(f"  {name} run {number}: {result['seconds']:.2f} s ({result['cpu']:.2f} s CPU), "
              f"peak RSS {result['peak_mb']:.0f} MB{extra}")
    seconds = statistics.median(r["seconds"] for r in results)
    cpu = statistics.median(r["cpu"] for r in results)
    peak = statistics.median(r["peak_mb"] for r in results)
    verdict = "ok" if seconds < 5 and peak < 200 else "OVER TARGET"
    print(f"{name}: median {seconds:.2f} s ({cpu:.2f} s CPU), median peak {peak:.0f} MB "
          f"(target < 5 s, < 200 MB): {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--national", type=int, default=20_000)
    parser.add_argument("--limit", type=int, help="row limit of every kind (default: the settings' defaults); "
                        "for a smoke test at a tiny size, below --rows")
    parser.add_argument("--prepare", help=argparse.SUPPRESS)
    parser.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare)
        return
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return

    from survey.questionnaire.paper import layout
    from survey.questions import CORE

    HEADERS["responses"] = list(layout(CORE).columns)
    if args.limit:
        os.environ["BENCH_ROW_LIMIT"] = str(args.limit)  # read by the server child and the commands (limits())
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite:///{folder}/bench.db"
        subprocess.run([sys.executable, __file__, "--prepare", database_url], cwd=ROOT, check=True,
                       capture_output=True)
        files = {}
        for kind, header, texts in [(kind, header, False) for kind, header in HEADERS.items()] + [
                ("registry-texts", HEADERS["registry"], True)]:
            files[kind] = Path(folder) / f"{kind}.xlsx"
            started = time.perf_counter()
            files[kind].write_bytes(million_rows(header, args.rows, texts))
            print(f"{kind}: {args.rows:,} rows{' of distinct texts' if texts else ''}, "
                  f"{files[kind].stat().st_size / 1e6:.1f} MB .xlsx (built in {time.perf_counter() - started:.1f} s)")
        measures = {
            "web registry upload": lambda: web_run(database_url, files["registry"], "admin@bench.kz",
                                                   "/admin/registry/upload", "/admin/registry/upload"),
            "web roster upload": lambda: web_run(database_url, files["roster"], "director@bench.kz",
                                                 "/director/BENCH/roster", "/director/BENCH/roster/upload"),
            "web registry upload, distinct texts": lambda: web_run(
                database_url, files["registry-texts"], "admin@bench.kz", "/admin/registry/upload",
                "/admin/registry/upload", TOO_MANY_TEXTS),
            "CLI import-orgs": lambda: refused_by_cli(database_url, ["import-orgs", str(files["registry"])]),
            "CLI import-orgs, distinct texts": lambda: refused_by_cli(
                database_url, ["import-orgs", str(files["registry-texts"])], TOO_MANY_TEXTS),
            "CLI import-responses": lambda: refused_by_cli(
                database_url, ["import-responses", "--campaign", "BENCH", str(files["responses"])]),
        }
        for name, measure in measures.items():
            report(name, [measure() for _ in range(args.runs)])
        start_up = [cli_run(database_url, ["--help"]) for _ in range(args.runs)]
        print(f"(the CLI's own start-up, `flask --app wsgi survey --help`, is part of each CLI figure: median "
              f"{statistics.median(r['seconds'] for r in start_up):.2f} s, "
              f"{statistics.median(r['cpu'] for r in start_up):.2f} s CPU)")
        if args.national:
            from import_orgs import make_registry

            path = Path(folder) / "national.xlsx"
            path.write_bytes(make_registry(args.national, "xlsx"))
            result = cli_run(database_url, ["import-orgs", str(path)])
            assert result["status"] == 0, result["output"][-2000:]
            print(f"national registry of {args.national:,} organizations through import-orgs: "
                  f"{result['seconds']:.1f} s, {result['output'].strip().splitlines()[-1]}")


if __name__ == "__main__":
    main()
