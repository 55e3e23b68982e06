"""Transports: each translates one platform's requests into CommandRequests and Replies back out."""
