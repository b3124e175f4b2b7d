"""SQLAlchemy models, one file per aggregate. Import them all here so Alembic sees every table."""
from portal.models.area import Area
from portal.models.audit import AuditEvent
from portal.models.data_import import DataImport
from portal.models.data_version import DataVersion
from portal.models.decision import Decision, RegistryChange, VerificationNote
from portal.models.household import Household, Person, PersonPpks
from portal.models.letter import Letter, LetterJob, LetterSequence, Office, letter_proposals
from portal.models.muskel import Muskel, MuskelItem, MuskelParticipant
from portal.models.program import ProgramMembership
from portal.models.proposal import Evidence, Proposal, ProposalNik
from portal.models.ranking import HouseholdRank, RankingRun
from portal.models.session import UserSession
from portal.models.two_factor import RecoveryCode
from portal.models.user import User
from portal.models.verivali import VerivaliCheck, VerivaliItem, VerivaliPeriod

__all__ = [
    "Area", "AuditEvent", "DataImport", "DataVersion", "Decision", "Evidence", "Household", "HouseholdRank",
    "Letter", "LetterJob", "LetterSequence", "Muskel", "MuskelItem", "MuskelParticipant", "Office", "Person",
    "PersonPpks", "ProgramMembership", "Proposal", "ProposalNik", "RankingRun", "RecoveryCode", "RegistryChange",
    "User", "UserSession", "VerificationNote", "VerivaliCheck", "VerivaliItem", "VerivaliPeriod", "letter_proposals",
]
