"""The event store and what lives beside it: applications, read models, group commit,
leadership, crypto-shredding and the access log.
"""
