"""Papers tdkt draws up (tờ trình, biên bản, quyết định, certificates) and the public results."""
