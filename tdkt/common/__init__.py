"""Small shared vocabulary of the domain: refusals, Vietnamese text and dates, working days, signing."""
