"""SQLModel tables, one module per aggregate; importing the package registers every table."""

from models.audit import AuditChain, AuditEvent
from models.award import AwardRecord
from models.campaign import Campaign, Phase, PhaseQuota, ReportDue, StageDeadline
from models.decision import Decision, DecisionEntry
from models.delegation import Delegation
from models.dossier import Consolidation, Dossier
from models.lease import SchedulerLease
from models.link import ActionLink
from models.nomination import Nomination, NominationDecision, NominationStatus, Nominee
from models.outbox import NotificationLog, OutboxMessage, OutboxStatus
from models.paper import Paper
from models.registration import Registration, RegistrationEntry, RegistrationStatus
from models.tally import TitleTally
from models.unit import Person, Unit
from models.vote import CouncilBallot, CouncilVote, VoteTally
from models.web_session import WebSession

__all__ = [
    "ActionLink", "AuditChain", "AuditEvent", "AwardRecord", "Campaign", "Consolidation", "CouncilBallot",
    "CouncilVote",
    "Decision", "DecisionEntry", "Delegation", "Dossier",
    "Nomination", "NominationDecision", "NominationStatus", "Nominee", "NotificationLog",
    "OutboxMessage", "OutboxStatus", "Paper", "Person", "Phase", "PhaseQuota", "ReportDue", "SchedulerLease",
    "StageDeadline", "TitleTally", "Unit", "VoteTally", "Registration", "RegistrationEntry",
    "RegistrationStatus", "WebSession",
]
