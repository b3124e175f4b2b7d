"""Backup and restore of the whole portal: the database and the uploaded evidence (UPLOAD_DIR).

`flask --app wsgi backup DIR` writes, into a new directory DIR:
- `database.sqlite3` (SQLite, made with the online backup API: consistent while the app keeps serving) or
  `database.pgdump` (PostgreSQL, `pg_dump -Fc`: one consistent snapshot, custom format for pg_restore);
- `uploads.tar`, every file under UPLOAD_DIR (evidence is stored under random names; it is never changed
  in place, so a tar taken just after the dump holds every file the dump refers to);
- `manifest.json`: what was written, the dialect, the migration revision and each table's row count;
- `audit-anchor.json`: the id, hash and time of the last audit row (read before the dump, so the dump holds
  it). Keep a copy away from the server: `flask audit-verify --anchor FILE` checks the log against it.

`flask --app wsgi restore DIR` puts both back. It refuses a database that already holds data unless
`--force` is given (then SQLite is overwritten page by page, PostgreSQL gets `pg_restore --clean
--if-exists`). The evidence files are extracted into UPLOAD_DIR next to what is there.
"""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import URL

from portal.domain.errors import DomainError
from portal.extensions import db
from portal.services import audit_chain

MANIFEST = "manifest.json"
UPLOADS_TAR = "uploads.tar"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"


# --------------------------------------------------------------------------- what is in the database

def table_counts() -> dict[str, int]:
    """Rows per table of the portal's schema (every table the models know)."""
    existing = set(inspect(db.engine).get_table_names())
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables if table.name in existing}


def database_has_data() -> bool:
    """True when any table other than Alembic's own holds a row: a restore would overwrite real data."""
    return any(count for count in table_counts().values())


def _migration_revision() -> str | None:
    if "alembic_version" not in inspect(db.engine).get_table_names():
        return None
    return db.session.scalar(text("SELECT version_num FROM alembic_version"))


# --------------------------------------------------------------------------- PostgreSQL tools

def _pg_env(url: URL) -> dict[str, str]:
    socket_dir = url.query.get("host")  # postgresql+psycopg://user@/db?host=/var/run/postgresql
    if isinstance(socket_dir, tuple):
        socket_dir = socket_dir[0]
    env = {**os.environ, "PGHOST": url.host or socket_dir or "127.0.0.1", "PGPORT": str(url.port or 5432),
           "PGDATABASE": url.database or ""}
    if url.username:
        env["PGUSER"] = url.username
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return env


def _tool_major(tool: str) -> int:
    path = shutil.which(tool)
    if path is None:
        raise DomainError(f"Program {tool} tidak ditemukan; pasang paket postgresql-client.")
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"\(PostgreSQL\)\s+(\d+)", output).group(1))


def _check_pg_tools(tool: str) -> None:
    """pg_dump/pg_restore refuse (or silently miss features of) a newer server: say so before starting."""
    server = int(db.session.scalar(text("SHOW server_version_num"))) // 10000
    client = _tool_major(tool)
    if client < server:
        raise DomainError(f"{tool} versi {client} lebih lama dari server PostgreSQL versi {server}; "
                          f"pasang postgresql-client-{server}.")


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise DomainError(f"{command[0]} gagal: {result.stderr.strip()[-500:]}")


# --------------------------------------------------------------------------- backup

def backup(target: Path, upload_dir: Path) -> dict:
    """Write the database and the evidence files into the new directory `target`; return the manifest."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise DomainError(f"Folder {target} sudah berisi berkas; pilih folder baru untuk cadangan.")
    target.mkdir(parents=True, exist_ok=True)
    url = db.engine.url
    manifest = {"format": 1, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "dialect": url.get_backend_name(), "revision": _migration_revision(), "counts": table_counts()}
    manifest["audit_anchor"] = audit_chain.write_anchor_file(target)
    if manifest["audit_anchor"]:
        manifest["audit_anchor_file"] = audit_chain.ANCHOR_FILE
    db.session.rollback()  # end our read transaction before copying
    if manifest["dialect"] == "sqlite":
        manifest["database_file"] = SQLITE_FILE
        _sqlite_copy(Path(url.database), target / SQLITE_FILE)
    elif manifest["dialect"] == "postgresql":
        _check_pg_tools("pg_dump")
        manifest["database_file"] = PG_FILE
        _run(["pg_dump", "-Fc", "--no-owner", "--no-privileges", "-f", str(target / PG_FILE)], _pg_env(url))
    else:
        raise DomainError(f"Basis data {manifest['dialect']} belum didukung untuk cadangan.")
    manifest["uploads_file"] = UPLOADS_TAR
    manifest["uploads"] = _tar_uploads(Path(upload_dir), target / UPLOADS_TAR)
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def _sqlite_copy(source: Path, destination: Path) -> None:
    """Online backup API: a consistent copy even while other connections write."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(destination)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def _tar_uploads(upload_dir: Path, tar_path: Path) -> int:
    files = 0
    with tarfile.open(tar_path, "w") as tar:
        if upload_dir.is_dir():
            for path in sorted(upload_dir.rglob("*")):
                if path.is_file():
                    tar.add(path, arcname=str(path.relative_to(upload_dir)), recursive=False)
                    files += 1
    return files


# --------------------------------------------------------------------------- restore

def read_manifest(source: Path) -> dict:
    path = Path(source) / MANIFEST
    if not path.is_file():
        raise DomainError(f"{path} tidak ditemukan: folder ini bukan cadangan portal.")
    return json.loads(path.read_text(encoding="utf-8"))


def restore(source: Path, upload_dir: Path, force: bool = False) -> dict:
    """Put the backup in `source` back into the configured database and UPLOAD_DIR; return its manifest."""
    source = Path(source)
    manifest = read_manifest(source)
    url = db.engine.url
    dialect = url.get_backend_name()
    if manifest["dialect"] != dialect:
        raise DomainError(f"Cadangan ini dari {manifest['dialect']}, sedangkan basis data tujuan {dialect}.")
    if database_has_data() and not force:
        raise DomainError("Basis data tujuan sudah berisi data. Pulihkan ke basis data kosong, "
                          "atau ulangi dengan --force untuk menimpanya.")
    db.session.rollback()
    db.session.close()
    db.engine.dispose()  # no pooled connection may hold the old database open
    database_file = source / manifest["database_file"]
    if dialect == "sqlite":
        _sqlite_copy(database_file, Path(url.database))
    else:
        _check_pg_tools("pg_restore")
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--exit-on-error",
              "--single-transaction", "-d", url.database, str(database_file)], _pg_env(url))
    _untar_uploads(source / manifest["uploads_file"], Path(upload_dir))
    return manifest


def _untar_uploads(tar_path: Path, upload_dir: Path) -> None:
    upload_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tar_path) as tar:
        tar.extractall(upload_dir, filter="data")  # no absolute paths, no "..", no device files
