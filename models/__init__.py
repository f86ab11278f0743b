"""SQLModel tables, one module per aggregate; importing the package registers every table."""

from models.audit import AuditEvent
from models.campaign import Campaign, Phase, PhaseQuota, StageDeadline
from models.decision import Decision, DecisionEntry
from models.dossier import Consolidation, Dossier, DossierStatus
from models.nomination import Nomination, NominationDecision, NominationStatus, Nominee, SubjectKind
from models.outbox import OutboxMessage, OutboxStatus
from models.unit import Person, Unit, UnitKind
from models.vote import CouncilVote, VoteTally

__all__ = [
    "AuditEvent", "Campaign", "Consolidation", "CouncilVote", "Decision", "DecisionEntry", "Dossier",
    "DossierStatus", "Nomination", "NominationDecision", "NominationStatus", "Nominee", "OutboxMessage",
    "OutboxStatus", "Person", "Phase", "PhaseQuota", "StageDeadline", "SubjectKind", "Unit", "UnitKind",
    "VoteTally",
]
