"""SQLModel tables, one module per aggregate; importing the package registers every table."""

# models.audit first: its before_commit listener (sealing the audit chain, which inserts the transaction's events)
# must run before the others that flush or need the events' ids (listeners run in the order they were added)
from models.audit import AuditChain, AuditEvent  # isort: skip
from models.award import AwardRecord
from models.cache import ReferenceVersion
from models.campaign import Campaign, Phase, PhaseQuota, StageDeadline
from models.decision import Decision, DecisionEntry
from models.delegation import Delegation
from models.dossier import Consolidation, Dossier, DossierStatus
from models.lease import SchedulerLease
from models.link import ActionLink
from models.nomination import Nomination, NominationDecision, NominationStatus, Nominee, SubjectKind
from models.outbox import NotificationLog, OutboxMessage, OutboxStatus
from models.paper import Paper
from models.registration import Registration, RegistrationEntry, RegistrationStatus
from models.tally import TitleTally
from models.unit import Person, Unit, UnitKind
from models.vote import CouncilVote, VoteTally

# Rows that the transitions of a unit of work read again and again and that it never changes: a session keeps
# them loaded for its whole life (models.db.keep_loaded; the identity map alone holds rows weakly).
REFERENCE = (Unit, Person, Phase, Campaign, StageDeadline)

__all__ = [
    "REFERENCE", "ActionLink", "AuditChain", "AuditEvent", "AwardRecord", "Campaign", "Consolidation", "CouncilVote",
    "Decision", "DecisionEntry", "Delegation", "Dossier",
    "DossierStatus", "Nomination", "NominationDecision", "NominationStatus", "Nominee", "NotificationLog",
    "OutboxMessage", "OutboxStatus", "Paper", "Person", "Phase", "PhaseQuota", "ReferenceVersion", "SchedulerLease",
    "StageDeadline", "SubjectKind", "TitleTally", "Unit", "UnitKind", "VoteTally", "Registration", "RegistrationEntry",
    "RegistrationStatus",
]
