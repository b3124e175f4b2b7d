"""How long the portal keeps data it only needs for a while, and what it keeps for good.

Pure Python (no Flask, no database). Past retention: ended login sessions, drafts that were never submitted
(with their evidence files), the stored copies of imported files, and background letter jobs that failed.
Never purged: decisions, the registry (households, persons, PPKS, programs, field history), letters, imports'
records (who imported which file with which SHA-256) and the audit log.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

# What `purge` counts, in the order it reports them, with the Bahasa label it prints.
KINDS = {
    "sessions": "sesi masuk yang sudah berakhir",
    "drafts": "draf usulan yang tidak pernah diajukan",
    "evidence_files": "berkas bukti dari draf tersebut",
    "import_files": "berkas impor yang tersimpan",
    "letter_jobs": "pembuatan surat yang gagal",
}


@dataclass(frozen=True)
class Policy:
    """Days each kind of data is kept (from config: RETENTION_*_DAYS)."""

    ended_sessions_days: int = 90
    abandoned_drafts_days: int = 180
    import_files_days: int = 30
    failed_letter_jobs_days: int = 90

    @classmethod
    def from_config(cls, config) -> "Policy":
        return cls(ended_sessions_days=config["RETENTION_ENDED_SESSIONS_DAYS"],
                   abandoned_drafts_days=config["RETENTION_ABANDONED_DRAFTS_DAYS"],
                   import_files_days=config["RETENTION_IMPORT_FILES_DAYS"],
                   failed_letter_jobs_days=config["RETENTION_FAILED_LETTER_JOBS_DAYS"])

    def __post_init__(self):
        for name, days in vars(self).items():
            if days < 1:
                raise ValueError(f"{name} must be at least 1 day, not {days}")


@dataclass(frozen=True)
class Cutoffs:
    """Data last touched before these instants is past retention."""

    sessions: datetime
    drafts: datetime
    import_files: datetime
    letter_jobs: datetime


def cutoffs(policy: Policy, now: datetime) -> Cutoffs:
    return Cutoffs(sessions=now - timedelta(days=policy.ended_sessions_days),
                   drafts=now - timedelta(days=policy.abandoned_drafts_days),
                   import_files=now - timedelta(days=policy.import_files_days),
                   letter_jobs=now - timedelta(days=policy.failed_letter_jobs_days))


def report_lines(counts: dict[str, int], dry_run: bool) -> list[str]:
    """What `purge` prints: one line per kind, with its count."""
    verb = "akan dihapus" if dry_run else "dihapus"
    return [f"{counts.get(kind, 0)} {label} {verb}." for kind, label in KINDS.items()]
