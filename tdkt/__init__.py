"""tdkt — Thi đua – Khen thưởng: award dossiers from the school's vote to the commendation decision."""

__version__ = "0.1.0"
