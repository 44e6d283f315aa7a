"""Reporting's read models: the statistics view (D-5, D-6), counted from every topic."""
