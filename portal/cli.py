"""Command-line tools: `flask --app wsgi create-user | seed-demo | load-wilayah | rank | export-static | backup |
restore`."""
import os
import time
from pathlib import Path

import click
from flask import current_app

from portal import cli_records
from portal.domain.errors import DomainError
from portal.domain.roles import Role
from portal.extensions import db
from portal.services import accounts, areas, backup, demo, demo_households, ranking


def register(app) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(load_wilayah)
    app.cli.add_command(rank)
    app.cli.add_command(export_static)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    cli_records.register(app)  # audit-verify, purge


@click.command("load-wilayah")
def load_wilayah():
    """Load the official Kota Bontang areas (idempotent; needed once on every new database)."""
    added = areas.load_official_areas()
    db.session.commit()
    click.echo(f"{added} wilayah ditambahkan.")


@click.command("create-user")
@click.option("--username", prompt="Nama pengguna")
@click.option("--full-name", prompt="Nama lengkap")
@click.option("--role", type=click.Choice([r.value for r in Role]), prompt="Peran")
@click.option("--area", "area_code", prompt="Kode wilayah (mis. 64.74 untuk admin/dinsos)")
@click.password_option("--password", prompt="Kata sandi", confirmation_prompt="Ulangi kata sandi")
@click.option("--no-forced-change", is_flag=True, help="Do not force a password change at first login.")
def create_user(username, full_name, role, area_code, password, no_forced_change):
    """Create an account (the first admin of a new installation, for instance)."""
    try:
        user = accounts.create_user(None, username, full_name, role, area_code, password,
                                    must_change_password=not no_forced_change)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Akun {user.username} ({user.role_label}, {user.area.label}) dibuat.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed a database that has no accounts yet.")
@click.option("--households", type=click.IntRange(min=0), default=0,
              help="Also add this many extra households across the city (scale tests).")
def seed_demo(if_empty, households):
    """Load the demo areas and accounts (refused in production)."""
    if not current_app.config["DEMO_SEED_ALLOWED"]:
        if if_empty:  # `make run` in production: skip quietly, never seed
            click.echo("Lingkungan production: data demo tidak dimuat.")
            return
        raise click.ClickException("Data demo tidak boleh dimuat di lingkungan production.")
    if if_empty and not demo.database_is_empty():
        click.echo("Basis data sudah berisi akun; data demo tidak dimuat.")
        return
    created = demo.seed_demo()
    db.session.commit()
    click.echo(f"Data demo siap: {created} akun baru, kata sandi '{demo.DEMO_PASSWORD}'.")
    if households:
        started = time.monotonic()
        demo_households.seed_bulk_households(households)
        db.session.commit()
        click.echo(f"{households} rumah tangga tambahan dibuat dalam {time.monotonic() - started:.1f} detik.")


@click.command("rank")
def rank():
    """Recompute the local indicative ranking of every household (a new run; earlier runs are kept)."""
    run = ranking.recompute(None)
    db.session.commit()
    click.echo(f"Peringkat dihitung: {run.households} rumah tangga ({run.active_households} aktif), "
               f"aturan {run.rules_version}.")


# Suffixes nginx's gzip_static and brotli_static look for beside a file.
STATIC_SUFFIXES = {"identity": "", "gzip": ".gz", "br": ".br"}


@click.command("export-static")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_static(directory: Path):
    """Write every static file under its hashed name, with .br and .gz beside it, for nginx to serve.

    The bytes are the ones the app itself serves (portal/assets.py). Files of earlier releases are left in
    place, so a page cached before a deploy still finds its assets.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = 0
    for asset in current_app.extensions["assets"].values():
        for coding, suffix in STATIC_SUFFIXES.items():
            target = directory / f"{asset.hashed_name}{suffix}"
            temporary = target.with_name(f".{target.name}.tmp")
            temporary.write_bytes(asset.bodies[coding])
            os.chmod(temporary, 0o644)
            temporary.replace(target)  # atomic: nginx never serves half a file
            written += 1
    click.echo(f"{written} berkas statis ditulis ke {directory}.")


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def backup_command(directory: Path):
    """Back up the database and the uploaded evidence into a new DIRECTORY (portal/services/backup.py)."""
    try:
        manifest = backup.backup(directory, Path(current_app.config["UPLOAD_DIR"]))
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Cadangan ditulis ke {directory}: {manifest['database_file']}, "
               f"{manifest['uploads']} berkas bukti dalam {manifest['uploads_file']}.")
    if anchor := manifest.get("audit_anchor"):
        click.echo(f"Jejak audit: baris id {anchor['row_id']}, hash {anchor['row_hash']} "
                   f"({manifest['audit_anchor_file']}); simpan salinannya di luar server.")


@click.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite a database that already holds data.")
def restore_command(directory: Path, force: bool):
    """Restore a backup made by `flask backup` into the configured database and UPLOAD_DIR."""
    try:
        manifest = backup.restore(directory, Path(current_app.config["UPLOAD_DIR"]), force=force)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Cadangan {manifest['created_at']} dipulihkan: {sum(manifest['counts'].values())} baris, "
               f"{manifest['uploads']} berkas bukti.")
