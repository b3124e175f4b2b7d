"""Command-line tools for the records the portal keeps: `flask --app wsgi audit-verify [--anchor PATH ...] |
purge [--dry-run]`."""
from pathlib import Path

import click

from portal.domain.errors import DomainError
from portal.domain.retention import report_lines
from portal.extensions import db
from portal.services import audit_chain, retention


def register(app) -> None:
    app.cli.add_command(audit_verify)
    app.cli.add_command(purge)


@click.command("audit-verify")
@click.option("--anchor", "anchors", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="An anchor file (audit-anchor.json) or a backup directory holding one; may be repeated.")
def audit_verify(anchors: tuple[Path, ...]):
    """Walk the hash chain of the audit log and compare it with the anchors of every issued letter and of the
    given anchor files; exit 1 naming the first row edited, removed, inserted or not matching an anchor."""
    try:
        verdict = audit_chain.verify_chain(anchors)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    if not verdict.ok:
        raise click.ClickException(f"Rantai log audit RUSAK: {verdict.message}. "
                                   f"{verdict.count} baris diperiksa sampai titik ini.")
    if verdict.count == 0:
        click.echo("OK: log audit masih kosong.")
        return
    click.echo(f"OK: {verdict.count} baris log audit utuh (baris terakhir id {verdict.last_id}, "
               f"hash {verdict.last_hash}).")
    click.echo(f"{verdict.anchors} jejak audit (surat dan berkas jejak) cocok.")
    click.echo("Simpan hash terakhir ini di tempat lain untuk pembanding pemeriksaan berikutnya.")


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
def purge(dry_run):
    """Remove data past its retention period (RETENTION_*_DAYS); never decisions, registry, letters or audit."""
    result = retention.purge(dry_run=dry_run)
    if dry_run:
        db.session.rollback()
        click.echo("Uji coba (--dry-run): tidak ada yang dihapus.")
    else:
        db.session.commit()
        result.remove_files()
    for line in report_lines(result.counts, dry_run):
        click.echo(line)
