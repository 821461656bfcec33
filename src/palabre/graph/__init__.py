"""The interaction graph of the fabric: who answers, mentions and reacts to whom."""
