"""cohortbot: the application around the commands (transports, server, scheduler, advice content)."""
