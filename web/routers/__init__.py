"""The pages, one router per area: home and sign-in, action links, the offices' dashboard, public results, the
dev mailbox."""
